import type { Migration } from '@onceonly/store';

/**
 * The certificate service's own tables in schema `certificate` (versions 1–99; the seals use 100–199 and the
 * outbox/inbox 9000–9099 of the same schema). Kept in code, not in a `migrations/` folder, so that the seals'
 * migrations and these never load each other.
 */
export const CERTIFICATE_SCHEMA = 'certificate';

export const CERTIFICATE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'certificates',
    sql: `
CREATE TABLE certificate.certificates (
  id text PRIMARY KEY,
  type_code text NOT NULL,
  number text NOT NULL,
  version integer NOT NULL CHECK (version BETWEEN 1 AND 999),
  identifier text NOT NULL UNIQUE,
  issuer_code text NOT NULL,
  holder_subject text NOT NULL,
  holder_key text,
  status text NOT NULL,
  valid_to date,
  previous_version_id text,
  superseded_by_id text,
  state jsonb NOT NULL,
  jws text NOT NULL,
  qr_payload text NOT NULL,
  seal_kid text NOT NULL,
  sealed_at timestamptz NOT NULL,
  holder_digest text,
  holder_digest_salt text,
  status_list_number integer NOT NULL CHECK (status_list_number >= 0),
  status_list_index integer NOT NULL CHECK (status_list_index >= 0),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (type_code, number, version),
  UNIQUE (issuer_code, status_list_number, status_list_index)
);
CREATE INDEX certificates_holder ON certificate.certificates (holder_subject, type_code);
CREATE INDEX certificates_holder_key ON certificate.certificates (holder_key) WHERE holder_key IS NOT NULL;
CREATE INDEX certificates_issuer ON certificate.certificates (issuer_code, status_list_number);
CREATE INDEX certificates_expiry ON certificate.certificates (valid_to)
  WHERE superseded_by_id IS NULL AND status IN ('01', '02');
CREATE TABLE certificate.number_counters (
  scope text PRIMARY KEY,
  last integer NOT NULL CHECK (last >= 1)
);
CREATE TABLE certificate.status_list_counters (
  issuer_code text PRIMARY KEY,
  next bigint NOT NULL CHECK (next >= 1)
);
CREATE TABLE certificate.idempotency_keys (
  caller_code text NOT NULL,
  operation text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  result_id text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (caller_code, operation, key)
);
`,
  },
  {
    version: 2,
    name: 'consents',
    sql: `
CREATE TABLE certificate.consents (
  id text PRIMARY KEY,
  holder_subject text NOT NULL,
  platform_code text NOT NULL,
  purpose text NOT NULL,
  type_codes text[] NOT NULL,
  granted_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  recorded_by text NOT NULL,
  state jsonb NOT NULL
);
CREATE INDEX consents_holder ON certificate.consents (holder_subject, platform_code);
CREATE INDEX consents_platform ON certificate.consents (platform_code, granted_at, id);
`,
  },
];
