import { AppError } from '@onceonly/errors';
import {
  emptySubjectChain,
  extendSubjectChain,
  leafHash,
  MemoryMap,
  type SubjectChain,
  type SubjectMapClaim,
  subjectMapValue,
} from '@onceonly/merkle';
import { decodeLeaf } from '../domain/leaf.js';
import { subjectKeyOf } from '../domain/subject-key.js';

/** One leaf as a client reads it from the log: its index and canonical bytes (the served leaf hash is not used). */
export interface LogLeaf {
  readonly leafIndex: number;
  readonly canonical: Uint8Array;
}

/**
 * The subject map's claim for `subject` at `size`, recomputed on the client from the log's first `size` leaves
 * (every subject's chain, then the map in memory): for an export source that can read the whole log but cannot ask
 * the hub for a map proof. Nothing the hub says is trusted: leaf hashes are recomputed, and `audit verify` checks
 * the resulting root against the one the checkpoint signs, so a hub that serves other leaves is caught there.
 * O(size) reads and memory: a stopgap until the hub serves map proofs. INTERNAL when the leaves are not exactly
 * 0..size-1 in order.
 */
export async function subjectMapFromLog(
  leaves: AsyncIterable<LogLeaf>,
  subject: string,
  size: number,
): Promise<SubjectMapClaim | undefined> {
  const key = subjectKeyOf(subject);
  if (key === undefined) return undefined;
  const chains = new Map<string, { key: Uint8Array; chain: SubjectChain }>();
  let next = 0;
  for await (const leaf of leaves) {
    if (leaf.leafIndex !== next++) throw new AppError('INTERNAL', `the log skipped or repeated leaf ${next - 1}`);
    const k = subjectKeyOf(decodeLeaf(leaf.canonical).subject);
    if (k === undefined) continue;
    const id = Buffer.from(k).toString('hex');
    const chain = extendSubjectChain(
      chains.get(id)?.chain ?? emptySubjectChain(),
      leaf.leafIndex,
      leafHash(leaf.canonical),
    );
    chains.set(id, { key: k, chain });
  }
  if (next !== size) throw new AppError('INTERNAL', `the log returned ${next} leaves, not ${size}`);
  const map = new MemoryMap();
  await map.setMany([...chains.values()].map((c) => ({ key: c.key, value: subjectMapValue(c.chain) })));
  const { proof } = await map.proof(key);
  return { chain: chains.get(Buffer.from(key).toString('hex'))?.chain, proof };
}
