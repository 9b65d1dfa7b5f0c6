-- Who may read an entry (services/audit README, "Who may read what"): the parties an event names in its CloudEvents
-- extension attributes, copied beside the leaf like topic and offset (not part of the leaf, so the tree and every
-- replay stay the same). Null on events that carry none, and on leaves appended before this migration.
--   actor         the code of who acted (the department, the checking platform, the verifier, the reader)
--   issuer        the department whose certificate or seal the event is about
--   secret_until  a law keeps the entry from its holder until then (the portal shows it afterwards)
ALTER TABLE audit.leaves ADD COLUMN actor text;
ALTER TABLE audit.leaves ADD COLUMN issuer text;
ALTER TABLE audit.leaves ADD COLUMN secret_until timestamptz;
CREATE INDEX leaves_actor ON audit.leaves (actor, leaf_index) WHERE actor IS NOT NULL;
CREATE INDEX leaves_issuer ON audit.leaves (issuer, leaf_index) WHERE issuer IS NOT NULL;
