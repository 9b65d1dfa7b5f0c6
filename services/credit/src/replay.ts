/**
 * @onceonly/credit/replay: the credit service's replay projections (docs/adr/005-replay-projections.md), which
 * `onceonly audit replay` runs: every record's status and version, and every subject's grade (its letter, rule set,
 * reasons and review day), rebuilt from the logged `credit.record.*` and `credit.grade.changed` events alone, each
 * event checked against the service's rules, and compared with what GetRecord and GetCreditProfile (by subject key)
 * answer; and every 双随机 draw recomputed from its logged task document and checkpoint (`inspection-draw`), compared
 * with GetInspectionTask. The hub passes them to the audit replay; the audit service never imports them.
 */
import type { ProjectionDescriptor } from '@onceonly/replay';
import { CREDIT_SERVICE } from './adapters/events/credit-replay.js';
import { INSPECTION_SERVICE } from './adapters/events/draw-replay.js';
import { CREDIT_RECORD_STATUS, CREDIT_SUBJECT_GRADE } from './domain/replay/credit-replay.js';
import { INSPECTION_DRAW } from './domain/replay/draw-replay.js';

export {
  CREDIT_SERVICE,
  creditGradeCheck,
  creditGradeProjection,
  creditRecordCheck,
  creditRecordProjection,
  decodeCreditEvent,
  type GradeLookup,
  gradeFromProto,
  type RecordLookup,
  recordFromProto,
  recordStatusFromProto,
} from './adapters/events/credit-replay.js';
export {
  decodeInspectionEvent,
  INSPECTION_SERVICE,
  inspectionDrawCheck,
  inspectionDrawProjection,
  liveTaskFromProto,
  logKeysOf,
  type TaskLookup,
} from './adapters/events/draw-replay.js';
export {
  CREDIT_RECORD_STATUS,
  CREDIT_SUBJECT_GRADE,
  type CreditReplayFact,
  evolveRecordStatus,
  evolveSubjectGrade,
  gradeDifferences,
  type LiveGrade,
  type LiveRecord,
  type ReplayedRecord,
  type ReplayedSubject,
  recordDifferences,
} from './domain/replay/credit-replay.js';
export {
  type DrawReplayFact,
  drawDifferences,
  evolveDraw,
  INSPECTION_DRAW,
  type LiveTask,
  type LogKeys,
  type ReplayedTask,
  signedRootOf,
  taskDifferences,
} from './domain/replay/draw-replay.js';

/** The record status projection, as the hub lists it. */
export const CREDIT_RECORD_REPLAY: ProjectionDescriptor = {
  name: CREDIT_RECORD_STATUS,
  service: CREDIT_SERVICE,
  what: 'the status and version of every credit record',
};

/** The subject grade projection, as the hub lists it. */
export const CREDIT_GRADE_REPLAY: ProjectionDescriptor = {
  name: CREDIT_SUBJECT_GRADE,
  service: CREDIT_SERVICE,
  what: "every subject's grade: letter, rule set, reasons and review day, recomputed from its logged records",
};

/** The draw projection, as the hub lists it. */
export const INSPECTION_DRAW_REPLAY: ProjectionDescriptor = {
  name: INSPECTION_DRAW,
  service: INSPECTION_SERVICE,
  what: 'every 双随机 draw recomputed from its logged task and checkpoint, and its results',
};
