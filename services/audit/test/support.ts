/**
 * Shared pieces of the audit log's integration tests: a producer service with an outbox on a test topic, the audit
 * log started in a host of its own (database, transport, topic registry, gRPC server, lifecycle), and a client.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { auditV1, HubHeartbeat } from '@onceonly/contracts';
import { fromServiceError } from '@onceonly/errors/grpc';
import {
  appendToOutbox,
  createRelay,
  defineEvent,
  defineTopic,
  type EventDraft,
  type EventTransport,
  ensureTopics,
  type Relay,
  TopicRegistry,
  withEventTables,
} from '@onceonly/events';
import { createLogger, DEV_CALLER_HEADER, DEV_ROLE_HEADER, type Logger } from '@onceonly/kit';
import { hostModules } from '@onceonly/kit/testing';
import { generateNoteKey } from '@onceonly/merkle';
import { type Database, migrate } from '@onceonly/store';
import { uniqueTopic } from '@onceonly/testing';
import { type RunningAudit, startAudit } from '../src/module.js';

export const log: Logger = createLogger({
  level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent',
  service: 'audit-test',
});

/** A producer: its topic, event, schema with an outbox, and relay. */
export interface Producer {
  topic: string;
  source: string;
  schema: string;
  relay: Relay;
  /** Writes events in one transaction (one per subject, with these extension attributes) and kicks the relay. */
  publish(subjects: readonly string[], extensions?: Record<string, string>): Promise<EventDraft[]>;
  event: ReturnType<typeof defineEvent<HubHeartbeat>>;
}

let counter = 0;

/** Registers a test topic `onceonly.audittest-...` and starts a producer with an outbox on it. */
export async function startProducer(
  db: Database,
  transport: EventTransport,
  registry: TopicRegistry,
  partitions = 3,
): Promise<Producer> {
  counter++;
  const topic = uniqueTopic(`onceonly.audittest${counter}`);
  const source = `/onceonly/test-${topic.slice(-6)}`;
  const schema = `producer${counter}`;
  const event = defineEvent({
    type: 'test.thing.happened',
    source,
    dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
    codec: HubHeartbeat,
  });
  registry.register(defineTopic({ name: topic, partitions, owner: 'test', eventTypes: [event.type] }));
  await ensureTopics(transport, registry);
  await migrate(db, { schema, migrations: withEventTables(schema, [], { outbox: true }) });
  const relay = createRelay({ db, schema, transport, log, pollIntervalMs: 50 });
  relay.start();
  return {
    topic,
    source,
    schema,
    relay,
    event,
    async publish(subjects, extensions) {
      const envelopes = await db.transaction((tx) =>
        appendToOutbox(
          tx,
          schema,
          subjects.map((subject, i) => ({
            topic,
            event: event.make({
              subject,
              ...(extensions ? { extensions } : {}),
              data: HubHeartbeat.fromPartial({
                instanceId: subject,
                counter: String(i),
                sentAt: new Date().toISOString(),
              }),
            }),
          })),
        ),
      );
      relay.kick();
      return envelopes;
    },
  };
}

/** A running audit log in a host of its own. */
export interface AuditHost {
  audit: RunningAudit;
  address: string;
  /** The log's consumer group: one per test log, so that logs of parallel test files never share the events. */
  group: string;
  stop(): Promise<void>;
}

/** A fresh signing key for a test log. */
export function testNoteKey(origin = 'onceonly.test/audit') {
  return generateNoteKey(origin);
}

/** Starts the audit log as the hub would, with its own gRPC server on a free port and its own lifecycle. */
export async function startAuditHost(
  db: Database,
  transport: EventTransport,
  registry: TopicRegistry,
  env: Record<string, string>,
): Promise<AuditHost> {
  let audit: RunningAudit | undefined;
  const host = await hostModules({
    db,
    transport,
    topics: registry,
    log,
    dataDir: mkdtempSync(join(tmpdir(), 'audit-test-')),
    // the broker is shared by every test: each log writes its records of reads to a topic of its own
    env: { ONCEONLY_AUDIT_READS_TOPIC: readsTopicOf(env), ONCEONLY_AUDIT_GROUP: groupOf(env), ...env },
    modules: [
      {
        name: 'audit',
        async start(ctx) {
          audit = await startAudit(ctx);
        },
      },
    ],
  });
  return {
    audit: audit!,
    address: host.address,
    group: env.ONCEONLY_AUDIT_GROUP ?? groupOf(env),
    stop: async () => {
      await host.stop('test');
    },
  };
}

