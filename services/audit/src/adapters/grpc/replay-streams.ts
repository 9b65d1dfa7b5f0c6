import type { ServerWritableStream } from '@grpc/grpc-js';
import type { auditV1 } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import type { EventTransport } from '@onceonly/events';
import { type CallContext, callContext, FieldCheck } from '@onceonly/kit';
import type { LogReader } from '../../app/ports.js';
import type { ReadLog } from '../../app/read-entries.js';
import type { BusRecord } from '../../app/replay.js';
import { eventAttributes } from '../../domain/leaf.js';
import { denied } from '../../domain/read-access.js';
import { transportBusSource } from '../events/bus-reader.js';
import { toEntry } from './audit-service.js';
import { readingCaller } from './read-rpcs.js';
import { text } from './validation.js';

// The replay's reads through the hub (`onceonly audit replay` against a running hub, whose database and bus the CLI
// cannot open itself: the embedded data folder is locked by the hub, an external hub's Kafka and PostgreSQL may be
// out of the auditor's reach). Streamed, for logs of millions of entries. Auditors only: this is every event of
// every party, and a read of it is an audit, not an application's query.

/** What the streaming reads serve from. */
export interface ReplayStreamDeps {
  readonly reader: LogReader;
  /** The hub's own bus (Kafka or the embedded log), re-read with a throwaway consumer group. */
  readonly transport: EventTransport;
  /** The log's own consumer group, whose offsets tell in-flight events from missing ones. */
  readonly logGroup: string;
  readonly topics: readonly string[];
  readonly origin: string;
  readonly verifierKey: string;
  /** Where the auditor's read is recorded before anything is streamed (a read that cannot be recorded fails). */
  readonly reads: ReadLog;
  readonly clock: () => Date;
}

/** Entries per read of the database, and about how many bytes go in one streamed message. */
const PAGE = 1000;
const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;
/** Bus records per streamed message. */
const RECORDS_PER_MESSAGE = 200;

/** The two server-streaming RPCs of the replay (the rest of AuditService is in `audit-service.ts`). */
export function replayStreams(
  deps: ReplayStreamDeps,
): Pick<auditV1.AuditServiceServer, 'streamEntries' | 'streamBusEvents'> {
  return {
    streamEntries: stream(
      async (call: ServerWritableStream<auditV1.StreamEntriesRequest, auditV1.StreamEntriesResponse>, context) => {
        assertAuditor(context);
        const size = (await deps.reader.head()).size;
        const { start, end, withData, purpose } = parseStreamEntries(call.request, size);
        await recordRead(deps, context, 'StreamEntries', { range: { start, end } }, purpose);
        for (let from = start; from < end; from += PAGE) {
          // never end a cut stream with OK: the replay would read a short log as entries deleted
          if (context.signal.aborted) throw new AppError('DEADLINE_EXCEEDED', `stream stopped at ${from} of ${end}`);
          const leaves = await deps.reader.entries(from, Math.min(end, from + PAGE), withData);
          for (const batch of bySize(leaves.map(toEntry))) await send(call, { entries: batch });
        }
      },
    ),
    streamBusEvents: stream(
      async (call: ServerWritableStream<auditV1.StreamBusEventsRequest, auditV1.StreamBusEventsResponse>, context) => {
        assertAuditor(context);
        const topics = parseStreamBusEvents(call.request, deps.topics);
        await recordRead(deps, context, 'StreamBusEvents', {});
        const pending: auditV1.BusRecord[] = [];
        const flush = () => {
          if (pending.length > 0) call.write({ item: { $case: 'records', value: { records: pending.splice(0) } } });
        };
        const result = await transportBusSource(deps.transport, { logGroup: deps.logGroup }).read(
          topics,
          (record) => {
            pending.push(toBusRecord(record));
            if (pending.length >= RECORDS_PER_MESSAGE) flush();
          },
          (read, total) => {
            flush();
            call.write({ item: { $case: 'progress', value: { read: String(read), total: String(total) } } });
          },
        );
        flush();
        await send(call, {
          item: {
            $case: 'summary',
            value: {
              records: String(result.records),
              malformed: String(result.malformed),
              logReadUpTo: [...(result.logReadUpTo ?? new Map<string, number>())].map(([key, offset]) => {
                const cut = key.lastIndexOf('/');
                return { topic: key.slice(0, cut), partition: Number(key.slice(cut + 1)), offset: String(offset) };
              }),
              checkpointNotes: [...(result.checkpointNotes ?? [])],
              origin: deps.origin,
              verifierKey: deps.verifierKey,
            },
          },
        });
      },
    ),
  };
}

