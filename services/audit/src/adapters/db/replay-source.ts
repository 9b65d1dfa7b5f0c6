import { consistencyProof } from '@onceonly/merkle';
import type { Queryable } from '@onceonly/store';
import type { ReplayLogSource } from '../../app/replay.js';
import type { VerifiableEntry } from '../../domain/log-verifier.js';
import { checkpointStore, hashReader, logReader } from './audit-store.js';

const PAGE = 1000;

/**
 * The stored log read straight from the database: for a replay while the hub is stopped (the embedded data folder
 * is locked while it runs), and for tests. Reads pages of 1000 entries.
 */
export function databaseLogSource(db: Queryable): ReplayLogSource {
  const reader = logReader(db);
  return {
    async info() {
      const keys = await checkpointStore.keys(db);
      const head = await reader.head();
      return {
        origin: keys.at(-1)?.origin ?? '',
        verifierKeys: keys.map((k) => k.verifierKey),
        size: head.size,
        topics: await reader.topics(),
      };
    },
    async checkpoints() {
      const all = [];
      for (let after: number | undefined; ; ) {
        const page = await reader.checkpoints(after, PAGE);
        all.push(...page.map((c) => ({ size: c.size, signedNote: c.note })));
        if (page.length < PAGE) return all;
        after = page.at(-1)!.size;
      }
    },
    async *entries(size) {
      for (let start = 0; start < size; start += PAGE) {
        for (const leaf of await reader.entries(start, Math.min(size, start + PAGE), true)) {
          yield {
            leafIndex: leaf.leafIndex,
            canonical: leaf.canonical,
            leafHash: leaf.leafHash,
            data: leaf.data,
            columns: {
              id: leaf.eventId,
              source: leaf.source,
              type: leaf.type,
              subject: leaf.subject,
              sequence: leaf.sequence,
            },
            topic: leaf.topic,
            partition: leaf.partition,
            offset: leaf.offset,
          } satisfies VerifiableEntry;
        }
      }
    },
    consistencyProof: async (first, second) => consistencyProof(hashReader(db, second), first, second),
    findEvent: async (eventId) => (await reader.entryByEventId(eventId, false))?.leafIndex,
  };
}
