-- The subject map of ADR 006: every signed checkpoint commits to a sparse Merkle tree from each subject to a hash
-- chain of that subject's leaves, so that an export can prove it holds every entry about a subject. Subjects appear
-- here only as their map key K = SHA-256(0x10 || UTF-8 subject), never in clear.

-- Each subject's chain as of the tree head (count, chain head, last leaf index). The append that adds a leaf about
-- the subject updates its row in the same transaction, under the tree-head lock, so the rows always match the head.
CREATE TABLE audit.subject_chains (
  subject_key bytea PRIMARY KEY CHECK (length(subject_key) = 32),
  count bigint NOT NULL CHECK (count >= 1),
  head bytea NOT NULL CHECK (length(head) = 32),
  last_index bigint NOT NULL CHECK (last_index >= 0)
);
-- A checkpoint takes the chains that changed since the previous one: last_index >= the previous map's size.
CREATE INDEX subject_chains_last_index ON audit.subject_chains (last_index);

-- The map's non-empty nodes, append-only and versioned by the checkpoint size that wrote them: the node (depth,
-- prefix) of the map at size N is the row with the greatest size <= N. `prefix` is the key's first `depth` bits,
-- the rest zero (32 bytes). Empty subtrees are never stored. Rows are never updated, so a proof for any past
-- checkpoint can still be read.
CREATE TABLE audit.subject_map_nodes (
  depth smallint NOT NULL CHECK (depth BETWEEN 0 AND 256),
  prefix bytea NOT NULL CHECK (length(prefix) = 32),
  size bigint NOT NULL CHECK (size >= 0),
  hash bytea NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (depth, prefix, size)
);

-- The map's values, versioned the same way: the chain a subject had at checkpoint size N (the value itself is
-- SHA-256(0x15 || count || head || last index), recomputed when read).
CREATE TABLE audit.subject_map_values (
  subject_key bytea NOT NULL CHECK (length(subject_key) = 32),
  size bigint NOT NULL CHECK (size >= 0),
  count bigint NOT NULL CHECK (count >= 1),
  head bytea NOT NULL CHECK (length(head) = 32),
  last_index bigint NOT NULL CHECK (last_index >= 0 AND last_index < size),
  PRIMARY KEY (subject_key, size)
);

-- The map's root at each checkpoint size (the `onceonly-subject-map` line of that checkpoint).
CREATE TABLE audit.subject_map_roots (
  size bigint PRIMARY KEY CHECK (size >= 0),
  root bytea NOT NULL CHECK (length(root) = 32),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Leaves appended before this migration have no chain yet: the service rebuilds every chain from the leaves once,
-- under the tree-head lock, before it appends again (see backfillSubjectChains), and clears this flag.
CREATE TABLE audit.subject_chain_backfill (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  pending boolean NOT NULL
);
INSERT INTO audit.subject_chain_backfill (id, pending) VALUES (true, EXISTS (SELECT 1 FROM audit.leaves));