/** The auditor's read of the whole log or bus, recorded like every read of entries (`audit.entries-read`). */
function recordRead(
  deps: ReplayStreamDeps,
  { caller }: CallContext,
  method: 'StreamEntries' | 'StreamBusEvents',
  what: { range?: { start: number; end: number } },
  given = '',
): Promise<void> {
  const replay = method === 'StreamEntries' ? 'audit replay: the stored log' : 'audit replay: the bus re-read';
  const purpose = given === '' ? replay : given;
  return deps.reads.record({
    caller: readingCaller(caller),
    method,
    ...what,
    leafIndexes: [],
    subjects: [],
    unowned: [],
    purpose,
    at: deps.clock(),
  });
}

/**
 * Only an auditor reads the whole log and the whole bus.
 * @throws AppError AUDIT_READ_DENIED (PERMISSION_DENIED) for any other role.
 */
function assertAuditor({ caller }: CallContext): void {
  if (caller.role !== 'auditor') {
    throw denied(readingCaller(caller), "the replay reads every party's events: auditors only");
  }
}

/** StreamEntries: `start` from 0, `end` (default: the tree size) within the tree. */
export function parseStreamEntries(request: auditV1.StreamEntriesRequest, size: number) {
  return FieldCheck.parse((check) => {
    const start = check.count('start', request.start, 0);
    const end = check.count('end', request.end, size);
    if (end < start) check.fail('end', 'OUT_OF_RANGE', 'must not be less than start');
    if (end > size) check.fail('end', 'OUT_OF_RANGE', `the tree has ${size} leaves`);
    const purpose = text(check, 'purpose', request.purpose);
    return { start, end, withData: !request.omitData, purpose };
  });
}

/** StreamBusEvents: only topics the log reads (default: all of them); the bus is not a general-purpose reader. */
export function parseStreamBusEvents(request: auditV1.StreamBusEventsRequest, logTopics: readonly string[]): string[] {
  return FieldCheck.parse((check) => {
    const unknown = request.topics.filter((t) => !logTopics.includes(t));
    if (unknown.length > 0)
      check.fail('topics', 'NOT_AUDITED', `not a topic the log reads: ${unknown.slice(0, 5).join(', ')}`);
    return request.topics.length === 0 ? [...logTopics] : [...new Set(request.topics)];
  });
}

function toBusRecord({ event, topic, partition, offset }: BusRecord): auditV1.BusRecord {
  return {
    topic,
    partition,
    offset,
    event: {
      ...eventAttributes(event),
      data: Buffer.from(event.data),
      dataSha256: Buffer.alloc(0),
    },
  };
}

/** Consecutive entries in messages of about {@link MAX_MESSAGE_BYTES}. */
function* bySize(entries: auditV1.Entry[]): Generator<auditV1.Entry[]> {
  let batch: auditV1.Entry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entry.canonical.length + (entry.event?.data.length ?? 0) + 256;
    if (batch.length > 0 && bytes + size > MAX_MESSAGE_BYTES) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

/** Writes one message, waiting for the client to drain when its buffer is full (a slow auditor holds no memory). */
function send<Res>(call: ServerWritableStream<unknown, Res>, message: Res): Promise<void> {
  if (call.write(message)) return Promise.resolve();
  return new Promise((resolve) => call.once('drain', resolve));
}

/**
 * Adapts an async function to a grpc-js server-streaming handler: the stream ends when it resolves; a rejection goes
 * to the kit's error mapping (the interceptor sends its code).
 */
function stream<Req, Res>(
  fn: (call: ServerWritableStream<Req, Res>, context: CallContext) => Promise<void>,
): (call: ServerWritableStream<Req, Res>) => Promise<void> {
  return async (call) => {
    await fn(call, callContext(call));
    call.end();
  };
}
