/**
 * Every reason this package rejects input for. The list is closed so that callers can switch on it and adapters can
 * map each reason to an error code of their own; add a reason here before using it anywhere.
 */
export const MERKLE_REASONS = [
  /** A tree size that is negative, not an integer, above 2^53 - 1, larger than the log, or smaller than size1. */
  'INVALID_SIZE',
  /** A leaf index at or beyond the tree size. */
  'INDEX_OUT_OF_RANGE',
  /** A proof (or a persisted compact range) with more or fewer hashes than the sizes and index call for. */
  'PROOF_LENGTH',
  /** A hash (leaf, root or proof element) that is not 32 bytes long. */
  'HASH_LENGTH',
  /** A HashReader returned a missing or wrongly sized hash. */
  'READER_INCONSISTENT',
  /** A checkpoint whose lines are missing, empty, or not newline-terminated. */
  'CHECKPOINT_FORMAT',
  /** A checkpoint with an empty origin line. */
  'CHECKPOINT_ORIGIN',
  /** A checkpoint tree size that is not canonical decimal (no sign, no leading zeroes) or exceeds 2^53 - 1. */
  'CHECKPOINT_SIZE',
  /** A checkpoint root hash that is not canonical standard base64 of exactly 32 bytes. */
  'CHECKPOINT_ROOT',
  /** A checkpoint whose origin is not the one the caller expected. */
  'CHECKPOINT_ORIGIN_MISMATCH',
  /** Note text that is empty, lacks its final newline, is not valid UTF-8, or holds a control character. */
  'NOTE_TEXT',
  /** A signed note without a blank line before the signatures, without signatures, or with too many. */
  'NOTE_FORMAT',
  /** A signature line without the em dash prefix, with an invalid key name, or with bad or short base64. */
  'SIGNATURE_LINE',
  /** A signature from a known key that does not verify. */
  'SIGNATURE_INVALID',
  /** A well-formed note that no known key has signed. */
  'NOTE_UNVERIFIED',
  /** A key name that is empty or contains a Unicode space or a plus sign. */
  'KEY_NAME',
  /** A verifier or signer key string that does not have the expected parts, or key material of the wrong size. */
  'KEY_FORMAT',
  /** A key string whose key hash does not match its name and public key. */
  'KEY_HASH_MISMATCH',
  /** A key with a signature type this package does not implement. */
  'KEY_ALGORITHM',
  /** Two known verifiers with the same name and key hash. */
  'KEY_AMBIGUOUS',
  /** A cosignature that is not 4 + 8 + 64 bytes, or whose timestamp is out of range. */
  'COSIGNATURE_FORMAT',
  /** A cosignature whose timestamp lies after the caller's `notAfter`. */
  'COSIGNATURE_FUTURE',
  /** A verifiable-map key or value that is not 32 bytes, or a subject that is empty or not well-formed UTF-16. */
  'MAP_KEY',
  /** One batch of map updates that names the same key twice (the result would depend on the order). */
  'MAP_DUPLICATE_KEY',
  /** A map proof whose bitmap is not 32 bytes, or whose sibling count differs from the bitmap's set bits. */
  'MAP_PROOF_FORMAT',
  /** A subject-chain step whose leaf index is not above the last one, or not a safe non-negative integer. */
  'CHAIN_ORDER',
  /** A checkpoint with a malformed or repeated `onceonly-subject-map` extension line. */
  'MAP_EXTENSION',
] as const;

/** Why input was rejected: one of {@link MERKLE_REASONS}. */
export type MerkleReason = (typeof MERKLE_REASONS)[number];

/**
 * Thrown for malformed input: a stable reason for code and a sentence for people. A proof that is well formed but
 * wrong is not an error; the verifiers return `false` for it. Adapters map MerkleError to AppError; this package does
 * not depend on `@onceonly/errors`.
 */
export class MerkleError extends Error {
  override readonly name = 'MerkleError';
  readonly reason: MerkleReason;

  constructor(reason: MerkleReason, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
  }
}

/** True for a MerkleError, optionally of one reason. */
export function isMerkleError(err: unknown, reason?: MerkleReason): err is MerkleError {
  return err instanceof MerkleError && (reason === undefined || err.reason === reason);
}
