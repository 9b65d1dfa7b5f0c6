import type { inspectionV1 as iv } from '@onceonly/contracts';
import { invalid } from '@onceonly/errors';
import { validateUscc } from '@onceonly/ids';
import { type Caller, FieldCheck, unary } from '@onceonly/kit';
import { isPlainDate } from '@onceonly/workdays';
import {
  commitTaskCase,
  drawTaskCase,
  getTaskCase,
  type InspectionDeps,
  type InspectionOutcome,
  type ResultInput,
  recordResultCase,
  type StoredTask,
} from '../../app/inspections.js';
import type { Actor } from '../../domain/records.js';
import { drawToProto, OUTCOMES, resultToProto } from '../events/inspection-outbox.js';
import { gradeToProto, recordToProto } from './to-proto.js';

const OUTCOME_OF = new Map([...OUTCOMES].map(([k, v]) => [v, k] as const));

/** A RecordInspectionResult request, every field at fault named (the kit's text rule: no citizen ID in findings). */
export function parseRecordResult(r: iv.RecordInspectionResultRequest, actor: Actor): ResultInput {
  return FieldCheck.parse((check) => {
    const id = check.text('task_id', r.taskId, { max: 64, required: true });
    const code = validateUscc(r.creditCode);
    if (!code.ok || code.value !== r.creditCode) {
      check.fail('credit_code', 'USCC', 'a unified social credit code, as the task writes it', 'USCC_INVALID');
    }
    const inspectorId = check.text('inspector_id', r.inspectorId, { max: 64, required: true });
    const outcome = OUTCOME_OF.get(r.outcome);
    if (outcome === undefined)
      check.fail('outcome', 'REQUIRED', 'compliant, ordered-to-correct, case-opened, not-located');
    const findings = check.text('findings', r.findings, { max: 2000, required: true, multiline: true, trim: true });
    if (!isPlainDate(r.inspectedOn)) check.fail('inspected_on', 'DATE', 'YYYY-MM-DD');
    return {
      taskId: id,
      creditCode: r.creditCode,
      inspectorId,
      outcome: outcome as InspectionOutcome,
      findings,
      inspectedOn: r.inspectedOn,
      actor,
    };
  });
}

const actorOf = (caller: Caller): Actor => ({ code: caller.departmentCode, role: caller.role });

/** At most this much task JSON (a pool of 100,000 candidates fits; gRPC's own limit is 4 MiB). */
const MAX_TASK_JSON = 3_500_000;

function taskId(value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) {
    throw invalid('INVALID_ARGUMENT', [{ field: 'task_id', reason: 'REQUIRED', description: 'a task id' }]);
  }
  return value;
}

function taskToProto(task: StoredTask, replayed: boolean): iv.CommitInspectionTaskResponse {
  return {
    taskId: task.taskId,
    documentJson: task.document,
    taskDigest: task.digest,
    commitmentEventId: task.commitmentEventId,
    replayed,
  };
}

/** The handlers of InspectionService: parse, run the use case, map the result. */
export function inspectionHandlers(deps: InspectionDeps): iv.InspectionServiceServer {
  return {
    commitInspectionTask: unary(async (r, { caller }) => {
      if (r.taskJson.length > MAX_TASK_JSON) {
        throw invalid('INVALID_ARGUMENT', [{ field: 'task_json', reason: 'TOO_LONG', description: 'at most 3.5 MB' }]);
      }
      const { task, replayed } = await commitTaskCase(deps, { taskJson: r.taskJson, actor: actorOf(caller) });
      return taskToProto(task, replayed);
    }),
    drawInspectionTask: unary(async (r, { caller }) => {
      const { draw, replayed } = await drawTaskCase(deps, { taskId: taskId(r.taskId), actor: actorOf(caller) });
      return { draw: drawToProto(draw), replayed };
    }),
    recordInspectionResult: unary(async (r, { caller }) => {
      const done = await recordResultCase(deps, parseRecordResult(r, actorOf(caller)));
      return {
        result: resultToProto(done.result),
        replayed: done.replayed,
        record: done.record ? recordToProto(done.record) : undefined,
        grade: done.grade ? gradeToProto(done.grade) : undefined,
      };
    }),
    getInspectionTask: unary(async (r, { caller }) => {
      const { task, draw } = await getTaskCase(deps, { taskId: taskId(r.taskId), actor: actorOf(caller) });
      return { task: taskToProto(task, false), draw: draw ? drawToProto(draw) : undefined };
    }),
  };
}
