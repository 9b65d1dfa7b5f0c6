/**
 * The replay's reads through the hub (StreamEntries, StreamBusEvents) over gRPC, on PostgreSQL and Kafka: an auditor
 * gets the whole log and the bus the hub re-reads, with the checkpoints that say whose bus it is; every other role is
 * refused PERMISSION_DENIED; a range past the tree or a topic the log does not read is INVALID_ARGUMENT.
 */
import { type ClientReadableStream, credentials, Metadata } from '@grpc/grpc-js';
import { auditEventsV1, auditV1 } from '@onceonly/contracts';
import type { AppError } from '@onceonly/errors';
import { fromServiceError } from '@onceonly/errors/grpc';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import { openCheckpoint, parseVerifierKey } from '@onceonly/merkle';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditHost,
  leafCount,
  registry as newRegistry,
  type Producer,
  startAuditHost,
  startProducer,
  testNoteKey,
} from './support.js';

/** Every message of a server stream, or the coded error it ended with. */
function collect<T>(stream: ClientReadableStream<T>): Promise<{ items: T[]; error?: AppError }> {
  const items: T[] = [];
  return new Promise((resolve) => {
    stream.on('data', (item: T) => items.push(item));
    stream.on('error', (err) => resolve({ items, error: fromServiceError(err as never) }));
    stream.on('end', () => resolve({ items }));
  });
}

describe('the replay streams of AuditService', () => {
  const key = testNoteKey('onceonly.test/replay-streams');
  let testDb: TestDatabase;
  let db: Database;
  let transport: EventTransport;
  let host: AuditHost;
  let producer: Producer;
  let client: auditV1.AuditServiceClient;
  const as = (role: string) => {
    const m = new Metadata();
    m.set(DEV_CALLER_HEADER, 'replay-test');
    m.set(DEV_ROLE_HEADER, role);
    return m;
  };

  beforeAll(async () => {
    testDb = await freshDatabase('audit_streams');
    db = await openDatabase({ url: testDb.url, poolSize: 6 });
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'audit-streams' });
    const registry = newRegistry();
    producer = await startProducer(db, transport, registry, 2);
    host = await startAuditHost(db, transport, registry, {
      ONCEONLY_AUDIT_NOTE_KEY: key.signerKey,
      ONCEONLY_AUDIT_CHECKPOINT_ENTRIES: '4',
      ONCEONLY_AUDIT_CHECKPOINT_MS: '200',
    });
    await producer.publish(['s1', 's2', 's3', 's4', 's5', 's6']);
    await waitFor(async () => (await leafCount(db)).leaves === 6, { timeoutMs: 30_000, message: '6 leaves' });
    await waitFor(async () => (await db.query('SELECT 1 FROM audit.checkpoints WHERE size = 6')).rowCount, {
      timeoutMs: 10_000,
      message: 'checkpoint 6',
    });
    client = new auditV1.AuditServiceClient(host.address, credentials.createInsecure());
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await host?.stop();
    await producer?.relay.stop();
    await transport?.close();
    await db?.close();
    await testDb?.drop();
  });

  it('streams every entry of the log to an auditor, in leaf order', async () => {
    const { items, error } = await collect(
      client.streamEntries({ start: '0', omitData: false, purpose: '' }, as('auditor')),
    );
    expect(error).toBeUndefined();
    const entries = items.flatMap((m) => m.entries);
    expect(entries.map((e) => Number(e.leafIndex))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(entries.every((e) => (e.event?.data.length ?? 0) > 0)).toBe(true);
  });

  it('re-reads the bus on the hub for an auditor: the log’s events, then a summary naming the hub', async () => {
    const { items, error } = await collect(client.streamBusEvents({ topics: [] }, as('auditor')));
    expect(error).toBeUndefined();
    const records = items.flatMap((m) => (m.item?.$case === 'records' ? m.item.value.records : []));
    const summary = items.at(-1)?.item;
    expect(summary?.$case).toBe('summary');
    if (summary?.$case !== 'summary') return;
    expect(summary.value).toMatchObject({ origin: 'onceonly.test/replay-streams', verifierKey: key.verifierKey });
    expect(Number(summary.value.records)).toBe(records.length);
    const ours = records.filter((r) => r.topic === producer.topic);
    expect(ours).toHaveLength(6);
    // the bus's checkpoints say whose it is: one of them opens with this log's key
    const verifier = parseVerifierKey(key.verifierKey);
    const opened = summary.value.checkpointNotes.filter((note) => {
      try {
        openCheckpoint(note, [verifier], 'onceonly.test/replay-streams');
        return true;
      } catch {
        return false;
      }
    });
    expect(opened.length).toBeGreaterThan(0);
  });

  it('records each stream as a read of the log (audit.entries-read), like every read of entries', async () => {
    const { rows } = await db.query<{ body: Buffer }>(
      `SELECT body FROM audit.outbox WHERE type = 'audit.entries-read' ORDER BY position`,
    );
    const reads = rows.map((r) => auditEventsV1.EntriesRead.decode(r.body));
    expect(reads.map((r) => r.method)).toEqual(expect.arrayContaining(['StreamEntries', 'StreamBusEvents']));
    expect(reads.find((r) => r.method === 'StreamEntries')).toMatchObject({ role: 'auditor', rangeStart: '0' });
  });

  it('refuses every role but the auditor, on both streams', async () => {
    for (const role of ['department', 'platform', 'portal']) {
      const entries = await collect(client.streamEntries({ start: '0', omitData: true, purpose: '' }, as(role)));
      expect(entries.error?.code, role).toBe('AUDIT_READ_DENIED');
      expect(entries.items).toEqual([]);
      const bus = await collect(client.streamBusEvents({ topics: [] }, as(role)));
      expect(bus.error?.code, role).toBe('AUDIT_READ_DENIED');
      expect(bus.items).toEqual([]);
    }
  });

  it('refuses a range past the tree and a topic the log does not read', async () => {
    // far past the tree, which grows with the records of these reads
    const past = await collect(
      client.streamEntries({ start: '0', end: '1000000', omitData: true, purpose: '' }, as('auditor')),
    );
    expect(past.error?.code).toBe('INVALID_ARGUMENT');
    expect(past.error?.fields.map((f) => f.field)).toEqual(['end']);
    const other = await collect(client.streamBusEvents({ topics: ['__consumer_offsets'] }, as('auditor')));
    expect(other.error?.code).toBe('INVALID_ARGUMENT');
    expect(other.error?.fields.map((f) => f.field)).toEqual(['topics']);
  });
});
