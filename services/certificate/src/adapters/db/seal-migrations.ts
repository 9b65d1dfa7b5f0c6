import type { Migration } from '@onceonly/store';

/**
 * The seal tables of schema `certificate`: versions 100–199 belong to seals and trust (the certificate core uses
 * 1–99, the events package 9000–9099). Never edit one once applied: add the next version.
 *
 * - `trust_roots`: every root CA the hub has used, so that seals from an earlier root stay verifiable;
 * - `seal_registry`: one row per seal (certificate, encrypted key, state); at most one active seal per department
 *   and kind; `rotated_to` points at the successor (deferred, because the old row is updated first);
 * - `department_seed`: the marker of the embedded-mode demo seed.
 */
export const SEAL_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 101,
    name: 'seal_registry',
    sql: `
CREATE TABLE certificate.trust_roots (
  fingerprint_sha256 text PRIMARY KEY,
  certificate_pem text NOT NULL,
  recorded_at timestamptz NOT NULL
);
CREATE TABLE certificate.seal_registry (
  id text PRIMARY KEY,
  seal_code text NOT NULL UNIQUE,
  department_code text NOT NULL,
  department_name text NOT NULL,
  division text NOT NULL,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('official', 'licensing', 'industry-licence', 'other')),
  status text NOT NULL CHECK (status IN ('active', 'rotated', 'revoked', 'expired')),
  algorithm text NOT NULL CHECK (algorithm = 'ES256'),
  kid text NOT NULL UNIQUE,
  serial_number text NOT NULL,
  fingerprint_sha256 text NOT NULL UNIQUE,
  certificate_pem text NOT NULL,
  private_key_pem text NOT NULL CHECK (private_key_pem LIKE '-----BEGIN ENCRYPTED PRIVATE KEY-----%'),
  issuer_fingerprint text NOT NULL REFERENCES certificate.trust_roots (fingerprint_sha256),
  valid_from timestamptz NOT NULL,
  valid_to timestamptz NOT NULL,
  picture_ref text,
  created_at timestamptz NOT NULL,
  rotated_at timestamptz,
  rotated_to text REFERENCES certificate.seal_registry (kid) DEFERRABLE INITIALLY DEFERRED,
  revoked_at timestamptz,
  compromised_at timestamptz,
  revocation_reason text,
  CHECK (valid_to > valid_from),
  CHECK (status <> 'rotated' OR (rotated_at IS NOT NULL AND rotated_to IS NOT NULL)),
  CHECK ((status = 'revoked') = (revoked_at IS NOT NULL)),
  CHECK (revoked_at IS NULL OR (compromised_at IS NOT NULL AND revocation_reason IS NOT NULL))
);
CREATE UNIQUE INDEX seal_registry_one_active ON certificate.seal_registry (department_code, kind)
  WHERE status = 'active';
CREATE INDEX seal_registry_by_department ON certificate.seal_registry (department_code, kind, created_at DESC);
CREATE INDEX seal_registry_by_creation ON certificate.seal_registry (created_at, id);
`,
  },
  {
    version: 102,
    name: 'department_seed',
    sql: `
CREATE TABLE certificate.department_seed (
  name text PRIMARY KEY,
  seeded_at timestamptz NOT NULL,
  departments jsonb NOT NULL
);
`,
  },
]);
