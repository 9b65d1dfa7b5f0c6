import type { Queryable } from '@onceonly/store';
import type { SealChange, SealQuery, SealStore, SealWithIssuer, TrustRoot } from '../../app/seals/ports.js';
import type { SealKind, SealRecord, SealState } from '../../domain/seals/seal.js';

/** The seal store on PostgreSQL / PGlite (tables from `seal-migrations.ts`, schema `certificate`). */

interface SealRow {
  id: string;
  seal_code: string;
  department_code: string;
  department_name: string;
  division: string;
  name: string;
  kind: SealKind;
  status: SealState;
  algorithm: 'ES256';
  kid: string;
  serial_number: string;
  fingerprint_sha256: string;
  certificate_pem: string;
  private_key_pem: string;
  issuer_fingerprint: string;
  valid_from: Date;
  valid_to: Date;
  picture_ref: string | null;
  created_at: Date;
  rotated_at: Date | null;
  rotated_to: string | null;
  revoked_at: Date | null;
  compromised_at: Date | null;
  revocation_reason: string | null;
}

const COLUMNS = `id, seal_code, department_code, department_name, division, name, kind, status, algorithm, kid,
  serial_number, fingerprint_sha256, certificate_pem, private_key_pem, issuer_fingerprint, valid_from, valid_to,
  picture_ref, created_at, rotated_at, rotated_to, revoked_at, compromised_at, revocation_reason`;

const S_COLUMNS = COLUMNS.split(',')
  .map((c) => `s.${c.trim()}`)
  .join(', ');

function toRecord(row: SealRow): SealRecord {
  return {
    id: row.id,
    sealCode: row.seal_code,
    departmentCode: row.department_code,
    departmentName: row.department_name,
    division: row.division,
    name: row.name,
    kind: row.kind,
    status: row.status,
    algorithm: row.algorithm,
    kid: row.kid,
    serialNumber: row.serial_number,
    fingerprintSha256: row.fingerprint_sha256,
    certificatePem: row.certificate_pem,
    encryptedKeyPem: row.private_key_pem,
    issuerFingerprint: row.issuer_fingerprint,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    pictureRef: row.picture_ref ?? undefined,
    createdAt: row.created_at,
    rotatedAt: row.rotated_at ?? undefined,
    rotatedTo: row.rotated_to ?? undefined,
    revokedAt: row.revoked_at ?? undefined,
    compromisedAt: row.compromised_at ?? undefined,
    revocationReason: row.revocation_reason ?? undefined,
  };
}

async function insertSeal(q: Queryable, s: SealRecord): Promise<void> {
  await q.query(
    `INSERT INTO certificate.seal_registry (${COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
             $23, $24)`,
    [
      s.id,
      s.sealCode,
      s.departmentCode,
      s.departmentName,
      s.division,
      s.name,
      s.kind,
      s.status,
      s.algorithm,
      s.kid,
      s.serialNumber,
      s.fingerprintSha256,
      s.certificatePem,
      s.encryptedKeyPem,
      s.issuerFingerprint,
      s.validFrom,
      s.validTo,
      s.pictureRef ?? null,
      s.createdAt,
      s.rotatedAt ?? null,
      s.rotatedTo ?? null,
      s.revokedAt ?? null,
      s.compromisedAt ?? null,
      s.revocationReason ?? null,
    ],
  );
}

async function findByKid(q: Queryable, kid: string, options: { forUpdate?: boolean } = {}) {
  const lock = options.forUpdate ? ' FOR UPDATE' : '';
  const { rows } = await q.query<SealRow>(`SELECT ${COLUMNS} FROM certificate.seal_registry WHERE kid = $1${lock}`, [
    kid,
  ]);
  return rows[0] && toRecord(rows[0]);
}

type IssuerRow = SealRow & { issuer_pem: string };

function withIssuerOf(row: IssuerRow | undefined): SealWithIssuer | undefined {
  return row && { seal: toRecord(row), issuerPem: row.issuer_pem };
}

async function currentSeal(q: Queryable, departmentCode: string, kind: SealKind) {
  // the active seal if there is one, else the latest: its state says why there is nothing to sign with
  const { rows } = await q.query<IssuerRow>(
    `SELECT ${S_COLUMNS}, r.certificate_pem AS issuer_pem
       FROM certificate.seal_registry s JOIN certificate.trust_roots r ON r.fingerprint_sha256 = s.issuer_fingerprint
      WHERE s.department_code = $1 AND s.kind = $2
      ORDER BY (s.status = 'active') DESC, s.created_at DESC, s.id DESC
      LIMIT 1`,
    [departmentCode, kind],
  );
  return withIssuerOf(rows[0]);
}

async function activeForUpdate(q: Queryable, departmentCode: string, kind: SealKind) {
  const { rows } = await q.query<SealRow>(
    `SELECT ${COLUMNS} FROM certificate.seal_registry
      WHERE department_code = $1 AND kind = $2 AND status = 'active' FOR UPDATE`,
    [departmentCode, kind],
  );
  return rows[0] && toRecord(rows[0]);
}

async function withIssuer(q: Queryable, kid: string) {
  const { rows } = await q.query<IssuerRow>(
    `SELECT ${S_COLUMNS}, r.certificate_pem AS issuer_pem
       FROM certificate.seal_registry s JOIN certificate.trust_roots r ON r.fingerprint_sha256 = s.issuer_fingerprint
      WHERE s.kid = $1`,
    [kid],
  );
  return withIssuerOf(rows[0]);
}