const readsTopics = new WeakMap<Record<string, string>, string>();
const groups = new WeakMap<Record<string, string>, string>();

/** One consumer group per test log (the same across its restarts, which pass the same `env`). */
function groupOf(env: Record<string, string>): string {
  let group = groups.get(env);
  if (group === undefined) {
    group = uniqueTopic('onceonly-audit-test');
    groups.set(env, group);
  }
  return group;
}

/** One reads topic per test log (the same across its restarts, which pass the same `env`). */
function readsTopicOf(env: Record<string, string>): string {
  let topic = readsTopics.get(env);
  if (topic === undefined) {
    topic = uniqueTopic('onceonly.audittest.reads');
    readsTopics.set(env, topic);
  }
  return topic;
}

/** A registry with nothing registered yet (the audit log reads what is registered before it starts). */
export function registry(): TopicRegistry {
  return new TopicRegistry();
}

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  callback: (err: import('@grpc/grpc-js').ServiceError | null, response: Res) => void,
) => unknown;

/** A promise-returning AuditService client with a development identity (an auditor unless told). */
export function auditClient(address: string, as: { code?: string; role?: string } = {}) {
  const client = new auditV1.AuditServiceClient(address, credentials.createInsecure());
  const metadata = () => {
    const m = new Metadata();
    m.set(DEV_CALLER_HEADER, as.code ?? 'audit-test');
    m.set(DEV_ROLE_HEADER, as.role ?? 'auditor');
    return m;
  };
  const call =
    <Req, Res>(method: Unary<Req, Res>) =>
    (request: Req): Promise<Res> =>
      new Promise((resolve, reject) =>
        method.call(client, request, metadata(), (err, res) => (err ? reject(fromServiceError(err)) : resolve(res))),
      );
  return {
    close: () => client.close(),
    getCheckpoint: call<auditV1.GetCheckpointRequest, auditV1.GetCheckpointResponse>(client.getCheckpoint),
    listCheckpoints: call<auditV1.ListCheckpointsRequest, auditV1.ListCheckpointsResponse>(client.listCheckpoints),
    getInclusionProof: call<auditV1.GetInclusionProofRequest, auditV1.GetInclusionProofResponse>(
      client.getInclusionProof,
    ),
    getConsistencyProof: call<auditV1.GetConsistencyProofRequest, auditV1.GetConsistencyProofResponse>(
      client.getConsistencyProof,
    ),
    getEntries: call<auditV1.GetEntriesRequest, auditV1.GetEntriesResponse>(client.getEntries),
    searchEvents: call<auditV1.SearchEventsRequest, auditV1.SearchEventsResponse>(client.searchEvents),
    getEvent: call<auditV1.GetEventRequest, auditV1.GetEventResponse>(client.getEvent),
    getSubjectMapProof: call<auditV1.GetSubjectMapProofRequest, auditV1.GetSubjectMapProofResponse>(
      client.getSubjectMapProof,
    ),
    addCosignature: call<auditV1.AddCosignatureRequest, auditV1.AddCosignatureResponse>(client.addCosignature),
    getVerifierKey: call<auditV1.GetVerifierKeyRequest, auditV1.GetVerifierKeyResponse>(client.getVerifierKey),
    getLogInfo: call<auditV1.GetLogInfoRequest, auditV1.GetLogInfoResponse>(client.getLogInfo),
    listSequenceGaps: call<auditV1.ListSequenceGapsRequest, auditV1.ListSequenceGapsResponse>(client.listSequenceGaps),
  };
}

/**
 * The number of leaves, and of distinct event ids, in the log; without the log's records of the tests' own reads
 * (`audit.entries-read`, which arrive whenever a test reads entries) unless `withReads`.
 */
export async function leafCount(db: Database, withReads = false): Promise<{ leaves: number; ids: number }> {
  const { rows } = await db.query<{ leaves: number; ids: number }>(
    `SELECT count(*)::int AS leaves, count(DISTINCT event_id)::int AS ids FROM audit.leaves
     ${withReads ? '' : "WHERE source <> '/onceonly/audit/reads'"}`,
  );
  return rows[0]!;
}
