import type { AreaCodes } from './status-name.js';

/** Inspections (services/credit): 双随机、一公开 tasks and their draws. */
export const INSPECTION_CODES = {
  // a ratio per grade outside 0–10000 basis points
  INSPECTION_RATIO_OUT_OF_RANGE: 'INVALID_ARGUMENT',
  // no candidate, or no inspector
  INSPECTION_POOL_EMPTY: 'INVALID_ARGUMENT',
  // a candidate for whom fewer inspectors than the task's inspectors per target are not recused
  INSPECTION_TOO_FEW_INSPECTORS: 'INVALID_ARGUMENT',
  // a draw asked for before the task's commitment is in a signed audit checkpoint
  INSPECTION_NOT_CHECKPOINTED: 'FAILED_PRECONDITION',
  // a published draw that does not recompute (verify-draw)
  INSPECTION_DRAW_MISMATCH: 'FAILED_PRECONDITION',
  // no task committed under this id
  INSPECTION_TASK_NOT_FOUND: 'NOT_FOUND',
  // a task id committed already with another document
  INSPECTION_TASK_EXISTS: 'ALREADY_EXISTS',
  // a department acting on another department's task
  INSPECTION_NOT_ORGANISER: 'PERMISSION_DENIED',
  // the audit log's inclusion proof does not lead to the signed checkpoint's root
  INSPECTION_PROOF_INVALID: 'FAILED_PRECONDITION',
  // a result for an entity the task's draw did not draw (or a task not drawn yet)
  INSPECTION_NOT_DRAWN: 'FAILED_PRECONDITION',
  // a result by an inspector not assigned to the entity, or recorded by another department than the inspector's
  INSPECTION_NOT_ASSIGNED: 'PERMISSION_DENIED',
  // another result for an entity whose result is recorded
  INSPECTION_RESULT_EXISTS: 'ALREADY_EXISTS',
  // the audit log cannot be reached to prove the commitment
  INSPECTION_AUDIT_UNAVAILABLE: 'UNAVAILABLE',
} as const satisfies AreaCodes;
