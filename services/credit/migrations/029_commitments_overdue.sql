-- Overdue post-checks (issue 13; ADR 029): the day the sweep found a commitment's post-check due date passed without
-- a check and published `credit.commitment.overdue` (once per commitment: the sweep sets it conditionally).
ALTER TABLE credit.commitments ADD COLUMN overdue_on date;
CREATE INDEX commitments_overdue ON credit.commitments (post_check_due, id) WHERE status = 'open' AND overdue_on IS NULL;
