import type { PlainDate } from '@onceonly/workdays';
import type { CommitmentStore } from '../../app/ports.js';
import type { Commitment } from '../../domain/commitments.js';

/** The stored JSON with the overdue day kept in its own column (the sweep sets it without a version change). */
const withOverdue = (state: Commitment, overdueOn: string | null): Commitment =>
  overdueOn ? { ...state, overdueOn: overdueOn as PlainDate } : state;
const COLUMNS = `state, tracked_event_id, to_char(overdue_on, 'YYYY-MM-DD') AS overdue_on`;
type Row = { state: Commitment; tracked_event_id: string; overdue_on: string | null };

/** Commitments (告知承诺) in `credit.commitments`: the domain's JSON and the columns lists filter by. */
export const sqlCommitmentStore: CommitmentStore = {
  async find(db, id) {
    const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM credit.commitments WHERE id = $1`, [id]);
    const row = rows[0];
    return row
      ? { commitment: withOverdue(row.state, row.overdue_on), trackedEventId: row.tracked_event_id }
      : undefined;
  },
  async ofSubject(db, key) {
    const { rows } = await db.query<Row>(
      `SELECT ${COLUMNS} FROM credit.commitments WHERE subject_key = $1 ORDER BY post_check_due, id`,
      [key],
    );
    return rows.map((r) => withOverdue(r.state, r.overdue_on));
  },
  async insert(tx, c, trackedEventId, at) {
    await tx.query(
      `INSERT INTO credit.commitments (id, certificate_id, subject_key, owner, status, version, post_check_due,
         tracked_event_id, state, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $10)`,
      [
        c.id,
        c.certificateId,
        c.subject.key,
        c.owner,
        c.status,
        c.version,
        c.postCheckDue,
        trackedEventId,
        JSON.stringify(c),
        at,
      ],
    );
  },
  async update(tx, c, expectedVersion, at) {
    const { rowCount } = await tx.query(
      `UPDATE credit.commitments SET status = $2, version = $3, state = $4::jsonb, updated_at = $6
       WHERE id = $1 AND version = $5`,
      [c.id, c.status, c.version, JSON.stringify(c), expectedVersion, at],
    );
    return rowCount === 1;
  },
  async overdue(db, today, limit) {
    const { rows } = await db.query<Row>(
      `SELECT ${COLUMNS} FROM credit.commitments
       WHERE status = 'open' AND overdue_on IS NULL AND post_check_due < $1 ORDER BY post_check_due, id LIMIT $2`,
      [today, limit],
    );
    return rows.map((r) => ({ commitment: r.state, trackedEventId: r.tracked_event_id }));
  },
  async markOverdue(tx, id, today, at) {
    const { rowCount } = await tx.query(
      `UPDATE credit.commitments SET overdue_on = $2, updated_at = $3
       WHERE id = $1 AND status = 'open' AND overdue_on IS NULL AND post_check_due < $2`,
      [id, today, at],
    );
    return rowCount === 1;
  },
};
