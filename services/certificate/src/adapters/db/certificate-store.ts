import { type Queryable, sqlStateOf, type Transaction } from '@onceonly/store';
import type {
  CertificateRecord,
  CertificateStore,
  HolderDigest,
  IssuedRow,
  IssueOutcome,
  RecordToVerify,
} from '../../app/ports.js';
import type { CertificateState } from '../../domain/certificate.js';
import { holderSubject } from '../../domain/holder.js';

/** The certificates table and its counters (schema `certificate`), on PostgreSQL or PGlite. */

interface Row {
  state: CertificateState;
  jws: string;
  qr_payload: string;
  seal_kid: string;
  sealed_at: Date;
  status_list_number: number;
  status_list_index: number;
  holder_digest: string | null;
  holder_digest_salt: string | null;
}

const COLUMNS = `state, jws, qr_payload, seal_kid, sealed_at, status_list_number, status_list_index, holder_digest,
  holder_digest_salt`;

function digestOf(row: Pick<Row, 'holder_digest' | 'holder_digest_salt'>): { holderDigest?: HolderDigest } {
  return row.holder_digest === null || row.holder_digest_salt === null
    ? {}
    : { holderDigest: { digest: row.holder_digest, salt: row.holder_digest_salt } };
}

function recordOf(row: Row): CertificateRecord {
  const digest = digestOf(row);
  return {
    state: Object.freeze(row.state),
    jws: row.jws,
    qrPayload: row.qr_payload,
    sealKid: row.seal_kid,
    sealedAt: row.sealed_at,
    slot: { listNumber: row.status_list_number, index: row.status_list_index },
    ...digest,
  };
}

type ToVerifyRow = Omit<Row, 'jws' | 'qr_payload'> & { payload_part: string };

const TO_VERIFY_COLUMNS = `state, split_part(jws, '.', 2) AS payload_part, seal_kid, sealed_at, status_list_number,
  status_list_index, holder_digest, holder_digest_salt`;

function recordToVerifyOf(row: ToVerifyRow): RecordToVerify {
  return {
    state: Object.freeze(row.state),
    payloadPart: row.payload_part,
    sealKid: row.seal_kid,
    sealedAt: row.sealed_at,
    slot: { listNumber: row.status_list_number, index: row.status_list_index },
    ...digestOf(row),
  };
}

async function one(q: Queryable, where: string, param: string, lock = ''): Promise<CertificateRecord | undefined> {
  const { rows } = await q.query<Row>(`SELECT ${COLUMNS} FROM certificate.certificates WHERE ${where} ${lock}`, [
    param,
  ]);
  return rows[0] === undefined ? undefined : recordOf(rows[0]);
}

/** The columns a state change rewrites. */
function stateColumns(state: CertificateState): unknown[] {
  return [state.status, state.validTo ?? null, state.supersededById ?? null, JSON.stringify(state)];
}

