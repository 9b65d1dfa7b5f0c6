-- Administrative assistance (issue 12): the catalogue's item versions and the requests between departments.

-- Every version of every item; a request names the version it was made under, so versions are never changed.
CREATE TABLE assistance.items (
  code text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  item jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (code, version)
);

-- One row per request: the domain state as JSON (no citizen ID: a person only as keyed hash and masked ID) and the
-- columns that lists filter and page by. `version` is the optimistic-concurrency token: a change is one conditional
-- UPDATE … WHERE version = <the version read>, so no row lock is held across round trips.
CREATE TABLE assistance.requests (
  id text PRIMARY KEY,
  item_code text NOT NULL,
  item_version integer NOT NULL,
  requester text NOT NULL,
  provider text NOT NULL,
  status text NOT NULL,
  version integer NOT NULL,
  due_date date NOT NULL,
  clock_runs boolean NOT NULL,
  subject_key text,
  state jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  FOREIGN KEY (item_code, item_version) REFERENCES assistance.items (code, version)
);
CREATE INDEX requests_inbox ON assistance.requests (provider, created_at DESC, id DESC);
CREATE INDEX requests_outbox ON assistance.requests (requester, created_at DESC, id DESC);
CREATE INDEX requests_open_due ON assistance.requests (due_date) WHERE clock_runs;

-- Idempotency keys of SubmitRequest, per requester: the same key and the same request answer the first request;
-- the same key with another request is refused (IDEMPOTENCY_CONFLICT).
CREATE TABLE assistance.idempotency_keys (
  requester text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  request_id text NOT NULL REFERENCES assistance.requests (id),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (requester, key)
);
