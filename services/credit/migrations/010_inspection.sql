-- 双随机、一公开 (ADR 019, ADR 025): inspection tasks as committed, the audit log's signed checkpoints the service
-- verified, and the draws. Numbered 10 to leave 2–9 to the records' own migrations.

-- One row per committed task: the normalised document's RFC 8785 text exactly as hashed, its digest, and the id of
-- the `inspection.task.committed` event (the audit log's entry the draw proves).
CREATE TABLE credit.inspection_tasks (
  task_id text PRIMARY KEY,
  organiser text NOT NULL,
  document text NOT NULL,
  digest bytea NOT NULL CHECK (length(digest) = 32),
  commitment_event_id text NOT NULL UNIQUE,
  committed_at timestamptz NOT NULL
);

-- The audit log's checkpoints that verified with its key (foreign or badly signed ones are never stored).
CREATE TABLE credit.audit_checkpoints (
  origin text NOT NULL,
  size bigint NOT NULL CHECK (size >= 0),
  root bytea NOT NULL CHECK (length(root) = 32),
  note text NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (origin, size)
);

-- One draw per task, as published (the PublishedDraw message's fields).
CREATE TABLE credit.inspection_draws (
  task_id text PRIMARY KEY REFERENCES credit.inspection_tasks (task_id),
  published jsonb NOT NULL,
  drawn_at timestamptz NOT NULL
);

-- One result per drawn entity of a task, by an inspector the draw assigned to it (一公开: each is published).
CREATE TABLE credit.inspection_results (
  task_id text NOT NULL REFERENCES credit.inspection_draws (task_id),
  credit_code text NOT NULL,
  inspector_id text NOT NULL,
  result jsonb NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (task_id, credit_code)
);
