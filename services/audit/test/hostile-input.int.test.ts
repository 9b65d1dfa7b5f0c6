/**
 * Hostile input at the edge of the audit service, sent through gRPC to the log on PostgreSQL: every case answers a
 * coded error (status, ErrorInfo reason, field) and writes nothing. Raw bytes go through a raw client.
 */
import { status } from '@grpc/grpc-js';
import { auditV1 } from '@onceonly/contracts';
import type { AppError } from '@onceonly/errors';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { computeCitizenIdCheck } from '@onceonly/ids';
import { type ExpectedRefusal, oversizedRequest, refusalOf, refusedRawCall, withRawBytes } from '@onceonly/kit/testing';
import { generateNoteKey } from '@onceonly/merkle';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditHost, auditClient, registry as newRegistry, startAuditHost, testNoteKey } from './support.js';

const STRAY_ID = `11010119850612703${computeCitizenIdCheck('11010119850612703')}`;
const SEARCH = '/onceonly.audit.v1.AuditService/SearchEvents';
// the outbox too: a refused read records no `audit.entries-read`
const TABLES = ['leaves', 'nodes', 'checkpoints', 'cosignatures', 'gaps', 'source_sequences', 'outbox'];

/** A SearchEvents request whose subject is `bytes`, byte for byte. */
function searchWithRawSubject(bytes: Buffer): Buffer {
  return withRawBytes(
    (subject) => auditV1.SearchEventsRequest.encode(auditV1.SearchEventsRequest.fromPartial({ subject })).finish(),
    bytes,
  );
}

