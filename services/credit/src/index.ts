/**
 * @onceonly/credit: credit records, publicity windows (双公示), credit repair and grades A/B/C/D (issue 13): the
 * module and its configuration, and the pure rules (publicity, grades, repair) for tools and tests.
 */
export { addMonths } from './domain/dates.js';
export {
  canonicalTask,
  DRAW_PROCEDURE,
  type DrawResult,
  drawTask,
  type InspectionTask,
  type InspectionTaskInput,
  seedCheckpoint,
  taskDigest,
  taskDocument,
} from './domain/draw.js';
export {
  GRADE_RULES,
  type Grade,
  type GradeLetter,
  type GradeRuleSet,
  gradeOf,
} from './domain/grades.js';
export {
  type PenaltyKind,
  PUBLICITY_RULES,
  type Publicity,
  type PublicityRuleSet,
  penaltyPublicity,
  type Regime,
  type Sector,
} from './domain/publicity.js';
export { type CreditRecord, isPublic, type RecordKind } from './domain/records.js';
export { REPAIR_RULES, type RepairRuleSet } from './domain/repair.js';
export { creditGradeSweep } from './grade-sweep.js';
export { CREDIT_CONFIG, creditModule, migrateCredit } from './module.js';
export { CREDIT_EVENT_TYPES, CREDIT_TOPIC } from './topics.js';
