/** A small signed log built in memory (no I/O), for the unit tests of the verifiers. */
import {
  consistencyProof,
  formatCheckpoint,
  generateNoteKey,
  inclusionProof,
  MemoryTree,
  parseSignerKey,
  signNote,
} from '@onceonly/merkle';
import type { BusRecord, ReplayBusSource, ReplayLogSource } from '../src/app/replay.js';
import { type LoggableEvent, leafOf } from '../src/domain/leaf.js';
import type { VerifiableEntry } from '../src/domain/log-verifier.js';

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

/** A log made by {@link signedLog} or {@link signedLogOf}. */
export type SignedLog = Awaited<ReturnType<typeof signedLogOf>>;

/** The log as a replay reads it, its entries (or the ones given, as stored) one at a time, without pages. */
export function logSourceOf(log: SignedLog, entries: readonly VerifiableEntry[] = log.entries): ReplayLogSource {
  return {
    info: async () => ({
      origin: ORIGIN,
      verifierKeys: [log.key.verifierKey],
      size: log.entries.length,
      topics: ['onceonly.test.v1'],
    }),
    checkpoints: async () => log.checkpoints,
    async *entries(size) {
      yield* entries.slice(0, size);
    },
    consistencyProof: (first, second) => consistencyProof(log.tree, first, second),
    findEvent: async () => undefined,
  };
}

/** A bus holding the log's events (handed over at once), and the checkpoint notes given. */
export function busOf(log: SignedLog, checkpointNotes?: readonly string[]): ReplayBusSource {
  return {
    async read(_topics, onRecord) {
      log.events.forEach((event, i) => {
        onRecord({
          event: { ...event, specversion: '1.0' },
          topic: 'onceonly.test.v1',
          partition: 0,
          offset: String(i),
        } as BusRecord);
      });
      return { records: log.events.length, malformed: 0, ...(checkpointNotes ? { checkpointNotes } : {}) };
    },
  };
}
