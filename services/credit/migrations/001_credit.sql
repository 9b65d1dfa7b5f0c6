-- Credit (issue 13): records keyed by subject (a credit code, or the keyed hash of a person's citizen ID), the
-- subjects' grades with their history, and the idempotency keys of the Record* RPCs.

-- One row per record: the domain state as JSON (no citizen ID: a person only as keyed hash and masked ID) and the
-- columns lists filter by. `version` is the optimistic-concurrency token of commands on the record.
CREATE TABLE credit.records (
  id text PRIMARY KEY,
  subject_key text NOT NULL,
  kind text NOT NULL,
  owner text NOT NULL,
  decision_number text NOT NULL,
  decision_date date NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'repair-pending', 'repaired')),
  version integer NOT NULL CHECK (version >= 1),
  published boolean NOT NULL,
  public_from date,
  public_until date,
  state jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- one decision of one department is recorded once
  UNIQUE (owner, kind, decision_number)
);
CREATE INDEX records_subject ON credit.records (subject_key, decision_date, id);
-- the public feed (not yet served): published records by their window
CREATE INDEX records_public ON credit.records (public_from, public_until) WHERE published AND status <> 'repaired';

-- One row per subject with a record: its grade, and `version`, the subject's optimistic-concurrency token: every
-- change of the subject is one transaction whose grade update is conditional on the version read, so two records
-- arriving at once for one subject cannot leave a grade that counts only one of them.
CREATE TABLE credit.grades (
  subject_key text PRIMARY KEY,
  grade text NOT NULL CHECK (grade IN ('A', 'B', 'C', 'D')),
  version integer NOT NULL CHECK (version >= 1),
  review_on date,
  state jsonb NOT NULL,
  updated_at timestamptz NOT NULL
);
-- the sweep that recomputes grades as records leave their windows (not yet)
CREATE INDEX grades_review ON credit.grades (review_on) WHERE review_on IS NOT NULL;

-- Every change of a subject's grade (letter, rules or rule set), with the record that caused it.
CREATE TABLE credit.grade_history (
  subject_key text NOT NULL,
  version integer NOT NULL,
  grade text NOT NULL,
  previous text,
  cause_record_id text,
  state jsonb NOT NULL,
  changed_at timestamptz NOT NULL,
  PRIMARY KEY (subject_key, version)
);

-- Idempotency keys of the Record* RPCs, per caller: the same key and the same request answer the first record;
-- the same key with another request is refused (IDEMPOTENCY_CONFLICT).
CREATE TABLE credit.idempotency_keys (
  caller text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  record_id text NOT NULL REFERENCES credit.records (id),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (caller, key)
);
