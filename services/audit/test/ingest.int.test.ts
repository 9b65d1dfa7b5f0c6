import { HubHeartbeat } from '@onceonly/contracts';
import { createKafkaTransport, type EventTransport, toKafkaRecord, withSequence } from '@onceonly/events';
import {
  cosign,
  generateNoteKey,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from '@onceonly/merkle';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, testKafka, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLogSource } from '../src/adapters/db/replay-source.js';
import { replay } from '../src/app/replay.js';
import { leafOf } from '../src/domain/leaf.js';
import {
  type AuditHost,
  auditClient,
  leafCount,
  registry as newRegistry,
  type Producer,
  startAuditHost,
  startProducer,
  testNoteKey,
} from './support.js';

describe('the audit log on Kafka and PostgreSQL', () => {
  let testDb: TestDatabase;
  let db: Database;
  let transport: EventTransport;
  let producer: Producer;
  let host: AuditHost;
  let raw: ReturnType<ReturnType<typeof testKafka>['producer']>;
  const key = testNoteKey();
  const witness = generateNoteKey('witness.test/w1', 'cosignature/v1');
  const env = {
    ONCEONLY_AUDIT_NOTE_KEY: key.signerKey,
    ONCEONLY_AUDIT_WITNESS_KEYS: witness.verifierKey,
    ONCEONLY_AUDIT_CHECKPOINT_ENTRIES: '7',
    ONCEONLY_AUDIT_CHECKPOINT_MS: '200',
    ONCEONLY_AUDIT_GAP_GRACE_MS: '0',
  };
  const registry = newRegistry();
  const published: string[] = [];

  beforeAll(async () => {
    testDb = await freshDatabase('audit');
    db = await openDatabase({ url: testDb.url, poolSize: 8 });
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'audit-test' });
    producer = await startProducer(db, transport, registry);
    host = await startAuditHost(db, transport, registry, env);
    process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
    raw = testKafka('audit-test-raw').producer();
    await raw.connect();
  });

  afterAll(async () => {
    await raw?.disconnect();
    await host?.stop();
    await producer?.relay.stop();
    await transport?.close();
    await db?.close();
    await testDb?.drop();
  });

  async function publish(n: number, prefix: string): Promise<void> {
    for (let i = 0; i < n; i++) {
      const envelopes = await producer.publish([`${prefix}-${i % 5}`]);
      published.push(...envelopes.map((e) => e.id));
    }
  }

  async function logged(withReads = false): Promise<number> {
    return (await leafCount(db, withReads)).leaves;
  }

  it('logs every event published through an outbox exactly once, in one global order', async () => {
    await publish(20, 'subject-a');
    await waitFor(async () => (await logged()) === published.length, { timeoutMs: 30_000, message: '20 leaves' });
    const { rows } = await db.query<{ leaf_index: string; event_id: string; leaf_hash: Uint8Array }>(
      'SELECT leaf_index, event_id, leaf_hash FROM audit.leaves ORDER BY leaf_index',
    );
    expect(rows.map((r) => Number(r.leaf_index))).toEqual([...Array(published.length).keys()]);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(published));
    const head = await db.query<{ size: string; root: Uint8Array }>('SELECT size, root FROM audit.tree_head');
    expect(Number(head.rows[0]!.size)).toBe(published.length);
    expect(Buffer.from(head.rows[0]!.root)).toEqual(Buffer.from(rootOf(rows.map((r) => r.leaf_hash))));
  });

  it('signs checkpoints that verify with the published key, and serves them', async () => {
    const client = auditClient(host.address);
    try {
      const cp = await waitFor(
        async () => {
          const r = await client.getCheckpoint({});
          return Number(r.checkpoint?.size) >= published.length ? r : undefined;
        },
        { timeoutMs: 15_000, message: 'a checkpoint of every leaf' },
      );
      expect(cp!.verifierKey).toBe(key.verifierKey);
      const { checkpoint } = openCheckpoint(
        cp!.checkpoint!.signedNote,
        [parseVerifierKey(key.verifierKey)],
        'onceonly.test/audit',
      );
      expect(checkpoint.size).toBe(Number(cp!.checkpoint!.size));
      const info = await client.getLogInfo({});
      expect(info.topics).toContain(producer.topic);
      expect(info.topics).not.toContain('onceonly.audit.checkpoints.v1');
      expect((await client.getVerifierKey({})).verifierKey).toBe(key.verifierKey);
    } finally {
      client.close();
    }
  });

  it('stores a witness cosignature and serves it with the checkpoint; refuses unknown and bad ones', async () => {
    const client = auditClient(host.address);
    try {
      const { checkpoint } = await client.getCheckpoint({});
      const body = checkpoint!.signedNote.slice(0, checkpoint!.signedNote.indexOf('\n\n') + 1);
      const line = await cosign(body, parseSignerKey(witness.signerKey), Math.floor(Date.now() / 1000));
      const added = await client.addCosignature({ size: checkpoint!.size, cosignature: line });
      expect(added.checkpoint!.cosignatures).toMatchObject([{ witnessName: 'witness.test/w1' }]);
      const served = (await client.getCheckpoint({ size: checkpoint!.size })).checkpoint!;
      expect(served.signedNote.endsWith(line)).toBe(true);
      const opened = openCheckpoint(served.signedNote, [
        parseVerifierKey(key.verifierKey),
        parseVerifierKey(witness.verifierKey),
      ]);
      expect(opened.note.verified.map((v) => v.type).sort()).toEqual(['cosignature/v1', 'ed25519']);

      const stranger = generateNoteKey('witness.test/w2', 'cosignature/v1');
      const strangeLine = await cosign(body, parseSignerKey(stranger.signerKey), Math.floor(Date.now() / 1000));
      await expect(client.addCosignature({ size: checkpoint!.size, cosignature: strangeLine })).rejects.toMatchObject({
        code: 'AUDIT_WITNESS_UNKNOWN',
      });
      const otherBody = body.replace(/\n\d+\n/, '\n999999\n');
      const wrongLine = await cosign(otherBody, parseSignerKey(witness.signerKey), Math.floor(Date.now() / 1000));
      await expect(client.addCosignature({ size: checkpoint!.size, cosignature: wrongLine })).rejects.toMatchObject({
        code: 'AUDIT_COSIGNATURE_INVALID',
      });
      await expect(client.addCosignature({ size: '123456', cosignature: line })).rejects.toMatchObject({
        code: 'AUDIT_CHECKPOINT_NOT_FOUND',
      });
    } finally {
      client.close();
    }
  });

  it('serves inclusion proofs that verify against the signed checkpoint, by event id and by index', async () => {
    const client = auditClient(host.address);
    const verifier = parseVerifierKey(key.verifierKey);
    try {
      for (const id of published.slice(0, 8)) {
        const proof = await client.getInclusionProof({ purpose: '', leaf: { $case: 'eventId', value: id } });
        const { checkpoint } = openCheckpoint(proof.checkpoint!.signedNote, [verifier]);
        const event = (await client.getEvent({ purpose: '', eventId: id })).entry!.event!;
        const hash = leafOf({ ...event, data: event.data }).hash;
        expect(Buffer.from(hash)).toEqual(proof.leafHash);
        expect(verifyInclusion(hash, Number(proof.leafIndex), checkpoint.size, proof.hashes, checkpoint.root)).toBe(
          true,
        );
        const byIndex = await client.getInclusionProof({
          purpose: '',
          leaf: { $case: 'leafIndex', value: proof.leafIndex },
          // the same tree: the log's records of these reads grow it, and a newer checkpoint may come between
          treeSize: proof.treeSize,
        });
        expect(byIndex.hashes).toEqual(proof.hashes);
      }
    } finally {
      client.close();
    }
  });

  it('serves consistency proofs between checkpoints', async () => {
    const client = auditClient(host.address);
    const verifier = parseVerifierKey(key.verifierKey);
    try {
      const list = (await client.listCheckpoints({ page: { pageSize: 100, pageToken: '' } })).checkpoints;
      expect(list.length).toBeGreaterThanOrEqual(2);
      const first = openCheckpoint(list[0]!.signedNote, [verifier]).checkpoint;
      const last = openCheckpoint(list.at(-1)!.signedNote, [verifier]).checkpoint;
      const proof = await client.getConsistencyProof({
        firstSize: String(first.size),
        secondSize: String(last.size),
      });
      expect(verifyConsistency(first.size, last.size, proof.hashes, first.root, last.root)).toBe(true);
    } finally {
      client.close();
    }
  });

  it('answers INVALID_ARGUMENT with the field for bad sizes and ranges, NOT_FOUND for an unknown event', async () => {
    const client = auditClient(host.address);
    try {
      await expect(client.getEntries({ purpose: '', start: '5', end: '2', omitData: false })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        fields: [expect.objectContaining({ field: 'end' })],
      });
      await expect(client.getEntries({ purpose: '', start: '0', end: '5000', omitData: false })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(
        client.getInclusionProof({ purpose: '', leaf: { $case: 'leafIndex', value: '0' }, treeSize: '999999' }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', fields: [expect.objectContaining({ field: 'tree_size' })] });
      await expect(client.getInclusionProof({ purpose: '', leaf: undefined })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        fields: [expect.objectContaining({ field: 'leaf' })],
      });
      await expect(
        client.searchEvents({
          purpose: '',
          subject: '',
          type: '',
          source: '',
          timeFrom: 'yesterday',
          timeTo: '',
          page: { pageSize: 0, pageToken: 'bogus' },
          omitData: true,
        }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(client.getEvent({ purpose: '', eventId: 'no-such-event' })).rejects.toMatchObject({
        code: 'AUDIT_EVENT_NOT_FOUND',
      });
      // a size at which no checkpoint was signed (checkpoints come every 200 ms here, so which sizes have one depends
      // on timing: ask the log, then pick the smallest size without one)
      const list = (await client.listCheckpoints({ page: { pageSize: 100, pageToken: '' } })).checkpoints;
      const signed = new Set(
        list.map((c) => openCheckpoint(c.signedNote, [parseVerifierKey(key.verifierKey)]).checkpoint.size),
      );
      let unsigned = 1;
      while (signed.has(unsigned)) unsigned += 1;
      await expect(client.getCheckpoint({ size: String(unsigned) })).rejects.toMatchObject({
        code: 'AUDIT_CHECKPOINT_NOT_FOUND',
      });
    } finally {
      client.close();
    }
  });

  it('finds events by subject, type and source, paged', async () => {
    const client = auditClient(host.address);
    try {
      const seen: string[] = [];
      let pageToken = '';
      do {
        const page = await client.searchEvents({
          purpose: '',
          subject: 'subject-a-1',
          type: 'test.thing.happened',
          source: producer.source,
          timeFrom: '',
          timeTo: '',
          page: { pageSize: 2, pageToken },
          omitData: true,
        });
        seen.push(...page.entries.map((e) => e.event!.subject));
        pageToken = page.page?.nextPageToken ?? '';
      } while (pageToken);
      expect(seen).toEqual(['subject-a-1', 'subject-a-1', 'subject-a-1', 'subject-a-1']);
    } finally {
      client.close();
    }
  });

  it('adds no leaf for a redelivered event (same id)', async () => {
    const before = await logged();
    const { rows } = await db.query<{ headers: Record<string, string>; body: Uint8Array; key: string }>(
      `SELECT headers, body, key FROM "${producer.schema}".outbox ORDER BY position LIMIT 1`,
    );
    const row = rows[0]!;
    await raw.send({
      topic: producer.topic,
      messages: [{ key: row.key, value: Buffer.from(row.body), headers: row.headers }],
    });
    await publish(1, 'marker');
    await waitFor(async () => (await logged()) === before + 1, { timeoutMs: 20_000, message: 'the marker' });
    // the marker's partition may be another than the duplicate's: wait until the group has read everything
    await waitFor(async () => (await transport.lag(host.group, [producer.topic])).every((p) => p.lag === 0), {
      timeoutMs: 20_000,
      message: 'no lag',
    });
    expect(await leafCount(db)).toEqual({ leaves: before + 1, ids: before + 1 });
  });

  it('reports a dropped event as a gap of its source, and a reused number as a repeat', async () => {
    const source = '/onceonly/test-gaps';
    const make = (sequence: number, id: string) =>
      toKafkaRecord(
        withSequence(
          { ...producer.event.make({ subject: 'gap-subject', data: HubHeartbeat.fromPartial({}), id }), source },
          String(sequence),
        ),
      );
    const records = [make(1, 'gap-1'), make(2, 'gap-2'), make(4, 'gap-4'), make(5, 'gap-5'), make(2, 'gap-2-again')];
    for (const r of records) {
      await raw.send({
        topic: producer.topic,
        messages: [{ key: r.key, value: Buffer.from(r.value), headers: r.headers }],
      });
    }
    const client = auditClient(host.address);
    try {
      const gaps = await waitFor(
        async () => {
          const r = await client.listSequenceGaps({ source, openOnly: false, page: undefined });
          return r.gaps.length === 2 ? r : undefined;
        },
        { timeoutMs: 20_000, message: 'a gap and a repeat' },
      );
      expect(gaps!.gaps.map((g) => ({ kind: g.kind, expected: g.expected, got: g.got, eventId: g.eventId }))).toEqual([
        { kind: 'gap', expected: '3', got: '4', eventId: 'gap-4' },
        { kind: 'repeat', expected: '2', got: '2', eventId: 'gap-2-again' },
      ]);
      expect(gaps!.sources).toEqual([{ source, contiguousThrough: '2', maxSeen: '5', events: '5' }]);
      expect(gaps!.gaps[0]!.resolvedAt).toBe('');
      // every event is logged anyway
      expect((await client.getEvent({ purpose: '', eventId: 'gap-2-again' })).entry).toBeDefined();
    } finally {
      client.close();
    }
  });

  it('loses nothing and adds nothing twice when restarted mid-stream', async () => {
    const before = published.length;
    const writing = publish(40, 'restart');
    await waitFor(async () => (await logged()) > before + 5, { timeoutMs: 20_000, message: 'some of the stream' });
    await host.stop();
    await writing;
    host = await startAuditHost(db, transport, registry, env);
    const expected = published.length + 5; // the gap test's five raw events
    await waitFor(async () => (await logged()) === expected, { timeoutMs: 30_000, message: 'the whole stream' });
    expect(await leafCount(db)).toEqual({ leaves: expected, ids: expected });
    const { rows } = await db.query<{ event_id: string }>('SELECT event_id FROM audit.leaves');
    const ids = new Set(rows.map((r) => r.event_id));
    expect(published.every((id) => ids.has(id))).toBe(true);
  });

  it('replays with no divergence but the dropped event', async () => {
    const client = auditClient(host.address);
    try {
      await waitFor(async () => Number((await client.getCheckpoint({})).checkpoint?.size) === (await logged(true)), {
        timeoutMs: 15_000,
        message: 'a checkpoint of every leaf',
      });
    } finally {
      client.close();
    }
    const report = await replay({ log: databaseLogSource(db), verifierKey: key.verifierKey });
    expect(report.findings.map((f) => f.kind)).toEqual(['SEQUENCE_GAP', 'SEQUENCE_REPEAT']);
    expect(report.checkpointsVerified).toBe(report.checkpoints);
    expect(report.entries).toBe(await logged(true));
  });
});
