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
} as const satisfies AreaCodes;
