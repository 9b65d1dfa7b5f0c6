-- Log key rotation (services/audit README, "Rotating the log key"): the size of the first checkpoint each key signs.
-- A new key signs from the checkpoint that announces it (signed by the previous key and the new one, with the line
-- `onceonly-key-rotation <vkey>`). Null for the log's first key and for keys recorded before this migration.
ALTER TABLE audit.log_keys ADD COLUMN from_size bigint CHECK (from_size >= 0);
