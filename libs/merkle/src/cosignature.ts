import { parseCheckpoint } from './checkpoint.js';
import { concat, utf8 } from './encoding.js';
import { MerkleError } from './errors.js';
import { assertNoteText, formatSignatureLine, parseSignatureLine } from './note.js';
import type { NoteSigner, NoteVerifier } from './note-keys.js';
import { assertKeyName, cosignatureMessage, MAX_COSIGNATURE_TIME } from './note-keys.js';

/** A verified witness cosignature: who signed, and when (POSIX seconds) the witness says it saw the checkpoint. */
export interface Cosignature {
  readonly name: string;
  readonly keyHash: number;
  readonly timestamp: number;
}

/** Options for {@link verifyCosignature}. */
export interface VerifyCosignatureOptions {
  /** Reject cosignatures dated after this POSIX time (the spec lets verifiers refuse timestamps in the future). */
  readonly notAfter?: number;
}

function timestampBytes(timestamp: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(timestamp));
  return bytes;
}

/**
 * Cosigns a checkpoint as a witness (c2sp.org/tlog-cosignature v1, Ed25519): signs
 * `cosignature/v1\ntime <timestamp>\n<checkpoint body>` and returns the signature line (with its newline) whose value
 * is `key hash (4) || timestamp (8, big-endian) || signature (64)`. Append the line to the signed checkpoint.
 * The witness must have checked consistency with what it saw before; this function only signs.
 *
 * @param checkpointBody - the checkpoint note text, extension lines included, without signatures.
 * @param witness - a `cosignature/v1` signer (type byte 0x04).
 * @param timestamp - POSIX seconds from the caller's clock.
 */
export async function cosign(checkpointBody: string, witness: NoteSigner, timestamp: number): Promise<string> {
  assertNoteText(checkpointBody);
  parseCheckpoint(checkpointBody);
  assertKeyName(witness.name);
  if (witness.type !== 'cosignature/v1') {
    throw new MerkleError('KEY_ALGORITHM', 'cosign() needs a cosignature/v1 (0x04) witness key');
  }
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new MerkleError('COSIGNATURE_FORMAT', 'the timestamp must be non-negative POSIX seconds');
  }
  const signature = await witness.sign(cosignatureMessage(utf8(checkpointBody), BigInt(timestamp)));
  return `${formatSignatureLine(witness.name, witness.keyHash, concat(timestampBytes(timestamp), signature))}\n`;
}

/**
 * Verifies one witness cosignature line over a checkpoint body and returns its timestamp. Throws KEY_ALGORITHM (the
 * verifier is not a cosignature/v1 key), SIGNATURE_LINE, NOTE_UNVERIFIED (the line is by another key),
 * COSIGNATURE_FORMAT (not 8 + 64 bytes, or a timestamp beyond 2^53 - 1), SIGNATURE_INVALID or COSIGNATURE_FUTURE.
 */
export function verifyCosignature(
  checkpointBody: string,
  signatureLine: string,
  witness: NoteVerifier,
  options: VerifyCosignatureOptions = {},
): Cosignature {
  assertNoteText(checkpointBody);
  if (witness.type !== 'cosignature/v1') {
    throw new MerkleError('KEY_ALGORITHM', 'verifyCosignature() needs a cosignature/v1 (0x04) witness key');
  }
  const line = parseSignatureLine(signatureLine);
  if (line.name !== witness.name || line.keyHash !== witness.keyHash) {
    throw new MerkleError('NOTE_UNVERIFIED', 'the cosignature is not by this witness key');
  }
  if (line.signature.length !== 8 + 64) {
    throw new MerkleError('COSIGNATURE_FORMAT', 'a cosignature is an 8-byte timestamp and a 64-byte signature');
  }
  const time = new DataView(line.signature.buffer, line.signature.byteOffset, 8).getBigUint64(0);
  if (time > MAX_COSIGNATURE_TIME || time > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MerkleError('COSIGNATURE_FORMAT', 'the cosignature timestamp is out of range');
  }
  if (!witness.verify(utf8(checkpointBody), line.signature)) {
    throw new MerkleError('SIGNATURE_INVALID', `the cosignature by ${witness.name} does not verify`);
  }
  const timestamp = Number(time);
  if (options.notAfter !== undefined && timestamp > options.notAfter) {
    throw new MerkleError('COSIGNATURE_FUTURE', 'the cosignature is dated after notAfter');
  }
  return { name: line.name, keyHash: line.keyHash, timestamp };
}
