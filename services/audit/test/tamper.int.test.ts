import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { formatCheckpoint, generateNoteKey, parseSignerKey, signNote } from '@onceonly/merkle';
import type { FindingKind } from '@onceonly/replay';
import { type Database, openDatabase, type Transaction } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseExportSource } from '../src/adapters/db/export-source.js';
import { databaseLogSource } from '../src/adapters/db/replay-source.js';
import { transportBusSource } from '../src/adapters/events/bus-reader.js';
import { exportBundle } from '../src/app/export-bundle.js';
import { type BusRecord, type ReplayBusSource, type ReplayReport, replay } from '../src/app/replay.js';
import { verifyBundle } from '../src/domain/bundle.js';
import {
  type AuditHost,
  leafCount,
  registry as newRegistry,
  startAuditHost,
  startProducer,
  testNoteKey,
} from './support.js';

class Rollback extends Error {}

describe('tampering with the stored log is detected and named', () => {
  let testDb: TestDatabase;
  let db: Database;
  let transport: EventTransport;
  let host: AuditHost | undefined;
  const key = testNoteKey('onceonly.test/tamper');
  const events: string[] = [];
  const bus: BusRecord[] = [];
  let baseline: ReplayReport;
  // the bus as it was read once from Kafka, served again to each scenario
  const recordedBus: ReplayBusSource = {
    async read(_topics, onRecord) {
      for (const r of bus) onRecord(r);
      return { records: bus.length, malformed: 0 };
    },
  };

  beforeAll(async () => {
    testDb = await freshDatabase('audit_tamper');
    db = await openDatabase({ url: testDb.url, poolSize: 8 });
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'audit-tamper' });
    const registry = newRegistry();
    // one partition: the log's order of one partition's events is their offset order, which replay checks
    const producer = await startProducer(db, transport, registry, 1);
    host = await startAuditHost(db, transport, registry, {
      ONCEONLY_AUDIT_NOTE_KEY: key.signerKey,
      ONCEONLY_AUDIT_CHECKPOINT_ENTRIES: '5',
      ONCEONLY_AUDIT_CHECKPOINT_MS: '100000',
    });
    // four batches of five, each checkpointed before the next: checkpoints at 0 (the empty log), 5, 10, 15, 20
    for (let batch = 1; batch <= 4; batch++) {
      for (let i = 0; i < 5; i++) {
        events.push(...(await producer.publish([`holder-${events.length % 3}`])).map((e) => e.id));
      }
      const size = 5 * batch;
      await waitFor(async () => (await leafCount(db)).leaves === size, {
        timeoutMs: 30_000,
        message: `${size} leaves`,
      });
      await waitFor(async () => (await db.query('SELECT 1 FROM audit.checkpoints WHERE size = $1', [size])).rowCount, {
        timeoutMs: 10_000,
        message: `checkpoint ${size}`,
      });
    }
    await host.stop();
    host = undefined;
    await producer.relay.stop();
    // the untouched log replayed against Kafka; the bus it read is served again to every tampering scenario
    baseline = await replay({
      log: databaseLogSource(db),
      bus: {
        read: (topics, onRecord, onProgress) =>
          transportBusSource(transport).read(
            topics,
            (r) => {
              bus.push(r);
              onRecord(r);
            },
            onProgress,
          ),
      },
      verifierKey: key.verifierKey,
    });
  });

  afterAll(async () => {
    await host?.stop();
    await transport?.close();
    await db?.close();
    await testDb?.drop();
  });

  async function replayAfter(tamper: (tx: Transaction) => Promise<unknown>): Promise<ReplayReport> {
    let report: ReplayReport | undefined;
    await db
      .transaction(async (tx) => {
        await tamper(tx);
        report = await replay({ log: databaseLogSource(tx), bus: recordedBus, verifierKey: key.verifierKey });
        throw new Rollback();
      })
      .catch((err: unknown) => {
        if (!(err instanceof Rollback)) throw err;
      });
    return report!;
  }

  const kinds = (report: ReplayReport): FindingKind[] => [...new Set(report.findings.map((f) => f.kind))].sort();

  it('replays the untouched log against Kafka with no finding', async () => {
    expect(baseline.findings).toEqual([]);
    const report = baseline;
    expect(report).toMatchObject({ ok: true, entries: 20, busRecords: 20, busEventsMatched: 20 });
    expect(report.checkpoints).toBe(5);
    expect(report.checkpointsVerified).toBe(5);
  });

  it('names a leaf whose stored bytes were changed', async () => {
    const report = await replayAfter((tx) =>
      tx.query(
        `UPDATE audit.leaves SET canonical = convert_to(replace(convert_from(canonical, 'UTF8'), 'holder-', 'HOLDER-'), 'UTF8')
         WHERE leaf_index = 7`,
      ),
    );
    expect(report.ok).toBe(false);
    expect(kinds(report)).toEqual([
      'CHECKPOINT_ROOT_MISMATCH',
      'ENTRY_MISMATCH',
      'EVENT_ALTERED',
      'LEAF_HASH_MISMATCH',
      'SUBJECT_MAP_MISMATCH',
    ]);
    const bySize = ['CHECKPOINT_ROOT_MISMATCH', 'SUBJECT_MAP_MISMATCH'];
    const about = report.findings.filter((f) => !bySize.includes(f.kind));
    expect(about.map((f) => [f.leafIndex, f.eventId])).toEqual(about.map(() => [7, events[7]]));
    // the first checkpoint after the change is the first whose root no longer matches
    const roots = report.findings.filter((f) => f.kind === 'CHECKPOINT_ROOT_MISMATCH').map((f) => f.size);
    expect(roots).toEqual([10, 15, 20]);
  });

  it('names a leaf changed together with its hash and columns', async () => {
    const report = await replayAfter(async (tx) => {
      await tx.query(
        `UPDATE audit.leaves SET canonical = convert_to(replace(convert_from(canonical, 'UTF8'), 'holder-', 'HOLDER-'), 'UTF8'),
           subject = upper(subject) WHERE leaf_index = 7`,
      );
      await tx.query(`UPDATE audit.leaves SET leaf_hash = sha256('\\x00'::bytea || canonical) WHERE leaf_index = 7`);
    });
    // the subject's chain commits to the leaf too: the signed maps from checkpoint 10 on are not the leaves' map
    expect(kinds(report)).toEqual(['CHECKPOINT_ROOT_MISMATCH', 'EVENT_ALTERED', 'SUBJECT_MAP_MISMATCH']);
    const maps = report.findings.filter((f) => f.kind === 'SUBJECT_MAP_MISMATCH').map((f) => f.size);
    expect(maps).toEqual([10, 15, 20]);
    expect(report.findings.find((f) => f.kind === 'EVENT_ALTERED')).toMatchObject({ leafIndex: 7, eventId: events[7] });
  });

  it('names a deleted entry', async () => {
    const report = await replayAfter((tx) => tx.query('DELETE FROM audit.leaves WHERE leaf_index = 12'));
    expect(kinds(report)).toEqual([
      'CHECKPOINT_BEYOND_LOG',
      'CHECKPOINT_ROOT_MISMATCH',
      'EVENT_MISSING_FROM_LOG',
      'LEAF_MISSING',
      'SEQUENCE_GAP',
      'TREE_SIZE_MISMATCH',
    ]);
    expect(report.findings.find((f) => f.kind === 'LEAF_MISSING')).toMatchObject({ leafIndex: 12 });
    expect(report.findings.find((f) => f.kind === 'EVENT_MISSING_FROM_LOG')).toMatchObject({ eventId: events[12] });
  });

  it('names two entries that were swapped', async () => {
    const report = await replayAfter(async (tx) => {
      await tx.query('UPDATE audit.leaves SET leaf_index = -1 WHERE leaf_index = 5');
      await tx.query('UPDATE audit.leaves SET leaf_index = 5 WHERE leaf_index = 9');
      await tx.query('UPDATE audit.leaves SET leaf_index = 9 WHERE leaf_index = -1');
    });
    // proofs the log serves mix the stored nodes (computed in the true order) with the swapped leaves
    expect(kinds(report)).toEqual([
      'CHECKPOINT_INCONSISTENT',
      'CHECKPOINT_ROOT_MISMATCH',
      'LEAF_OUT_OF_ORDER',
      'SUBJECT_MAP_MISMATCH',
    ]);
    expect(report.findings.filter((f) => f.kind === 'LEAF_OUT_OF_ORDER').map((f) => f.leafIndex)).toEqual([6, 9]);
    expect(report.findings.filter((f) => f.kind === 'CHECKPOINT_ROOT_MISMATCH').map((f) => f.size)).toEqual([
      10, 15, 20,
    ]);
  });

  it('names a checkpoint whose signature was forged', async () => {
    const report = await replayAfter(async (tx) => {
      const { rows } = await tx.query<{ note: string; root: Uint8Array }>(
        'SELECT note, root FROM audit.checkpoints WHERE size = 10',
      );
      // a look-alike key with the log's name signs the genuine text
      const forger = parseSignerKey(generateNoteKey('onceonly.test/tamper').signerKey);
      const text = rows[0]!.note.slice(0, rows[0]!.note.indexOf('\n\n') + 1);
      await tx.query('UPDATE audit.checkpoints SET note = $1 WHERE size = 10', [await signNote(text, forger)]);
      // and one byte of another checkpoint's genuine signature is flipped
      const other = (await tx.query<{ note: string }>('SELECT note FROM audit.checkpoints WHERE size = 15')).rows[0]!;
      const flipped = other.note.replace(
        /(\u2014 \S+ )(.)/,
        (_m, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'),
      );
      await tx.query('UPDATE audit.checkpoints SET note = $1 WHERE size = 15', [flipped]);
    });
    expect(kinds(report)).toEqual(['CHECKPOINT_SIGNATURE_INVALID']);
    expect(report.findings.map((f) => f.size).sort()).toEqual([10, 15]);
  });

  it('names a validly signed checkpoint that is not consistent with the earlier ones', async () => {
    const report = await replayAfter(async (tx) => {
      const signer = parseSignerKey(key.signerKey);
      const forkRoot = Buffer.alloc(32, 7);
      const note = await signNote(
        formatCheckpoint({ origin: 'onceonly.test/tamper', size: 15, root: forkRoot }),
        signer,
      );
      await tx.query('UPDATE audit.checkpoints SET note = $1, root = $2 WHERE size = 15', [note, forkRoot]);
    });
    expect(kinds(report)).toEqual(['CHECKPOINT_INCONSISTENT', 'CHECKPOINT_ROOT_MISMATCH']);
    expect(report.findings.filter((f) => f.kind === 'CHECKPOINT_INCONSISTENT').map((f) => f.size)).toEqual([15, 20]);
    expect(report.findings.find((f) => f.kind === 'CHECKPOINT_ROOT_MISMATCH')).toMatchObject({ size: 15 });
  });

  it('names a validly signed checkpoint whose subject map is not the map of its leaves (SUBJECT_MAP_MISMATCH)', async () => {
    // the log itself lies about completeness: checkpoint 15 signs the genuine tree root but the map of checkpoint 10
    // (five of the subjects' entries left out), so bundles against it would verify without them
    const report = await replayAfter(async (tx) => {
      const notes = await tx.query<{ size: string; note: string; root: Uint8Array }>(
        'SELECT size, note, root FROM audit.checkpoints WHERE size IN (10, 15) ORDER BY size',
      );
      const [ten, fifteen] = notes.rows;
      const line = ten!.note.split('\n').find((l) => l.startsWith('onceonly-subject-map '))!;
      expect(fifteen!.note).not.toContain(line);
      const note = await signNote(
        formatCheckpoint({ origin: 'onceonly.test/tamper', size: 15, root: fifteen!.root, extensions: [line] }),
        parseSignerKey(key.signerKey),
      );
      await tx.query('UPDATE audit.checkpoints SET note = $1 WHERE size = 15', [note]);
    });
    expect(report.findings.map((f) => [f.kind, f.size])).toEqual([['SUBJECT_MAP_MISMATCH', 15]]);
    expect(report.ok).toBe(false);
  });

  it('names a stored interior node that was changed (proofs served from it would lie)', async () => {
    const report = await replayAfter((tx) =>
      tx.query(`UPDATE audit.nodes SET hash = sha256(hash) WHERE level = 2 AND "index" = 2`),
    );
    expect(kinds(report)).toEqual(['CHECKPOINT_INCONSISTENT']);
  });

  it('exports a subject bundle that verifies offline, and names what was changed in it', async () => {
    const { bundle, pending } = await exportBundle(databaseExportSource(db, key.verifierKey), 'holder-1', {
      sinceSize: 5,
    });
    expect(pending).toBe(0);
    expect(bundle.events.map((e) => e.event.id)).toEqual(events.filter((_, i) => i % 3 === 1));
    const clean = verifyBundle(JSON.parse(JSON.stringify(bundle)), { verifierKey: key.verifierKey });
    expect(clean).toMatchObject({ findings: [], events: 7, eventsVerified: 7, treeSize: 20, completeness: 'proven' });

    const altered = structuredClone(bundle) as typeof bundle & { events: Array<{ event: { data: string } }> };
    altered.events[2]!.event.data = Buffer.from('forged').toString('base64');
    const report = verifyBundle(altered, { verifierKey: key.verifierKey });
    // the changed body also changes the leaf that the subject's chain commits to: the map refutes the list too
    expect(report.findings.map((f) => f.kind)).toEqual(['LEAF_HASH_MISMATCH', 'PROOF_INVALID', 'CHAIN_MISMATCH']);
    expect(report.findings[0]).toMatchObject({ eventId: bundle.events[2]!.event.id });
  });
});
