import type { LogChecksBatch } from '../../app/log-checks.js';
import type { VerifiableEntry } from '../../domain/log-verifier.js';

/**
 * How a batch crosses to the worker and back (ADR 022): the bytes of every entry (leaf, stored hash, body or its
 * hash) copied into one buffer that is transferred, not cloned, with offsets beside them; the leaf hashes of the
 * answer likewise. Structured cloning would give each of those small arrays an ArrayBuffer of its own on the other
 * side: thousands of allocations per batch for the garbage collector. The rest of each entry is cloned as is.
 */
export interface PackedEntries {
  readonly bytes: ArrayBuffer;
  /** Per entry, per byte field in {@link FIELDS} order: offset and length into `bytes` (length -1: absent). */
  readonly at: Int32Array;
  /** The entries without their byte fields. */
  readonly rest: ReadonlyArray<Omit<VerifiableEntry, ByteField>>;
}

const FIELDS = ['canonical', 'leafHash', 'data', 'dataSha256'] as const;
type ByteField = (typeof FIELDS)[number];

export function packEntries(entries: readonly VerifiableEntry[]): PackedEntries {
  let size = 0;
  for (const e of entries) for (const f of FIELDS) size += e[f]?.length ?? 0;
  const bytes = new Uint8Array(size);
  const at = new Int32Array(entries.length * FIELDS.length * 2);
  const rest: Array<Omit<VerifiableEntry, ByteField>> = [];
  let offset = 0;
  let slot = 0;
  for (const e of entries) {
    const { canonical: _c, leafHash: _h, data: _d, dataSha256: _s, ...others } = e;
    rest.push(others);
    for (const f of FIELDS) {
      const value = e[f];
      at[slot++] = offset;
      at[slot++] = value === undefined ? -1 : value.length;
      if (value !== undefined) {
        bytes.set(value, offset);
        offset += value.length;
      }
    }
  }
  return { bytes: bytes.buffer, at, rest };
}

export function unpackEntries(packed: PackedEntries): VerifiableEntry[] {
  const bytes = new Uint8Array(packed.bytes);
  const { at } = packed;
  return packed.rest.map((others, i) => {
    // the cloned object itself, its byte fields added: no copy of it, no closure per field (ADR 050)
    const entry = others as Record<string, unknown>;
    for (let k = 0, slot = i * FIELDS.length * 2; k < FIELDS.length; k++, slot += 2) {
      const length = at[slot + 1]!;
      if (length >= 0) entry[FIELDS[k]!] = bytes.subarray(at[slot]!, at[slot]! + length);
    }
    return entry as unknown as VerifiableEntry;
  });
}

/** A batch's answer with the leaf hashes for the bus matcher in one transferred buffer (32 bytes each). */
export interface PackedBatch {
  readonly ids: readonly string[];
  readonly leafIndexes: readonly number[];
  readonly hashes: ArrayBuffer;
  readonly entries?: LogChecksBatch['entries'];
}

export function packBatch(batch: LogChecksBatch): PackedBatch {
  const hashes = new Uint8Array(batch.busLeaves.length * 32);
  batch.busLeaves.forEach(([, , hash], i) => {
    hashes.set(hash, i * 32);
  });
  return {
    ids: batch.busLeaves.map(([id]) => id),
    leafIndexes: batch.busLeaves.map(([, leafIndex]) => leafIndex),
    hashes: hashes.buffer,
    ...(batch.entries ? { entries: batch.entries } : {}),
  };
}

export function unpackBatch(packed: PackedBatch): LogChecksBatch {
  const hashes = new Uint8Array(packed.hashes);
  return {
    busLeaves: packed.ids.map((id, i) => [id, packed.leafIndexes[i]!, hashes.subarray(i * 32, i * 32 + 32)] as const),
    ...(packed.entries ? { entries: packed.entries } : {}),
  };
}
