import type { IdempotencyStore } from '../../app/ports.js';

/** Idempotency keys over SQL: one row per (caller, operation, key). */
export const sqlIdempotencyStore: IdempotencyStore = {
  async find(q, caller, operation, key) {
    const { rows } = await q.query<{ request_hash: string; result_id: string }>(
      `SELECT request_hash, result_id FROM certificate.idempotency_keys
        WHERE caller_code = $1 AND operation = $2 AND key = $3`,
      [caller, operation, key],
    );
    const row = rows[0];
    return row === undefined ? undefined : { requestHash: row.request_hash, resultId: row.result_id };
  },

  async save(tx, caller, operation, key, result, at) {
    await tx.query(
      `INSERT INTO certificate.idempotency_keys (caller_code, operation, key, request_hash, result_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [caller, operation, key, result.requestHash, result.resultId, at],
    );
  },
};