async function changeSeal(q: Queryable, kid: string, change: SealChange): Promise<void> {
  switch (change.kind) {
    case 'rotated':
      await q.query(
        `UPDATE certificate.seal_registry SET status = 'rotated', rotated_at = $2, rotated_to = $3 WHERE kid = $1`,
        [kid, change.at, change.rotatedTo],
      );
      return;
    case 'revoked':
      await q.query(
        `UPDATE certificate.seal_registry
            SET status = 'revoked', revoked_at = $2, compromised_at = $3, revocation_reason = $4
          WHERE kid = $1`,
        [kid, change.at, change.compromisedAt, change.reason],
      );
      return;
    case 'expired':
      await q.query(`UPDATE certificate.seal_registry SET status = 'expired' WHERE kid = $1`, [kid]);
      return;
  }
}

async function listSeals(q: Queryable, query: SealQuery): Promise<SealRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.departmentCode !== undefined) where.push(`department_code = ${param(query.departmentCode)}`);
  if (!query.includeInactive) where.push(`status = 'active' AND valid_to >= ${param(query.now)}`);
  if (query.after) {
    where.push(`(created_at, id) > (${param(query.after.createdAt)}, ${param(query.after.id)})`);
  }
  const { rows } = await q.query<SealRow>(
    `SELECT ${COLUMNS} FROM certificate.seal_registry
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at, id LIMIT ${param(query.limit)}`,
    params,
  );
  return rows.map(toRecord);
}

async function allSeals(q: Queryable): Promise<SealRecord[]> {
  const { rows } = await q.query<SealRow>(`SELECT ${COLUMNS} FROM certificate.seal_registry ORDER BY created_at, id`);
  return rows.map(toRecord);
}

async function compromiseTime(q: Queryable, kid: string): Promise<Date | undefined> {
  const { rows } = await q.query<{ compromised_at: Date }>(
    `SELECT compromised_at FROM certificate.seal_registry WHERE kid = $1 AND status = 'revoked'`,
    [kid],
  );
  return rows[0]?.compromised_at;
}

async function bundleVersion(q: Queryable): Promise<string> {
  // Rows are never deleted and a seal's state only moves forward (active → expired / rotated → revoked), so the
  // counts plus the sum of the states' ranks grow with every change, even two in the same clock tick; the latest
  // change time is kept beside them. Any change between two reads gives another version.
  const { rows } = await q.query<{ version: string }>(
    `SELECT (SELECT count(*) FROM certificate.trust_roots)::text || ':' || count(*)::text || ':' ||
            coalesce(sum(CASE status WHEN 'expired' THEN 1 WHEN 'rotated' THEN 1 WHEN 'revoked' THEN 2 ELSE 0 END),
                     0)::text || ':' || coalesce(max(greatest(created_at, rotated_at, revoked_at))::text, '') ||
            ':' || count(*) FILTER (WHERE status = 'expired')::text AS version
       FROM certificate.seal_registry`,
  );
  return rows[0]?.version ?? '';
}

async function recordRoot(q: Queryable, root: TrustRoot, at: Date): Promise<void> {
  await q.query(
    `INSERT INTO certificate.trust_roots (fingerprint_sha256, certificate_pem, recorded_at) VALUES ($1, $2, $3)
     ON CONFLICT (fingerprint_sha256) DO NOTHING`,
    [root.fingerprintSha256, root.certificatePem, at],
  );
}

async function roots(q: Queryable): Promise<TrustRoot[]> {
  const { rows } = await q.query<{ fingerprint_sha256: string; certificate_pem: string }>(
    `SELECT fingerprint_sha256, certificate_pem FROM certificate.trust_roots ORDER BY recorded_at, fingerprint_sha256`,
  );
  return rows.map((r) => ({ fingerprintSha256: r.fingerprint_sha256, certificatePem: r.certificate_pem }));
}

async function anySeal(q: Queryable): Promise<SealRecord | undefined> {
  const { rows } = await q.query<SealRow>(
    `SELECT ${COLUMNS} FROM certificate.seal_registry ORDER BY created_at DESC, id DESC LIMIT 1`,
  );
  return rows[0] && toRecord(rows[0]);
}

async function hasSeed(q: Queryable, name: string): Promise<boolean> {
  const { rowCount } = await q.query('SELECT 1 FROM certificate.department_seed WHERE name = $1', [name]);
  return rowCount > 0;
}

async function claimSeed(q: Queryable, name: string, at: Date, departments: readonly string[]): Promise<boolean> {
  // a second process seeding at the same time waits on the key here, then finds it taken
  const { rowCount } = await q.query(
    `INSERT INTO certificate.department_seed (name, seeded_at, departments) VALUES ($1, $2, $3::jsonb)
     ON CONFLICT (name) DO NOTHING`,
    [name, at, JSON.stringify(departments)],
  );
  return rowCount > 0;
}

/** The seal store over a database (the Queryable of each call decides: the database or a transaction). */
export function sqlSealStore(): SealStore {
  return {
    insertSeal,
    findByKid,
    currentSeal,
    activeForUpdate,
    withIssuer,
    changeSeal,
    listSeals,
    allSeals,
    compromiseTime,
    bundleVersion,
    recordRoot,
    roots,
    anySeal,
    hasSeed,
    claimSeed,
  };
}