/** The columns of `certificate.certificates` an insert writes, and their types (for `jsonb_to_recordset`). */
const INSERT_COLUMNS: readonly (readonly [string, string])[] = [
  ['id', 'text'],
  ['type_code', 'text'],
  ['number', 'text'],
  ['version', 'integer'],
  ['identifier', 'text'],
  ['issuer_code', 'text'],
  ['holder_subject', 'text'],
  ['holder_key', 'text'],
  ['previous_version_id', 'text'],
  ['status', 'text'],
  ['valid_to', 'date'],
  ['superseded_by_id', 'text'],
  ['state', 'jsonb'],
  ['jws', 'text'],
  ['qr_payload', 'text'],
  ['seal_kid', 'text'],
  ['sealed_at', 'timestamptz'],
  ['holder_digest', 'text'],
  ['holder_digest_salt', 'text'],
  ['status_list_number', 'integer'],
  ['status_list_index', 'integer'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];

/** One row of `certificate.certificates` as JSON, keyed by column (see {@link INSERT_COLUMNS}). */
function rowOf(record: CertificateRecord): Record<string, unknown> {
  const { state, slot } = record;
  const createdAt = new Date(state.createdAt).toISOString();
  return {
    id: state.id,
    type_code: state.typeCode,
    number: state.number,
    version: state.version,
    identifier: state.identifier,
    issuer_code: state.issuer.code,
    holder_subject: holderSubject(state.holder),
    holder_key: state.holder.key ?? null,
    previous_version_id: state.previousVersionId ?? null,
    status: state.status,
    valid_to: state.validTo ?? null,
    superseded_by_id: state.supersededById ?? null,
    state,
    jws: record.jws,
    qr_payload: record.qrPayload,
    seal_kid: record.sealKid,
    sealed_at: record.sealedAt.toISOString(),
    holder_digest: record.holderDigest?.digest ?? null,
    holder_digest_salt: record.holderDigest?.salt ?? null,
    status_list_number: slot.listNumber,
    status_list_index: slot.index,
    created_at: createdAt,
    updated_at: createdAt,
  };
}

/** The JSON array {@link INSERT_ISSUED} reads: each version's row, its position and its idempotency key. */
function issuedInput(issued: readonly IssuedRow[]): string {
  return JSON.stringify(
    issued.map(({ record, idempotency, requestHash, at }, n) => ({
      ...rowOf(record),
      n,
      caller_code: idempotency.caller,
      operation: idempotency.operation,
      key: idempotency.key,
      request_hash: requestHash,
      remembered_at: at.toISOString(),
    })),
  );
}

const ISSUED_COLUMNS = INSERT_COLUMNS.map(([name]) => name).join(', ');
const ISSUED_RECORD = [
  ...INSERT_COLUMNS.map(([name, type]) => `${name} ${type}`),
  'n integer',
  'caller_code text',
  'operation text',
  'key text',
  'request_hash text',
  'remembered_at timestamptz',
].join(', ');

/**
 * Issued versions and their idempotency keys in one statement. The keys go first (`ON CONFLICT DO NOTHING`: a key
 * held by a committed request, or by an earlier row of the same list, is skipped, and one held by a transaction in
 * flight is waited for); a version is written only when it has no key or its key was written, and is skipped when
 * it collides with a stored version. Rows are written in key order, then identifier order, so that two groups in
 * flight that collide wait for each other in the same order (no deadlock). A version skipped for a collision whose key was written leaves that key
 * naming nothing: the follow-up statement of {@link CertificateStore.insertIssued} removes it.
 */
const INSERT_ISSUED = `WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(${ISSUED_RECORD})
  ),
  keys AS (
    INSERT INTO certificate.idempotency_keys (caller_code, operation, key, request_hash, result_id, created_at)
    SELECT caller_code, operation, key, request_hash, id, remembered_at FROM input WHERE key <> ''
     ORDER BY caller_code, operation, key, n
    ON CONFLICT DO NOTHING
    RETURNING result_id
  ),
  written AS (
    INSERT INTO certificate.certificates (${ISSUED_COLUMNS})
    SELECT ${ISSUED_COLUMNS} FROM input
     WHERE key = '' OR id IN (SELECT result_id FROM keys)
     ORDER BY identifier
    ON CONFLICT DO NOTHING
    RETURNING id
  )
  SELECT (SELECT coalesce(array_agg(result_id), '{}') FROM keys) AS keyed,
         (SELECT coalesce(array_agg(id), '{}') FROM written) AS written`;

/** The CTEs of {@link INSERT_ISSUED}, without its final SELECT. */
const ISSUED_CTES = INSERT_ISSUED.slice(0, INSERT_ISSUED.lastIndexOf('SELECT (SELECT coalesce'));

/** What the all-or-nothing statement of {@link SqlCertificateStore.insertAllIssued} raises when one was not written. */
const NOT_ALL_WRITTEN = 'issue group: not every version written';

/**
 * Issued versions, their keys and another statement (their events' outbox insert), all in one autocommitted
 * statement, which fails (22P02, {@link NOT_ALL_WRITTEN}) unless every version was written: the CTEs of
 * {@link INSERT_ISSUED}, then the other statement as one more CTE (its `$n` shifted past this statement's two).
 * The cast of a text that is not a number raises the error at run time, only when the count differs.
 */
function insertAllIssuedSql(alongside: string): string {
  const shifted = alongside.replace(/\$(\d+)/g, (_, d: string) => `$${Number(d) + 2}`);
  return `${ISSUED_CTES.trimEnd()},
  alongside AS (${shifted})
  SELECT CASE WHEN (SELECT count(*) FROM written) = $2::integer THEN 0
              ELSE ('${NOT_ALL_WRITTEN}: ' || (SELECT count(*) FROM written) || ' of ' || $2::integer)::integer
         END AS refused`;
}

/**
 * Blocks of licence numbers and status-list sequences, in one statement (ADR 017): each counter row advanced once by
 * its count (rows in key order), answering the first value of each reserved range. It commits asynchronously: the
 * rows are unlocked without waiting for the WAL flush. A reservation lost in a crash hands its values out again after
 * the restart, but only values that no licence carries: a licence commits synchronously after its reservation, and
 * flushing its commit record flushes all the WAL before it, the reservation included.
 */
const RESERVE_COUNTERS = `WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(kind text, name text, count integer)
  ),
  numbers AS (
    INSERT INTO certificate.number_counters (scope, last)
    SELECT name, count FROM input WHERE kind = 'number' ORDER BY name
    ON CONFLICT (scope) DO UPDATE SET last = certificate.number_counters.last + EXCLUDED.last
    RETURNING scope, last
  ),
  slots AS (
    INSERT INTO certificate.status_list_counters (issuer_code, next)
    SELECT name, count FROM input WHERE kind = 'slot' ORDER BY name
    ON CONFLICT (issuer_code) DO UPDATE SET next = certificate.status_list_counters.next + EXCLUDED.next
    RETURNING issuer_code, next
  )
  SELECT i.kind, i.name,
         CASE WHEN i.kind = 'number' THEN nu.last - i.count + 1 ELSE s.next - i.count END AS first,
         set_config('synchronous_commit', 'off', true) AS commit_mode
    FROM input i
    LEFT JOIN numbers nu ON i.kind = 'number' AND nu.scope = i.name
    LEFT JOIN slots s ON i.kind = 'slot' AND s.issuer_code = i.name`;

/** The certificate store over SQL, with what the composition root's issue log needs beyond the port. */
export interface SqlCertificateStore extends CertificateStore {
  /**
   * Writes issued versions, their idempotency keys and `alongside` (their events' outbox insert) in one
   * autocommitted statement, all or nothing: true when every version was written and the statement committed;
   * false when one was not (a key taken, a collision) and nothing was written: then use
   * {@link CertificateStore.insertIssued} in a transaction, which tells each version's outcome.
   */
  insertAllIssued(q: Queryable, issued: readonly IssuedRow[], alongside: EmbeddedSql): Promise<boolean>;
}

/** A statement to embed, and its parameters. */
export interface EmbeddedSql {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** The certificate store over SQL. */
export const sqlCertificateStore: SqlCertificateStore = {
  async insert(tx: Transaction, record: CertificateRecord) {
    const { state, slot } = record;
    await tx.query(
      `INSERT INTO certificate.certificates (id, type_code, number, version, identifier, issuer_code, holder_subject,
         holder_key, previous_version_id, status, valid_to, superseded_by_id, state, jws, qr_payload, seal_kid,
         sealed_at, holder_digest, holder_digest_salt, status_list_number, status_list_index, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15, $16, $17, $18, $19, $20, $21,
         $22, $22)`,
      [
        state.id,
        state.typeCode,
        state.number,
        state.version,
        state.identifier,
        state.issuer.code,
        holderSubject(state.holder),
        state.holder.key ?? null,
        state.previousVersionId ?? null,
        ...stateColumns(state),
        record.jws,
        record.qrPayload,
        record.sealKid,
        record.sealedAt,
        record.holderDigest?.digest ?? null,
        record.holderDigest?.salt ?? null,
        slot.listNumber,
        slot.index,
        new Date(state.createdAt),
      ],
    );
  },

  async updateState(tx, state) {
    await tx.query(
      `UPDATE certificate.certificates
          SET status = $2, valid_to = $3, superseded_by_id = $4, state = $5::jsonb, updated_at = $6
        WHERE id = $1`,
      [state.id, ...stateColumns(state), new Date(state.statusChangedAt)],
    );
  },

  lock: (tx, id) => one(tx, 'id = $1', id, 'FOR UPDATE'),
  get: (q, id) => one(q, 'id = $1', id),
  getByIdentifier: (q, identifier) => one(q, 'identifier = $1', identifier),

  async getByIdentifiers(q, identifiers) {
    // of the JWS only its payload part (the header's chain and the QR text stay in the database)
    const { rows } = await q.query<ToVerifyRow>(
      `SELECT ${TO_VERIFY_COLUMNS} FROM certificate.certificates WHERE identifier = ANY($1::text[])`,
      [identifiers],
    );
    const records = rows.map(recordToVerifyOf);
    return new Map(records.map((record) => [record.state.identifier, record]));
  },

  async currentByNumber(q, number, typeCode) {
    const { rows } = await q.query<Row>(
      `SELECT ${COLUMNS} FROM certificate.certificates
        WHERE number = $1 AND ($2::text IS NULL OR type_code = $2) AND superseded_by_id IS NULL
        ORDER BY type_code LIMIT 10`,
      [number, typeCode ?? null],
    );
    return rows.map(recordOf);
  },

  async versions(q, typeCode, number) {
    const { rows } = await q.query<{ state: CertificateState }>(
      'SELECT state FROM certificate.certificates WHERE type_code = $1 AND number = $2 ORDER BY version',
      [typeCode, number],
    );
    return rows.map((r) => r.state);
  },

  async currentVersionsOf(q, ids) {
    if (ids.length === 0) return new Map();
    const { rows } = await q.query<{ origin: string; state: CertificateState }>(
      `WITH RECURSIVE chain (origin, id, superseded_by_id, state, depth) AS (
         SELECT id, id, superseded_by_id, state, 0 FROM certificate.certificates WHERE id = ANY($1::text[])
         UNION ALL
         SELECT c.origin, n.id, n.superseded_by_id, n.state, c.depth + 1
           FROM chain c JOIN certificate.certificates n ON n.id = c.superseded_by_id
          WHERE c.depth < 1000
       )
       SELECT origin, state FROM chain WHERE superseded_by_id IS NULL`,
      [[...ids]],
    );
    return new Map(rows.map((r) => [r.origin, r.state]));
  },

  async currentByHolders(q, subjects) {
    const out = new Map<string, CertificateState[]>();
    if (subjects.length === 0) return out;
    const { rows } = await q.query<{ holder_subject: string; state: CertificateState }>(
      `SELECT holder_subject, state FROM certificate.certificates
        WHERE holder_subject = ANY($1::text[]) AND superseded_by_id IS NULL
        ORDER BY type_code, created_at`,
      [[...new Set(subjects)]],
    );
    for (const row of rows) {
      const list = out.get(row.holder_subject) ?? [];
      list.push(row.state);
      out.set(row.holder_subject, list);
    }
    return out;
  },

  async sealingsOf(q, ids) {
    const out = new Map<string, { sealKid: string; sealedAt: Date }>();
    if (ids.length === 0) return out;
    const { rows } = await q.query<{ id: string; seal_kid: string; sealed_at: Date }>(
      'SELECT id, seal_kid, sealed_at FROM certificate.certificates WHERE id = ANY($1::text[])',
      [[...new Set(ids)]],
    );
    for (const row of rows) out.set(row.id, { sealKid: row.seal_kid, sealedAt: row.sealed_at });
    return out;
  },

  async dueForExpiry(q, today, limit) {
    const { rows } = await q.query<{ id: string }>(
      `SELECT id FROM certificate.certificates
        WHERE superseded_by_id IS NULL AND status IN ('01', '02') AND valid_to < $1::date
        ORDER BY valid_to, id LIMIT $2`,
      [today, limit],
    );
    return rows.map((r) => r.id);
  },

  async statusListMembers(q, issuerCode, listNumber) {
    const { rows } = await q.query<{ status_list_index: number; state: CertificateState }>(
      `SELECT status_list_index, state FROM certificate.certificates
        WHERE issuer_code = $1 AND status_list_number = $2`,
      [issuerCode, listNumber],
    );
    return rows.map((r) => ({ index: r.status_list_index, state: r.state }));
  },

  async reserveCounters(q, numbers, slots) {
    const input = [
      ...[...numbers].map(([name, count]) => ({ kind: 'number', name, count })),
      ...[...slots].map(([name, count]) => ({ kind: 'slot', name, count })),
    ];
    const found = { numbers: new Map<string, number>(), slots: new Map<string, number>() };
    if (input.length === 0) return found;
    const { rows } = await q.query<{ kind: string; name: string; first: string | number }>(RESERVE_COUNTERS, [
      JSON.stringify(input),
    ]);
    for (const row of rows) (row.kind === 'number' ? found.numbers : found.slots).set(row.name, Number(row.first));
    return found;
  },

  async insertAllIssued(q, issued, alongside) {
    try {
      await q.query(insertAllIssuedSql(alongside.sql), [issuedInput(issued), issued.length, ...alongside.params]);
      return true;
    } catch (err) {
      if (sqlStateOf(err) === '22P02' && err instanceof Error && err.message.includes(NOT_ALL_WRITTEN)) return false;
      throw err;
    }
  },

  async insertIssued(tx, issued: readonly IssuedRow[]) {
    if (issued.length === 0) return [];
    const { rows } = await tx.query<{ keyed: string[]; written: string[] }>(INSERT_ISSUED, [issuedInput(issued)]);
    const keyed = new Set(rows[0]!.keyed);
    const written = new Set(rows[0]!.written);
    // a key written for a version that collided names nothing: remove it (rare: ALREADY_EXISTS)
    const orphans = issued.filter(({ record }) => keyed.has(record.state.id) && !written.has(record.state.id));
    if (orphans.length > 0) {
      await tx.query(
        `DELETE FROM certificate.idempotency_keys
          WHERE (caller_code, operation, key) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
        [
          orphans.map((o) => o.idempotency.caller),
          orphans.map((o) => o.idempotency.operation),
          orphans.map((o) => o.idempotency.key),
        ],
      );
    }
    return issued.map(({ record, idempotency }): IssueOutcome => {
      if (written.has(record.state.id)) return 'inserted';
      return idempotency.key !== '' && !keyed.has(record.state.id) ? 'key-taken' : 'exists';
    });
  },

  async nextStatusSequence(q, issuerCode) {
    const { rows } = await q.query<{ sequence: string }>(
      `INSERT INTO certificate.status_list_counters (issuer_code, next) VALUES ($1, 1)
       ON CONFLICT (issuer_code) DO UPDATE SET next = certificate.status_list_counters.next + 1
       RETURNING next - 1 AS sequence`,
      [issuerCode],
    );
    return Number(rows[0]!.sequence);
  },
};
