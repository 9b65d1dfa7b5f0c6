import { AppError } from '@onceonly/errors';
import type { TopicSpec } from './topics.js';
import type { EventTransport, ReceivedRecord, SubscribeOptions, Subscription } from './transport.js';

/**
 * A namespace (ONCEONLY_NAMESPACE, ADR 023): lowercase letters, digits and "-", starting with a letter, at most 20.
 * No "." or "_": Kafka treats those two as one in metric names, so `a.b` and `a_b` would collide.
 */
export const NAMESPACE_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;
/** Kafka's longest topic name. */
const MAX_TOPIC_NAME = 249;

/**
 * Checks a namespace and returns it; the empty string is the default (no namespace: today's names). CONFIG_INVALID
 * naming ONCEONLY_NAMESPACE otherwise.
 */
export function checkNamespace(namespace: string): string {
  if (namespace === '' || NAMESPACE_PATTERN.test(namespace)) return namespace;
  const description = 'lowercase letters, digits and "-", starting with a letter, at most 20';
  throw new AppError('CONFIG_INVALID', `ONCEONLY_NAMESPACE: ${JSON.stringify(namespace)} is not ${description}`, {
    details: { fields: [{ field: 'ONCEONLY_NAMESPACE', reason: 'NAMESPACE_INVALID', description }] },
  });
}

/**
 * The name on the broker of a topic or a consumer group in a namespace: `<namespace>.<name>`, or `name` itself
 * without a namespace. The one place names are prefixed; {@link withNamespace} applies it to everything.
 */
export function namespacedName(namespace: string, name: string): string {
  return namespace === '' ? name : `${checkNamespace(namespace)}.${name}`;
}

/**
 * The transport as the services of a hub in `namespace` use it. Services, the outbox, the registry, consumers,
 * inboxes, dead letters and the audit log keep speaking of the logical names (`onceonly.certificate.v1`, group
 * `onceonly-audit`); on the broker (or the embedded log) every topic it creates, publishes to, subscribes to or
 * measures, and every consumer group, is `<namespace>.<name>`. Records it delivers carry the logical topic again,
 * and so do lag reports. So two hubs with different namespaces share a broker without seeing each other's events,
 * and a service adding a topic gets its namespace without doing anything. With the empty namespace it returns
 * `transport` itself (today's names, at no cost). Closing the result closes `transport`.
 */
export function withNamespace(transport: EventTransport, namespace: string): EventTransport {
  if (checkNamespace(namespace) === '') return transport;
  const prefix = `${namespace}.`;
  const outer = (name: string) => `${prefix}${name}`;
  const inner = (name: string) => (name.startsWith(prefix) ? name.slice(prefix.length) : name);
  const received = (record: ReceivedRecord): ReceivedRecord => ({ ...record, topic: inner(record.topic) });
  const spec = (s: TopicSpec): TopicSpec => {
    const name = outer(s.name);
    if (name.length > MAX_TOPIC_NAME) {
      throw new AppError('CONFIG_INVALID', `topic ${name}: longer than ${MAX_TOPIC_NAME} characters`, {
        details: { meta: { topic: name } },
      });
    }
    return Object.freeze({
      ...s,
      name,
      ...(s.deadLetterOf === undefined ? {} : { deadLetterOf: outer(s.deadLetterOf) }),
    });
  };
  return {
    kind: transport.kind,
    publish: async (records) => transport.publish(records.map((r) => ({ ...r, topic: outer(r.topic) }))),
    subscribe(options: SubscribeOptions): Promise<Subscription> {
      const { handleBatch, onError } = options;
      return transport.subscribe({
        ...options,
        group: outer(options.group),
        topics: options.topics.map(outer),
        handle: (record, context) => options.handle(received(record), context),
        ...(handleBatch ? { handleBatch: (records, context) => handleBatch(records.map(received), context) } : {}),
        ...(onError
          ? { onError: (error, record) => onError(error, record === undefined ? undefined : received(record)) }
          : {}),
      });
    },
    lag: async (group, topics) =>
      (await transport.lag(outer(group), topics.map(outer))).map((p) => ({ ...p, topic: inner(p.topic) })),
    ensureTopics: async (specs) => transport.ensureTopics(specs.map(spec)),
    close: () => transport.close(),
  };
}
