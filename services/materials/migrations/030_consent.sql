-- Explicit request and preview (EU OOTS), reuse log, notifications (DE4A subscription): issue 14, ADR 030.
-- No citizen ID anywhere: the applicant is its key (credit code or keyed hash) and a display (code or mask).

-- A department's explicit request for the evidence of one of its resolutions. `state` holds the header
-- (applicant display, item, legal basis); the pieces are rows of their own.
CREATE TABLE materials.evidence_requests (
  id text PRIMARY KEY,
  application_id text NOT NULL,
  resolution_id text NOT NULL REFERENCES materials.resolutions (id),
  applicant_key text NOT NULL,
  department_code text NOT NULL,
  requested_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  state jsonb NOT NULL
);
CREATE INDEX evidence_requests_applicant ON materials.evidence_requests (applicant_key, requested_at DESC);
CREATE INDEX evidence_requests_application ON materials.evidence_requests (application_id, department_code);

-- One piece per EXEMPT material of the resolution: pending until the applicant accepts or rejects it, or it expires.
CREATE TABLE materials.evidence_pieces (
  id text PRIMARY KEY,
  request_id text NOT NULL REFERENCES materials.evidence_requests (id),
  position integer NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected', 'expired')),
  material_id text,
  certificate_id text,
  state jsonb NOT NULL,
  UNIQUE (request_id, position)
);
CREATE INDEX evidence_pieces_pending ON materials.evidence_pieces (request_id) WHERE status = 'pending';
CREATE INDEX evidence_pieces_material ON materials.evidence_pieces (material_id) WHERE material_id IS NOT NULL;

-- The certificates whose changes a piece's department is told about; a new version (changed, renewed, reissued,
-- corrected) adds its id for the same piece, so the chain is followed.
CREATE TABLE materials.certificate_watches (
  certificate_id text NOT NULL,
  piece_id text NOT NULL REFERENCES materials.evidence_pieces (id),
  PRIMARY KEY (certificate_id, piece_id)
);

-- Every delivery of an accepted piece to its department: the applicant's view reads it.
CREATE TABLE materials.evidence_reuses (
  id text PRIMARY KEY,
  piece_id text NOT NULL REFERENCES materials.evidence_pieces (id),
  applicant_key text NOT NULL,
  department_code text NOT NULL,
  reused_at timestamptz NOT NULL,
  state jsonb NOT NULL
);
CREATE INDEX evidence_reuses_applicant ON materials.evidence_reuses (applicant_key, reused_at DESC);

-- A department told that a certificate its application reused changed.
CREATE TABLE materials.notifications (
  id text PRIMARY KEY,
  department_code text NOT NULL,
  application_id text NOT NULL,
  created_at timestamptz NOT NULL,
  state jsonb NOT NULL
);
CREATE INDEX notifications_department ON materials.notifications (department_code, created_at DESC);
