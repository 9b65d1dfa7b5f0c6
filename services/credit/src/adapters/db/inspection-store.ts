import type {
  InspectionResultFact,
  InspectionStore,
  KeptCheckpoint,
  PublishedDraw,
  StoredTask,
} from '../../app/inspections.js';

interface TaskRow {
  task_id: string;
  organiser: string;
  document: string;
  digest: Buffer;
  commitment_event_id: string;
  committed_at: Date;
}

/** The published draw as stored: bytes as base64 (JSON has no bytes). */
interface StoredDraw extends Omit<PublishedDraw, 'proof'> {
  readonly proof: Omit<PublishedDraw['proof'], 'leafHash' | 'hashes' | 'leafCanonical' | 'commitmentBody'> & {
    readonly leafHash: string;
    readonly hashes: readonly string[];
    readonly leafCanonical: string;
    readonly commitmentBody: string;
  };
}

const b64 = (b: Buffer) => b.toString('base64');
const bytes = (s: string) => Buffer.from(s, 'base64');

export const sqlInspectionStore: InspectionStore = {
  async task(db, taskId) {
    const { rows } = await db.query<TaskRow>('SELECT * FROM credit.inspection_tasks WHERE task_id = $1', [taskId]);
    const r = rows[0];
    if (!r) return undefined;
    return {
      taskId: r.task_id,
      organiser: r.organiser,
      document: r.document,
      digest: Buffer.from(r.digest),
      commitmentEventId: r.commitment_event_id,
      committedAt: r.committed_at,
    } satisfies StoredTask;
  },
  async insertTask(tx, t) {
    const { rowCount } = await tx.query(
      `INSERT INTO credit.inspection_tasks (task_id, organiser, document, digest, commitment_event_id, committed_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (task_id) DO NOTHING`,
      [t.taskId, t.organiser, t.document, t.digest, t.commitmentEventId, t.committedAt],
    );
    return rowCount === 1;
  },
  async checkpoints(db, origin) {
    const { rows } = await db.query<{ size: string; root: Buffer; note: string }>(
      'SELECT size, root, note FROM credit.audit_checkpoints WHERE origin = $1 ORDER BY size',
      [origin],
    );
    return rows.map((r): KeptCheckpoint => ({ origin, size: Number(r.size), root: Buffer.from(r.root), note: r.note }));
  },
  async keepCheckpoint(tx, c, at) {
    await tx.query(
      `INSERT INTO credit.audit_checkpoints (origin, size, root, note, received_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (origin, size) DO NOTHING`,
      [c.origin, c.size, c.root, c.note, at],
    );
  },
  async draw(db, taskId) {
    const { rows } = await db.query<{ published: StoredDraw }>(
      'SELECT published FROM credit.inspection_draws WHERE task_id = $1',
      [taskId],
    );
    const d = rows[0]?.published;
    if (!d) return undefined;
    return {
      ...d,
      proof: {
        ...d.proof,
        leafHash: bytes(d.proof.leafHash),
        hashes: d.proof.hashes.map(bytes),
        leafCanonical: bytes(d.proof.leafCanonical),
        commitmentBody: bytes(d.proof.commitmentBody),
      },
    };
  },
  async insertDraw(tx, d, at) {
    const stored: StoredDraw = {
      ...d,
      proof: {
        ...d.proof,
        leafHash: b64(d.proof.leafHash),
        hashes: d.proof.hashes.map(b64),
        leafCanonical: b64(d.proof.leafCanonical),
        commitmentBody: b64(d.proof.commitmentBody),
      },
    };
    const { rowCount } = await tx.query(
      `INSERT INTO credit.inspection_draws (task_id, published, drawn_at) VALUES ($1, $2::jsonb, $3)
       ON CONFLICT (task_id) DO NOTHING`,
      [d.taskId, JSON.stringify(stored), at],
    );
    return rowCount === 1;
  },
  async result(db, taskId, creditCode) {
    const { rows } = await db.query<{ result: InspectionResultFact }>(
      'SELECT result FROM credit.inspection_results WHERE task_id = $1 AND credit_code = $2',
      [taskId, creditCode],
    );
    return rows[0]?.result;
  },
  async insertResult(tx, r) {
    const { rowCount } = await tx.query(
      `INSERT INTO credit.inspection_results (task_id, credit_code, inspector_id, result, recorded_at)
       VALUES ($1, $2, $3, $4::jsonb, $5) ON CONFLICT (task_id, credit_code) DO NOTHING`,
      [r.taskId, r.creditCode, r.inspectorId, JSON.stringify(r), r.recordedAt],
    );
    return rowCount === 1;
  },
};
