/** A small signed log built in memory (no I/O), for the unit tests of the verifiers. */
import {
  formatCheckpoint,
  generateNoteKey,
  inclusionProof,
  MemoryTree,
  parseSignerKey,
  signNote,
} from '@onceonly/merkle';
import { type LoggableEvent, leafOf } from '../src/domain/leaf.js';

export const ORIGIN = 'onceonly.test/unit';

export function event(i: number, overrides: Partial<LoggableEvent> = {}): LoggableEvent {
  return {
    id: `event-${i}`,
    source: '/onceonly/test',
    type: 'test.thing.happened',
    subject: `subject-${i % 3}`,
    time: `2024-05-01T08:30:${String(i % 60).padStart(2, '0')}.000Z`,
    specversion: '1.0',
    datacontenttype: 'application/protobuf',
    dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
    sequence: String(i + 1),
    data: new Uint8Array([i, i + 1, i + 2]),
    ...overrides,
  };
}

/** A log of `n` events with checkpoints at the given sizes, signed with a fresh key. */
export function signedLog(n: number, checkpointSizes: readonly number[]) {
  return signedLogOf(
    Array.from({ length: n }, (_, i) => event(i)),
    checkpointSizes,
  );
}

/** A log of the given events with checkpoints at the given sizes, signed with a fresh key. */
export async function signedLogOf(events: readonly LoggableEvent[], checkpointSizes: readonly number[]) {
  const key = generateNoteKey(ORIGIN);
  const signer = parseSignerKey(key.signerKey);
  const tree = new MemoryTree();
  const leaves = events.map(leafOf);
  const checkpoints: Array<{ size: number; signedNote: string }> = [];
  const sign = async (size: number) => ({
    size,
    signedNote: await signNote(formatCheckpoint({ origin: ORIGIN, size, root: tree.root() }), signer),
  });
  if (checkpointSizes.includes(0)) checkpoints.push(await sign(0));
  for (const [i, leaf] of leaves.entries()) {
    tree.append(leaf.hash);
    if (checkpointSizes.includes(i + 1)) checkpoints.push(await sign(i + 1));
  }
  const entries = leaves.map((leaf, i) => ({
    leafIndex: i,
    canonical: leaf.canonical,
    leafHash: leaf.hash,
    data: events[i]!.data,
    columns: { id: events[i]!.id, subject: events[i]!.subject },
    topic: 'onceonly.test.v1',
    partition: 0,
    offset: String(i),
  }));
  const proof = (index: number, size: number) => inclusionProof(tree, index, size);
  return { key, signer, tree, events, leaves, checkpoints, entries, proof };
}