describe('hostile input at the audit service edge', () => {
  let testDb: TestDatabase;
  let db: Database;
  let transport: EventTransport;
  let host: AuditHost;
  let client: ReturnType<typeof auditClient>;
  const env = {
    ONCEONLY_AUDIT_NOTE_KEY: testNoteKey().signerKey,
    ONCEONLY_AUDIT_WITNESS_KEYS: generateNoteKey('witness.test/w1', 'cosignature/v1').verifierKey,
    ONCEONLY_AUDIT_CHECKPOINT_MS: '60000',
  };

  beforeAll(async () => {
    testDb = await freshDatabase('audit');
    db = await openDatabase({ url: testDb.url });
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'audit-hostile-test' });
    host = await startAuditHost(db, transport, newRegistry(), env);
    client = auditClient(host.address);
  });

  afterAll(async () => {
    client?.close();
    await host?.stop();
    await transport?.close();
    await db?.close();
    await testDb?.drop();
  });

  async function counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of TABLES) {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit.${table}`);
      out[table] = rows[0]!.n;
    }
    return out;
  }

  /** Sends raw bytes as a SearchEvents request. */
  const rawSearch = (bytes: Buffer) => refusedRawCall(host.address, SEARCH, bytes, { code: 'audit-test' });

  async function refused(call: Promise<unknown>): Promise<AppError> {
    try {
      await call;
    } catch (err) {
      return err as AppError;
    }
    throw new Error('expected the call to be refused');
  }

  const search = (request: Partial<auditV1.SearchEventsRequest>) => () =>
    refused(client.searchEvents(auditV1.SearchEventsRequest.fromPartial(request)));
  const text = (field: string, reason: string) => ({
    status: status.INVALID_ARGUMENT,
    code: 'TEXT_INVALID',
    field,
    reason,
  });
  const time = (field: string) => ({
    status: status.INVALID_ARGUMENT,
    code: 'INVALID_ARGUMENT',
    field,
    reason: 'NOT_RFC3339',
  });

  const cases: [string, () => Promise<AppError>, ExpectedRefusal][] = [
    ['a NUL byte in a search subject', search({ subject: 'cert\u0000-1' }), text('subject', 'CONTROL_CHARACTER')],
    [
      'invalid UTF-8 bytes sent raw in a search subject',
      () => rawSearch(searchWithRawSubject(Buffer.from([0x63, 0xc3, 0x28, 0x31]))),
      text('subject', 'INVALID_UTF8'),
    ],
    [
      'a right-to-left override in a source',
      search({ source: '/onceonly/\u202eetacifitrec' }),
      text('source', 'BIDI_CONTROL'),
    ],
    ['an ESC sequence in a type', search({ type: 'certificate.\u001b[2Jissued' }), text('type', 'CONTROL_CHARACTER')],
    [
      'a zero-width joiner in an event id',
      () => refused(client.getEvent({ purpose: '', eventId: 'evt\u200d-1' })),
      text('event_id', 'INVISIBLE_CHARACTER'),
    ],
    ['a BOM in a search subject', search({ subject: '\ufeffcert-1' }), text('subject', 'INVISIBLE_CHARACTER')],
    ['a search subject not in NFC', search({ subject: 'Cafe\u0301' }), text('subject', 'NOT_NFC')],
    [
      'a search subject over 1,024 characters',
      search({ subject: 'x'.repeat(1025) }),
      { status: status.INVALID_ARGUMENT, code: 'INVALID_ARGUMENT', field: 'subject', reason: 'TOO_LONG' },
    ],
    [
      'a citizen ID as a search subject (subjects never carry one in clear)',
      search({ subject: STRAY_ID }),
      { status: status.INVALID_ARGUMENT, code: 'PERSONAL_DATA_IN_TEXT', field: 'subject', reason: 'CITIZEN_ID' },
    ],
    [
      'a citizen ID in the purpose of a read (the purpose is logged)',
      search({ subject: 'cert-1', purpose: `checking ${STRAY_ID}` }),
      { status: status.INVALID_ARGUMENT, code: 'PERSONAL_DATA_IN_TEXT', field: 'purpose', reason: 'CITIZEN_ID' },
    ],
    [
      'a right-to-left override in the purpose of an event read',
      () => refused(client.getEvent({ purpose: 'audit \u202ekcehc', eventId: 'evt-1' })),
      text('purpose', 'BIDI_CONTROL'),
    ],
    [
      'a NUL byte in a cosignature',
      () => refused(client.addCosignature({ size: '1', cosignature: '— witness.test/w1 \u0000AAAA' })),
      text('cosignature', 'CONTROL_CHARACTER'),
    ],
    ['a date that does not exist (2027-02-30)', search({ timeFrom: '2027-02-30T00:00:00Z' }), time('time_from')],
    ['a time without an offset', search({ timeTo: '2027-01-15T08:00:00' }), time('time_to')],
    [
      'a message that does not decode (a field running past the end)',
      () => rawSearch(Buffer.from([0x0a, 0x40, 0x41])),
      { status: status.INVALID_ARGUMENT, code: 'REQUEST_MALFORMED', field: 'request', reason: 'TRUNCATED' },
    ],
    [
      'a message over the 4 MiB receive limit',
      () => rawSearch(oversizedRequest(4 * 1024 * 1024 + 64)),
      { status: status.RESOURCE_EXHAUSTED, code: 'REQUEST_TOO_LARGE', field: 'request', reason: 'TOO_LARGE' },
    ],
    [
      'a protobuf field number 0',
      () => rawSearch(Buffer.from([0x0a, 0x01, 0x61, 0x00, 0x01])),
      { status: status.INVALID_ARGUMENT, code: 'REQUEST_MALFORMED', field: 'request', reason: 'FIELD_NUMBER_ZERO' },
    ],
  ];

  it.each(cases)('refuses %s with a coded error and writes nothing', async (_name, send, expected) => {
    const before = await counts();
    const err = await send();
    expect(refusalOf(err, expected.field)).toEqual(expected);
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain(STRAY_ID);
    expect(await counts()).toEqual(before);
  });

  it('still answers a well-formed search', async () => {
    const found = await client.searchEvents(
      auditV1.SearchEventsRequest.fromPartial({ subject: 'cert-1', timeFrom: '2025-03-10T08:00:00+08:00' }),
    );
    expect(found.entries).toEqual([]);
  });
});
