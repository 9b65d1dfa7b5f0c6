-- Materials (issue 14): the versioned catalogue of items, the electronic material library (content by digest,
-- encrypted; records per owner), the resolutions and the reuses they made. No citizen ID anywhere: a person is a
-- keyed hash (owner_key, applicant_key) and a masked ID in the JSON state.

-- One row per item version: the definition as JSON. A stored version never changes; a new one is a new row.
CREATE TABLE materials.items (
  code text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  definition jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (code, version)
);

-- The content, once per SHA-256 of the plaintext (content-addressed): AES-256-GCM ciphertext with its 12-byte nonce
-- and tag; the digest is the additional authenticated data, so a row moved under another digest does not decrypt.
-- `key_id` names the key that encrypted it (for rotation).
CREATE TABLE materials.contents (
  sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  key_id text NOT NULL,
  nonce bytea NOT NULL,
  tag bytea NOT NULL,
  ciphertext bytea NOT NULL,
  size_bytes integer NOT NULL,
  created_at timestamptz NOT NULL
);

-- One row per material of an owner: the metadata as JSON and the columns lookups use. The same bytes of the same
-- type for the same owner are one material.
CREATE TABLE materials.materials (
  id text PRIMARY KEY,
  owner_key text NOT NULL,
  material_type text NOT NULL,
  sha256 text NOT NULL REFERENCES materials.contents (sha256),
  uploaded_by text NOT NULL,
  uploaded_at timestamptz NOT NULL,
  state jsonb NOT NULL,
  UNIQUE (owner_key, material_type, sha256)
);
CREATE INDEX materials_owner ON materials.materials (owner_key, uploaded_at DESC);

-- One row per resolution (an application may be resolved again: each is kept).
CREATE TABLE materials.resolutions (
  id text PRIMARY KEY,
  application_id text NOT NULL,
  applicant_key text NOT NULL,
  item_code text NOT NULL,
  item_version integer NOT NULL,
  resolved_by text NOT NULL,
  resolved_at timestamptz NOT NULL,
  exempt_count integer NOT NULL,
  required_count integer NOT NULL,
  state jsonb NOT NULL
);
CREATE INDEX resolutions_application ON materials.resolutions (application_id, resolved_at);
CREATE INDEX resolutions_applicant ON materials.resolutions (applicant_key, resolved_at);

-- A stored material reused by an application of a department: what lets that department be served it.
CREATE TABLE materials.reuses (
  material_id text NOT NULL REFERENCES materials.materials (id),
  application_id text NOT NULL,
  department_code text NOT NULL,
  resolution_id text NOT NULL REFERENCES materials.resolutions (id),
  reused_at timestamptz NOT NULL,
  PRIMARY KEY (material_id, application_id, department_code)
);
CREATE INDEX reuses_department ON materials.reuses (department_code, material_id);
