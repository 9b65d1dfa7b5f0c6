import { fromBase64, toBase64 } from './encoding.js';
import { MerkleError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import type { OpenedNote } from './note.js';
import { assertNoteText, openNote } from './note.js';
import type { NoteVerifier } from './note-keys.js';

/** A C2SP `tlog-checkpoint` note body: which log, how many leaves, and the root hash at that size. */
export interface Checkpoint {
  /** The log's identity, for example `onceonly.gov.example/audit`. Non-empty. */
  readonly origin: string;
  /** Number of leaves in the tree. */
  readonly size: number;
  /** RFC 6962 root hash of the tree at `size` (32 bytes). */
  readonly root: Uint8Array;
  /** Optional extension lines, opaque and non-empty (the spec does not recommend them). */
  readonly extensions?: readonly string[];
}

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

function fail(
  reason: 'CHECKPOINT_FORMAT' | 'CHECKPOINT_ORIGIN' | 'CHECKPOINT_SIZE' | 'CHECKPOINT_ROOT',
  message: string,
): never {
  throw new MerkleError(reason, message);
}

function assertLine(line: string, reason: 'CHECKPOINT_ORIGIN' | 'CHECKPOINT_FORMAT', what: string): void {
  if (line === '' || line.includes('\n')) fail(reason, `${what} must be one non-empty line`);
}

/**
 * The note text of a checkpoint: `<origin>\n<size>\n<base64 root>\n` and then any extension lines. Throws
 * CHECKPOINT_ORIGIN, CHECKPOINT_SIZE, CHECKPOINT_ROOT, CHECKPOINT_FORMAT (bad extension line) or NOTE_TEXT.
 */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  assertLine(checkpoint.origin, 'CHECKPOINT_ORIGIN', 'the origin');
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0) {
    fail('CHECKPOINT_SIZE', 'the tree size must be a non-negative safe integer');
  }
  if (!(checkpoint.root instanceof Uint8Array) || checkpoint.root.length !== HASH_SIZE) {
    fail('CHECKPOINT_ROOT', `the root hash must be ${HASH_SIZE} bytes`);
  }
  const extensions = checkpoint.extensions ?? [];
  for (const line of extensions) assertLine(line, 'CHECKPOINT_FORMAT', 'an extension line');
  const text = [checkpoint.origin, String(checkpoint.size), toBase64(checkpoint.root), ...extensions]
    .map((l) => `${l}\n`)
    .join('');
  assertNoteText(text);
  return text;
}

/**
 * Parses checkpoint note text strictly: at least three newline-terminated lines, a non-empty origin, a decimal size
 * without sign or leading zeroes (at most 2^53 - 1), canonical standard base64 of exactly 32 bytes, non-empty
 * extension lines. Throws CHECKPOINT_FORMAT, CHECKPOINT_ORIGIN, CHECKPOINT_SIZE or CHECKPOINT_ROOT.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) fail('CHECKPOINT_FORMAT', 'checkpoint text ends with a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin = '', size = '', root = '', ...extensions] = lines;
  if (lines.length < 3) fail('CHECKPOINT_FORMAT', 'a checkpoint has an origin, a size and a root hash line');
  if (origin === '') fail('CHECKPOINT_ORIGIN', 'the origin line is empty');
  if (!DECIMAL.test(size) || !Number.isSafeInteger(Number(size))) {
    fail('CHECKPOINT_SIZE', 'the size is not a canonical decimal below 2^53');
  }
  const hash = fromBase64(root);
  if (hash === undefined || hash.length !== HASH_SIZE) {
    fail('CHECKPOINT_ROOT', `the root hash is not standard base64 of ${HASH_SIZE} bytes`);
  }
  if (extensions.some((l) => l === '')) fail('CHECKPOINT_FORMAT', 'extension lines must be non-empty');
  return { origin, size: Number(size), root: hash, extensions };
}

/** A signed checkpoint that {@link openCheckpoint} verified, with the note it came from. */
export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: OpenedNote;
}

/**
 * Opens a signed checkpoint: verifies the note against the known keys (see {@link openNote}), parses its text, and if
 * `origin` is given, requires the checkpoint to be for that log (CHECKPOINT_ORIGIN_MISMATCH otherwise).
 */
export function openCheckpoint(
  signedNote: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  origin?: string,
): OpenedCheckpoint {
  const note = openNote(signedNote, verifiers);
  const checkpoint = parseCheckpoint(note.text);
  if (origin !== undefined && checkpoint.origin !== origin) {
    throw new MerkleError('CHECKPOINT_ORIGIN_MISMATCH', 'the checkpoint is for another log');
  }
  return { checkpoint, note };
}
