import { HubHeartbeat } from '@onceonly/contracts';
import {
  defineEvent,
  defineTopic,
  type EventEnvelope,
  type EventTransport,
  ensureTopics,
  type TopicRegistry,
  type TopicSpec,
  toKafkaRecord,
  withSequence,
} from '@onceonly/events';
import { progress } from './progress.js';

/** The event type of the audit suite's synthetic events. */
export const AUDIT_BENCH_TYPE = 'bench.audit.recorded';

/** How many producing services the synthetic events come from: each has its own gap-free sequence. */
export const AUDIT_BENCH_SOURCES = 4;

const definitions = Array.from({ length: AUDIT_BENCH_SOURCES }, (_, k) =>
  defineEvent({
    type: AUDIT_BENCH_TYPE,
    source: `/onceonly/bench-audit-${k + 1}`,
    dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
    codec: HubHeartbeat,
  }),
);

/** Registers an `onceonly.*` test topic (3 partitions) in `registry` and creates it on the transport. */
export async function auditBenchTopic(
  transport: EventTransport,
  registry: TopicRegistry,
  name: string,
): Promise<TopicSpec> {
  const topic = defineTopic({ name, partitions: 3, owner: 'bench', eventTypes: [AUDIT_BENCH_TYPE] });
  registry.register(topic);
  await ensureTopics(transport, registry);
  return topic;
}

/**
 * `n` events as an outbox would stamp them: round robin over {@link AUDIT_BENCH_SOURCES} sources, each with the
 * gap-free sequence 1, 2, 3… (the CloudEvents `sequence` extension), over 64 subjects (the Kafka key, so one source's
 * events travel in several partitions, as in production), with a HubHeartbeat body of about `payloadBytes`.
 */
export function auditBenchEvents(n: number, payloadBytes: number): EventEnvelope[] {
  const padding = Buffer.alloc(payloadBytes, 0x5a);
  const sequences = new Array<number>(AUDIT_BENCH_SOURCES).fill(0);
  return Array.from({ length: n }, (_, i) => {
    const k = i % AUDIT_BENCH_SOURCES;
    sequences[k] = (sequences[k] ?? 0) + 1;
    const draft = definitions[k]!.make({
      subject: `holder-${i % 64}`,
      data: HubHeartbeat.fromPartial({
        instanceId: 'bench-audit',
        sentAt: new Date().toISOString(),
        counter: String(i),
        padding,
      }),
    });
    return withSequence(draft, String(sequences[k]));
  });
}

/**
 * Publishes the events with their CloudEvents headers (the Kafka binding the relay uses), in batches of 500,
 * acknowledged by the broker before this resolves.
 */
export async function publishAuditEvents(
  transport: EventTransport,
  topic: string,
  events: readonly EventEnvelope[],
): Promise<void> {
  const bar = progress('publish audit test events', events.length);
  for (let i = 0; i < events.length; i += 500) {
    const batch = events.slice(i, i + 500).map((e) => ({ topic, ...toKafkaRecord(e) }));
    await transport.publish(batch);
    bar.update(Math.min(events.length, i + 500));
  }
  bar.stop();
}
