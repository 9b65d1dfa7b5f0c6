import { AppError } from '@onceonly/errors';
import { isMerkleError, type NoteVerifier, parseSignatureLine, verifyCosignature } from '@onceonly/merkle';
import type { LogReader, StoredCheckpoint, StoredCosignature } from './ports.js';

/** Where a verified cosignature is stored. */
export type CosignatureSink = (
  size: number,
  cosignature: Omit<StoredCosignature, 'addedAt'>,
  at: Date,
) => Promise<void>;

/** How far in the future a witness's clock may be (seconds). */
const CLOCK_SKEW_S = 600;

/**
 * A witness adds its cosignature (c2sp.org/tlog-cosignature) to a stored checkpoint. The line must be by one of
 * the configured witness keys (AUDIT_WITNESS_UNKNOWN otherwise) and verify over the checkpoint body
 * (AUDIT_COSIGNATURE_INVALID otherwise). Returns the checkpoint with its cosignatures. Adding the same witness's
 * cosignature again keeps the first one.
 */
export async function addCosignature(
  reader: LogReader,
  store: CosignatureSink,
  witnesses: readonly NoteVerifier[],
  size: number,
  line: string,
  now: Date,
): Promise<StoredCheckpoint> {
  const checkpoint = await reader.checkpoint(size);
  if (checkpoint === undefined) {
    throw new AppError('AUDIT_CHECKPOINT_NOT_FOUND', `no checkpoint of size ${size} is stored`);
  }
  const text = line.endsWith('\n') ? line.slice(0, -1) : line;
  let signature: ReturnType<typeof parseSignatureLine>;
  try {
    signature = parseSignatureLine(text);
  } catch (cause) {
    throw new AppError('AUDIT_COSIGNATURE_INVALID', 'the cosignature is not a signature line', { cause });
  }
  const witness = witnesses.find((w) => w.name === signature.name && w.keyHash === signature.keyHash);
  if (witness === undefined) {
    throw new AppError('AUDIT_WITNESS_UNKNOWN', `${signature.name} is not a witness of this log`, {
      details: { meta: { witness: signature.name } },
    });
  }
  const body = checkpoint.note.slice(0, checkpoint.note.indexOf('\n\n') + 1);
  try {
    const { timestamp } = verifyCosignature(body, text, witness, {
      notAfter: Math.floor(now.getTime() / 1000) + CLOCK_SKEW_S,
    });
    const keyId = signature.keyHash.toString(16).padStart(8, '0');
    await store(size, { witnessName: signature.name, keyId, timestamp, line: `${text}\n` }, now);
  } catch (err) {
    if (!isMerkleError(err)) throw err;
    throw new AppError('AUDIT_COSIGNATURE_INVALID', `the cosignature does not verify: ${err.reason}`, { cause: err });
  }
  return (await reader.checkpoint(size))!;
}

/** The signed note with every stored cosignature appended (what clients get). */
export function cosignedNote(checkpoint: StoredCheckpoint): string {
  return checkpoint.note + checkpoint.cosignatures.map((c) => c.line).join('');
}
