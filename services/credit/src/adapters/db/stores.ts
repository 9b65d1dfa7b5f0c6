import type { CreditStore, GradeChange, IdempotencyStore, StoredGrade } from '../../app/ports.js';
import type { GradeLetter } from '../../domain/grades.js';
import type { CreditRecord } from '../../domain/records.js';

/** The schema the service keeps its tables in. */
export const CREDIT_SCHEMA = 'credit';

function recordColumns(r: CreditRecord) {
  return [r.id, r.status, r.version, JSON.stringify(r)];
}

export const sqlCreditStore: CreditStore = {
  async subject(db, key) {
    const { rows } = await db.query<{ state: CreditRecord | StoredGrade; grade: boolean }>(
      `SELECT state, false AS grade FROM credit.records WHERE subject_key = $1
       UNION ALL SELECT state || jsonb_build_object('version', version), true FROM credit.grades WHERE subject_key = $1`,
      [key],
    );
    const records = rows
      .filter((r) => !r.grade)
      .map((r) => r.state as CreditRecord)
      .sort((a, b) => (a.decisionDate + a.id < b.decisionDate + b.id ? -1 : 1));
    const grade = rows.find((r) => r.grade)?.state as StoredGrade | undefined;
    return { records, ...(grade ? { grade } : {}) };
  },
  async record(db, id) {
    const { rows } = await db.query<{ state: CreditRecord }>('SELECT state FROM credit.records WHERE id = $1', [id]);
    return rows[0]?.state;
  },
  async decisionRecorded(db, owner, kind, number) {
    const { rows } = await db.query<{ id: string }>(
      'SELECT id FROM credit.records WHERE owner = $1 AND kind = $2 AND decision_number = $3',
      [owner, kind, number],
    );
    return rows[0]?.id;
  },
  async insertRecord(tx, r, at) {
    await tx.query(
      `INSERT INTO credit.records (id, status, version, state, subject_key, kind, owner, decision_number,
         decision_date, published, public_from, public_until, created_at, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)`,
      [
        ...recordColumns(r),
        r.subject.key,
        r.kind,
        r.owner,
        r.body.decisionNumber,
        r.decisionDate,
        r.publicity.published,
        r.publicity.publicFrom ?? null,
        r.publicity.publicUntil ?? null,
        at,
      ],
    );
  },
  async updateRecord(tx, r, expectedVersion, at) {
    const { rowCount } = await tx.query(
      `UPDATE credit.records SET status = $2, version = $3, state = $4::jsonb, updated_at = $6
       WHERE id = $1 AND version = $5`,
      [...recordColumns(r), expectedVersion, at],
    );
    return rowCount === 1;
  },
  async saveGrade(tx, key, grade, expectedVersion, at) {
    const { version, ...state } = grade;
    const params = [key, grade.grade, version, grade.reviewOn ?? null, JSON.stringify(state), at];
    const { rowCount } =
      expectedVersion === 0
        ? await tx.query(
            `INSERT INTO credit.grades (subject_key, grade, version, review_on, state, updated_at)
             VALUES ($1, $2, $3, $4, $5::jsonb, $6) ON CONFLICT (subject_key) DO NOTHING`,
            params,
          )
        : await tx.query(
            `UPDATE credit.grades SET grade = $2, version = $3, review_on = $4, state = $5::jsonb, updated_at = $6
             WHERE subject_key = $1 AND version = $7`,
            [...params, expectedVersion],
          );
    return rowCount === 1;
  },
  async addHistory(tx, key, change) {
    const { version, ...state } = change.grade;
    await tx.query(
      `INSERT INTO credit.grade_history (subject_key, version, grade, previous, cause_record_id, state, changed_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
      [
        key,
        version,
        state.grade,
        change.previous ?? null,
        change.causeRecordId ?? null,
        JSON.stringify(state),
        change.changedAt,
      ],
    );
  },
  async publicRecords(db, query) {
    const params: unknown[] = [query.day];
    const where = [
      "published AND status <> 'repaired' AND public_from <= $1::date AND (public_until IS NULL OR public_until >= $1::date)",
    ];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replaceAll('?', `$${params.length}`));
    };
    if (query.subjectKey) add('subject_key = ?', query.subjectKey);
    if (query.kind) add('kind = ?', query.kind);
    if (query.after) {
      params.push(query.after.publicFrom, query.after.id);
      where.push(`(public_from, id) < ($${params.length - 1}::date, $${params.length})`);
    }
    params.push(query.pageSize + 1);
    const { rows } = await db.query<{ state: CreditRecord }>(
      `SELECT state FROM credit.records WHERE ${where.join(' AND ')}
       ORDER BY public_from DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, query.pageSize).map((r) => r.state);
    const last = page.at(-1);
    const next =
      rows.length > query.pageSize && last?.publicity.publicFrom
        ? { publicFrom: last.publicity.publicFrom, id: last.id }
        : undefined;
    return { records: page, ...(next ? { next } : {}) };
  },
  async dueForReview(db, today, limit) {
    const { rows } = await db.query<{ subject_key: string }>(
      `SELECT subject_key FROM credit.grades WHERE review_on <= $1::date ORDER BY review_on, subject_key LIMIT $2`,
      [today, limit],
    );
    return rows.map((r) => r.subject_key);
  },
  async history(db, key) {
    const { rows } = await db.query<{
      version: number;
      previous: GradeLetter | null;
      cause_record_id: string | null;
      state: Omit<StoredGrade, 'version'>;
      changed_at: Date;
    }>(
      `SELECT version, previous, cause_record_id, state, changed_at FROM credit.grade_history
       WHERE subject_key = $1 ORDER BY version`,
      [key],
    );
    return rows.map(
      (r): GradeChange => ({
        grade: { ...r.state, version: r.version },
        ...(r.previous ? { previous: r.previous } : {}),
        ...(r.cause_record_id ? { causeRecordId: r.cause_record_id } : {}),
        changedAt: r.changed_at,
      }),
    );
  },
};

export const sqlIdempotencyStore: IdempotencyStore = {
  async find(db, caller, key) {
    const { rows } = await db.query<{ request_hash: string; record_id: string }>(
      'SELECT request_hash, record_id FROM credit.idempotency_keys WHERE caller = $1 AND key = $2',
      [caller, key],
    );
    const row = rows[0];
    return row ? { requestHash: row.request_hash, recordId: row.record_id } : undefined;
  },
  async insert(tx, caller, key, requestHash, recordId, at) {
    await tx.query(
      `INSERT INTO credit.idempotency_keys (caller, key, request_hash, record_id, created_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [caller, key, requestHash, recordId, at],
    );
  },
};
