-- Causation (issue 13 item 4, ADR 024): the id of the event that caused this one, from its CloudEvents extension
-- attribute `causationid`, copied beside the leaf like `actor` (not part of the leaf, so the tree and every replay
-- stay the same). Null on events without a cause and on leaves appended before this migration. Indexed to walk a
-- chain forwards (the events an event caused).
ALTER TABLE audit.leaves ADD COLUMN causation_id text;
CREATE INDEX leaves_causation ON audit.leaves (causation_id) WHERE causation_id IS NOT NULL;
