import { randomUUID } from 'node:crypto';
import { consistencyProof, inclusionProof, MemoryTree } from '@onceonly/merkle';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../../app/append-event.js';
import { getInclusionProof } from '../../app/proofs.js';
import type { LoggableEvent } from '../../domain/leaf.js';
import { leafOf } from '../../domain/leaf.js';
import { migrateAudit } from '../../module.js';
import { appendPort, logReader } from './audit-store.js';
import { hashReader, UpperNodes } from './hash-reader.js';

// The upper levels in memory must give exactly the proofs the database alone gives, at every size, as the log grows
// past what the cache has read, and when its memory budget makes it give up its lowest levels.

function event(i: number): LoggableEvent {
  return {
    id: randomUUID(),
    source: '/onceonly/test-proofs',
    type: 'test.appended',
    subject: `holder-${i % 5}`,
    time: new Date(Date.UTC(2024, 4, 1) + i * 1000).toISOString(),
    specversion: '1.0',
    datacontenttype: 'application/octet-stream',
    dataschema: 'urn:onceonly:test',
    sequence: String(i + 1),
    data: Uint8Array.of(i & 0xff, i >> 8),
  };
}

async function appendUpTo(db: Database, tree: MemoryTree, size: number): Promise<void> {
  for (let i = tree.size; i < size; i++) {
    const e = event(i);
    await db.transaction((tx) =>
      appendEvent(appendPort(tx), e, { topic: 'onceonly.test.v1', partition: 0, offset: String(i) }, new Date()),
    );
    tree.append(leafOf(e).hash);
  }
}

const hex = (hashes: Uint8Array[]) => hashes.map((h) => Buffer.from(h).toString('hex'));

describe.each(['postgresql', 'pglite'] as const)('proofs with the upper levels in memory (%s)', (kind) => {
  let target: TestDatabase | undefined;
  let db: Database;
  const tree = new MemoryTree();

  beforeAll(async () => {
    if (kind === 'postgresql') {
      target = await freshDatabase('hash-reader');
      db = await openDatabase({ url: target.url });
    } else {
      db = await openDatabase({ memory: true });
    }
    await migrateAudit(db);
  });
  afterAll(async () => {
    await db?.close();
    await target?.drop();
  });

  it('gives the same inclusion and consistency proofs as the database alone, and extends itself as the log grows', async () => {
    const upper = new UpperNodes({ fromLevel: 2 });
    for (const size of [9, 40, 77]) {
      await appendUpTo(db, tree, size);
      for (const treeSize of [1, 5, 8, size - 1, size]) {
        for (let index = 0; index < treeSize; index++) {
          const expected = hex(await inclusionProof(tree, index, treeSize));
          expect(hex(await inclusionProof(hashReader(db, treeSize, upper), index, treeSize))).toEqual(expected);
        }
        for (const first of [0, 1, 3, treeSize].filter((f) => f <= treeSize)) {
          expect(hex(await consistencyProof(hashReader(db, treeSize, upper), first, treeSize))).toEqual(
            hex(await consistencyProof(tree, first, treeSize)),
          );
        }
      }
    }
    // levels 2 … 6 of a 77-leaf tree: 19 + 9 + 4 + 2 + 1 complete nodes, read in one query per growth step
    expect(upper.stats()).toMatchObject({ nodes: 35, bytes: 35 * 32, fromLevel: 2 });
    expect(upper.stats().loads).toBeLessThanOrEqual(3);
  });

  it('gives up its lowest levels when they outgrow the budget, and still proves correctly', async () => {
    await appendUpTo(db, tree, 77);
    const upper = new UpperNodes({ fromLevel: 1, maxBytes: 20 * 32 });
    for (let index = 0; index < 77; index += 7) {
      expect(hex(await inclusionProof(hashReader(db, 77, upper), index, 77))).toEqual(
        hex(await inclusionProof(tree, index, 77)),
      );
    }
    // level 1 holds 38 nodes, level 2 19: both over 20 hashes with what is above them, so the cache starts at 3
    expect(upper.stats()).toMatchObject({ fromLevel: 3, nodes: 9 + 4 + 2 + 1 });
  });

  it('serves GetInclusionProof as before through a reader with the cache', async () => {
    await appendUpTo(db, tree, 77);
    const reader = logReader(db, new UpperNodes({ fromLevel: 3 }));
    const proof = await getInclusionProof(reader, { leafIndex: 42 }, 77);
    expect(hex(proof.hashes)).toEqual(hex(await inclusionProof(tree, 42, 77)));
    await expect(getInclusionProof(reader, { leafIndex: 500 }, 77)).rejects.toMatchObject({
      code: 'AUDIT_EVENT_NOT_FOUND',
    });
  });

  it('refuses a level outside the tree', () => {
    expect(() => new UpperNodes({ fromLevel: 0 })).toThrow(RangeError);
    expect(() => new UpperNodes({ fromLevel: 64 })).toThrow(RangeError);
  });
});
