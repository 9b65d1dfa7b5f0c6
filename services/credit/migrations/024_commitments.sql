-- Commitments (告知承诺, issue 13 item 4; ADR 024): one row per licence granted on commitment, tracked from the
-- certificate service's `certificate.issued`, then checked once by the issuing department (kept or broken). The state
-- is the domain's JSON (a person only as keyed hash and masked ID); `version` is the optimistic-concurrency token of
-- the post-check; `tracked_event_id` the event that started the chain (the cause of the post-check's events).
CREATE TABLE credit.commitments (
  id text PRIMARY KEY,
  certificate_id text NOT NULL UNIQUE,
  subject_key text NOT NULL,
  owner text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'kept', 'broken')),
  version integer NOT NULL CHECK (version >= 1),
  post_check_due date NOT NULL,
  tracked_event_id text NOT NULL,
  state jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX commitments_subject ON credit.commitments (subject_key, post_check_due, id);
