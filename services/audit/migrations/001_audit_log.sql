-- The audit log: an append-only RFC 6962 Merkle tree of every event, with its signed checkpoints.
-- Designed for tens of millions of leaves: a proof reads O(log n) rows of `nodes`, an append writes the leaf, the
-- interior nodes it completes, and one `tree_head` row whose lock puts all appends in one global order.

-- The tree's right edge: its size, its compact range (the hashes of the complete subtrees it decomposes into,
-- largest first, concatenated 32-byte hashes) and its root. One row; appends lock it.
CREATE TABLE audit.tree_head (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  size bigint NOT NULL CHECK (size >= 0),
  range_hashes bytea NOT NULL,
  root bytea NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO audit.tree_head (id, size, range_hashes, root)
VALUES (true, 0, '\x'::bytea, '\xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'::bytea);

-- One row per leaf. `canonical` is the leaf (see README); the other columns are copies for searching, and where the
-- event was read (topic, partition, offset: not part of the leaf). `data` is the body, kept for exports.
CREATE TABLE audit.leaves (
  leaf_index bigint PRIMARY KEY,
  event_id text NOT NULL UNIQUE,
  topic text NOT NULL,
  partition integer NOT NULL,
  "offset" bigint NOT NULL,
  source text NOT NULL,
  type text NOT NULL,
  subject text NOT NULL,
  "time" timestamptz NOT NULL,
  sequence bigint NOT NULL,
  body_sha256 bytea NOT NULL,
  leaf_hash bytea NOT NULL,
  canonical bytea NOT NULL,
  data bytea NOT NULL,
  appended_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leaves_subject ON audit.leaves (subject, leaf_index);
CREATE INDEX leaves_type ON audit.leaves (type, leaf_index);
CREATE INDEX leaves_source ON audit.leaves (source, leaf_index);
CREATE INDEX leaves_time ON audit.leaves ("time", leaf_index);
CREATE INDEX leaves_source_sequence ON audit.leaves (source, sequence);

-- The hashes of complete aligned subtrees above the leaves: (level, index) covers leaves
-- [index * 2^level, (index + 1) * 2^level). Level 0 is leaves.leaf_hash. Written once, when the append that
-- completes the subtree commits; never updated.
CREATE TABLE audit.nodes (
  level smallint NOT NULL CHECK (level > 0 AND level < 64),
  "index" bigint NOT NULL CHECK ("index" >= 0),
  hash bytea NOT NULL,
  PRIMARY KEY (level, "index")
);

-- Signed checkpoints: the C2SP signed note with the log's signature (cosignatures live in their own table).
CREATE TABLE audit.checkpoints (
  size bigint PRIMARY KEY CHECK (size >= 0),
  root bytea NOT NULL,
  note text NOT NULL,
  created_at timestamptz NOT NULL
);

-- Witness cosignatures (C2SP tlog-cosignature), verified against the configured witness keys before they are stored.
CREATE TABLE audit.cosignatures (
  size bigint NOT NULL,
  witness_name text NOT NULL,
  key_id text NOT NULL,
  "timestamp" bigint NOT NULL,
  line text NOT NULL,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (size, witness_name, key_id)
);

-- Completeness per source: every number 1..contiguous has been logged; max_seen is the highest logged.
CREATE TABLE audit.source_sequences (
  source text PRIMARY KEY,
  contiguous bigint NOT NULL CHECK (contiguous >= 0),
  max_seen bigint NOT NULL CHECK (max_seen >= contiguous),
  events bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Holes and repeats in a source's sequence, never skipped silently. A gap [expected, got) is opened by the event
-- that skipped past it and resolved when every missing number arrived (events of one source travel in several
-- partitions, so they can arrive out of order); one still open after the grace period is logged as a warning.
CREATE TABLE audit.gaps (
  id bigserial PRIMARY KEY,
  source text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('gap', 'repeat')),
  expected bigint NOT NULL,
  got bigint NOT NULL,
  event_id text NOT NULL,
  detected_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  warned_at timestamptz
);
CREATE INDEX gaps_open ON audit.gaps (source, got) WHERE resolved_at IS NULL AND kind = 'gap';

-- The topics the log reads (for replays that run without the hub).
CREATE TABLE audit.topics (
  name text PRIMARY KEY,
  first_read_at timestamptz NOT NULL DEFAULT now()
);

-- The log's verifier keys (public), so that a replay that runs without the hub can name the key it checks with.
-- An auditor should still pin the published key: whoever can write these tables can write this one.
CREATE TABLE audit.log_keys (
  verifier_key text PRIMARY KEY,
  origin text NOT NULL,
  first_used_at timestamptz NOT NULL DEFAULT now()
);
