import { randomUUID } from 'node:crypto';
import { generateNoteKey, inclusionProof, MemoryTree, parseSignerKey, verifyInclusion } from '@onceonly/merkle';
import { type Database, openDatabase, type Queryable } from '@onceonly/store';
import { freshDatabase, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../../app/append-event.js';
import { signCheckpoint } from '../../app/checkpointer.js';
import { getInclusionProof } from '../../app/proofs.js';
import type { LoggableEvent } from '../../domain/leaf.js';
import { leafOf } from '../../domain/leaf.js';
import { migrateAudit } from '../../module.js';
import { appendPort, checkpointStore, LatestCheckpoint, logReader } from './audit-store.js';
import { UpperNodes } from './hash-reader.js';

// The latest checkpoint kept in memory (ADR 016): every proof must come with the checkpoint it was made for, verify
// against its root, pick up a checkpoint or cosignature stored by anyone else (another replica: here, straight into
// the tables) at the next proof, and cost one statement while nothing changed.

const origin = 'onceonly.test/checkpoint-cache';
const key = generateNoteKey(origin);

function event(i: number): LoggableEvent {
  return {
    id: `cache-${i}-${randomUUID()}`,
    source: '/onceonly/test-checkpoint-cache',
    type: 'test.appended',
    subject: `holder-${i % 3}`,
    time: new Date(Date.UTC(2024, 4, 1) + i * 1000).toISOString(),
    specversion: '1.0',
    datacontenttype: 'application/octet-stream',
    dataschema: 'urn:onceonly:test',
    sequence: String(i + 1),
    data: Uint8Array.of(i & 0xff, i >> 8),
  };
}

/** A view of the database that counts the statements sent through it. */
function counting(db: Database): Queryable & { statements: number } {
  const view = {
    statements: 0,
    query: ((sql: string, params?: readonly unknown[]) => {
      view.statements++;
      return db.query(sql, params);
    }) as Queryable['query'],
    exec: (sql: string) => {
      view.statements++;
      return db.exec(sql);
    },
  };
  return view;
}

const hex = (hashes: Uint8Array[]) => hashes.map((h) => Buffer.from(h).toString('hex'));

describe.each(['postgresql', 'pglite'] as const)('the latest checkpoint in memory (%s)', (kind) => {
  let target: TestDatabase | undefined;
  let db: Database;
  const tree = new MemoryTree();
  const ids: string[] = [];

  async function appendUpTo(size: number): Promise<void> {
    for (let i = tree.size; i < size; i++) {
      const e = event(i);
      await db.transaction((tx) =>
        appendEvent(appendPort(tx), e, { topic: 'onceonly.test.v1', partition: 0, offset: String(i) }, new Date()),
      );
      tree.append(leafOf(e).hash);
      ids.push(e.id);
    }
  }

  /** What another replica's checkpointer does: sign the tree as it is and store the checkpoint. */
  async function checkpointAt(size: number): Promise<void> {
    const signed = await signCheckpoint(
      origin,
      parseSignerKey(key.signerKey),
      { size, root: tree.root(size) },
      new Date(),
    );
    expect(await checkpointStore.insert(db, signed)).toBe(true);
  }

  beforeAll(async () => {
    if (kind === 'postgresql') {
      target = await freshDatabase('checkpoint-cache');
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

  it('proves against the latest checkpoint, picks up new checkpoints and cosignatures, one statement otherwise', async () => {
    await appendUpTo(30);
    const counted = counting(db);
    const latest = new LatestCheckpoint();
    const reader = logReader(counted, new UpperNodes({ fromLevel: 2 }), latest);

    // no checkpoint yet: as before
    await expect(getInclusionProof(reader, { leafIndex: 3 })).rejects.toMatchObject({
      code: 'AUDIT_NOT_YET_CHECKPOINTED',
    });
    await expect(getInclusionProof(reader, { leafIndex: 300 })).rejects.toMatchObject({
      code: 'AUDIT_EVENT_NOT_FOUND',
    });
    await expect(getInclusionProof(reader, { eventId: 'no-such-event' })).rejects.toMatchObject({
      code: 'AUDIT_EVENT_NOT_FOUND',
    });

    await checkpointAt(21);
    const first = await getInclusionProof(reader, { leafIndex: 5 });
    expect(first.treeSize).toBe(21);
    expect(first.checkpoint?.size).toBe(21);
    expect(latest.loads).toBe(1);

    // every leaf of the checkpoint, by index and by id: the in-memory proof, verified against the checkpoint's root,
    // one statement each (entry, its block of leaves and the check of the cache together)
    for (let index = 0; index < 21; index++) {
      const before = counted.statements;
      const proof = await getInclusionProof(reader, { leafIndex: index });
      expect(counted.statements - before).toBe(1);
      expect(hex(proof.hashes)).toEqual(hex(await inclusionProof(tree, index, 21)));
      expect(hex([proof.checkpoint!.root])).toEqual(hex([tree.root(21)]));
      expect(verifyInclusion(proof.leafHash, index, 21, proof.hashes, proof.checkpoint!.root)).toBe(true);
      const byId = await getInclusionProof(reader, { eventId: ids[index]! });
      expect(byId.leafIndex).toBe(index);
      expect(hex(byId.hashes)).toEqual(hex(proof.hashes));
    }
    expect(latest.loads).toBe(1);

    // an entry beyond the cached checkpoint: not yet checkpointed, as before, and no reload
    await expect(getInclusionProof(reader, { leafIndex: 25 })).rejects.toMatchObject({
      code: 'AUDIT_NOT_YET_CHECKPOINTED',
      details: { meta: { leafIndex: '25', checkpointSize: '21' } },
    });
    expect(latest.loads).toBe(1);

    // another replica signs a checkpoint: the next proof is made against it, the entry beyond the old one included
    await checkpointAt(30);
    const later = await getInclusionProof(reader, { leafIndex: 25 });
    expect(later.treeSize).toBe(30);
    expect(later.checkpoint?.size).toBe(30);
    expect(hex(later.hashes)).toEqual(hex(await inclusionProof(tree, 25, 30)));
    expect(verifyInclusion(later.leafHash, 25, 30, later.hashes, later.checkpoint!.root)).toBe(true);
    expect((await getInclusionProof(reader, { leafIndex: 5 })).treeSize).toBe(30);
    expect(latest.loads).toBe(2);

    // a witness cosigns it through another replica: the next proof carries the cosignature
    await checkpointStore.addCosignature(
      db,
      30,
      { witnessName: 'witness.test', keyId: '0a0b0c0d', timestamp: 1_700_000_000, line: '— witness.test AAAA\n' },
      new Date(),
    );
    const cosigned = await getInclusionProof(reader, { leafIndex: 7 });
    expect(cosigned.checkpoint?.cosignatures.map((c) => c.witnessName)).toEqual(['witness.test']);
    expect(latest.loads).toBe(3);
    const again = await getInclusionProof(reader, { leafIndex: 8 });
    expect(again.checkpoint?.cosignatures).toHaveLength(1);
    expect(latest.loads).toBe(3);

    // an explicit tree size still reads the head and that size's checkpoint, as before
    const sized = await getInclusionProof(reader, { leafIndex: 4 }, 21);
    expect(sized.treeSize).toBe(21);
    expect(sized.checkpoint?.size).toBe(21);
    expect(hex(sized.hashes)).toEqual(hex(await inclusionProof(tree, 4, 21)));
  });

  it('gives the in-memory proof at sizes that end mid-block, and never goes back to an older checkpoint', async () => {
    await appendUpTo(77);
    const latest = new LatestCheckpoint();
    const counted = counting(db);
    const reader = logReader(counted, new UpperNodes({ fromLevel: 3 }), latest);
    for (const size of [33, 64, 71, 77]) {
      await checkpointAt(size);
      await getInclusionProof(reader, { leafIndex: 0 }); // the reload
      for (let index = 0; index < size; index++) {
        const before = counted.statements;
        const proof = await getInclusionProof(reader, { leafIndex: index });
        // the entry's block of 8 leaves and the leaves after the checkpoint's last multiple of 8 (read with it)
        // hold every hash below the levels in memory: nothing more is read
        expect(counted.statements - before).toBe(1);
        expect(proof.treeSize).toBe(size);
        expect(hex(proof.hashes)).toEqual(hex(await inclusionProof(tree, index, size)));
      }
    }
    // a read that finds an older checkpoint than the one held (it started before the newer one was stored) is
    // not taken
    const held = latest.current!;
    await latest.reload(async () => ({ checkpoint: { ...held.checkpoint, size: 33 }, edge: new Map(), edgeLevel: 3 }));
    expect(latest.current).toBe(held);
  });
});
