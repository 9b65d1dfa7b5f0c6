-- The deadline alerts the daily sweep published, so that each is published once however often the sweep runs.
CREATE TABLE assistance.alerts (
  request_id text NOT NULL REFERENCES assistance.requests (id),
  kind text NOT NULL CHECK (kind IN ('reminder', 'overdue', 'escalation', 'regularisation-overdue')),
  date date NOT NULL,
  sent_at timestamptz NOT NULL,
  PRIMARY KEY (request_id, kind, date)
);
-- What the sweep looks at: open requests whose clock runs, urgent requests awaiting their written form, and finished
-- requests that still hold a person's data.
CREATE INDEX requests_sweep ON assistance.requests (id)
  WHERE clock_runs OR (state ? 'regulariseBy') OR (subject_key IS NOT NULL AND status IN ('closed', 'withdrawn'));
