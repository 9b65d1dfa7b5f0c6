import { AppError } from '@onceonly/errors';

/** How the broker discards old records: by age (`delete`) or by keeping the latest per key (`compact`). */
export type CleanupPolicy = 'delete' | 'compact';

/** One topic: its name, shape and owner, and the event types that may appear on it. */
export interface TopicSpec {
  /** Kafka topic name, for example `onceonly.certificate.v1`. */
  readonly name: string;
  readonly partitions: number;
  /** How long records are kept, in milliseconds; -1 keeps them forever. */
  readonly retentionMs: number;
  /** The service that publishes on it (only the owner writes). */
  readonly owner: string;
  /** Event types published on the topic (empty for dead-letter topics, which carry `DeadLetter` records). */
  readonly eventTypes: readonly string[];
  readonly cleanupPolicy: CleanupPolicy;
  /** For a dead-letter topic: the topic whose failed records it holds. */
  readonly deadLetterOf?: string | undefined;
}

/** What {@link defineTopic} takes; `retentionMs` defaults to 7 days and `cleanupPolicy` to `delete`. */
export interface DefineTopicOptions {
  name: string;
  partitions: number;
  retentionMs?: number;
  owner: string;
  eventTypes: readonly string[];
  cleanupPolicy?: CleanupPolicy;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Dead-letter topics keep records at least this long: an operator has to look at them. */
export const DEAD_LETTER_MIN_RETENTION_MS = 30 * DAY_MS;
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Validates and freezes a topic specification; CONFIG_INVALID names the field at fault. */
export function defineTopic(options: DefineTopicOptions): TopicSpec {
  const spec: TopicSpec = {
    name: options.name,
    partitions: options.partitions,
    retentionMs: options.retentionMs ?? 7 * DAY_MS,
    owner: options.owner,
    eventTypes: Object.freeze([...options.eventTypes]),
    cleanupPolicy: options.cleanupPolicy ?? 'delete',
  };
  validateTopic(spec);
  return Object.freeze(spec);
}

/** The dead-letter topic of a topic: `<name>.dlq`. */
export function deadLetterTopicName(topic: string): string {
  return `${topic}.dlq`;
}

/** The specification of a topic's dead-letter topic: same partitions and owner, longer retention, no event types. */
export function deadLetterTopic(spec: TopicSpec): TopicSpec {
  return Object.freeze({
    name: deadLetterTopicName(spec.name),
    partitions: spec.partitions,
    retentionMs: spec.retentionMs < 0 ? -1 : Math.max(spec.retentionMs, DEAD_LETTER_MIN_RETENTION_MS),
    owner: spec.owner,
    eventTypes: Object.freeze([]),
    cleanupPolicy: 'delete',
    deadLetterOf: spec.name,
  });
}

/**
 * The topics a process knows. Registering a topic also registers its dead-letter topic; `get` of an unknown name
 * throws TOPIC_UNKNOWN.
 */
export class TopicRegistry {
  readonly #topics = new Map<string, TopicSpec>();

  constructor(specs: readonly TopicSpec[] = []) {
    for (const spec of specs) this.register(spec);
  }

  /**
   * Adds a topic and its dead-letter topic. Registering the same specification again is a no-op; a different one
   * under a known name throws CONFIG_INVALID.
   */
  register(spec: TopicSpec): this {
    validateTopic(spec);
    this.#add(spec);
    if (spec.deadLetterOf === undefined) this.#add(deadLetterTopic(spec));
    return this;
  }

  /** The topic of that name; TOPIC_UNKNOWN when none was registered. */
  get(name: string): TopicSpec {
    const spec = this.#topics.get(name);
    if (spec === undefined) {
      throw new AppError('TOPIC_UNKNOWN', `no topic ${name} is registered`, { details: { meta: { topic: name } } });
    }
    return spec;
  }

  has(name: string): boolean {
    return this.#topics.has(name);
  }

  /** Every registered topic, dead-letter topics included, in registration order. */
  all(): TopicSpec[] {
    return [...this.#topics.values()];
  }

  /** The dead-letter topic of a registered topic (TOPIC_UNKNOWN for an unknown one). */
  deadLetterOf(name: string): TopicSpec {
    return this.get(deadLetterTopicName(this.get(name).name));
  }

  /** The topics on which an event type is published. */
  topicsFor(eventType: string): TopicSpec[] {
    return this.all().filter((spec) => spec.eventTypes.includes(eventType));
  }

  #add(spec: TopicSpec): void {
    const known = this.#topics.get(spec.name);
    if (known !== undefined && !sameSpec(known, spec)) {
      throw new AppError('CONFIG_INVALID', `topic ${spec.name} is already registered with another specification`, {
        details: { meta: { topic: spec.name } },
      });
    }
    this.#topics.set(spec.name, known ?? spec);
  }
}

/** Anything that can create topics: an {@link EventTransport}. */
export interface TopicCreator {
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
}

/** Creates every registered topic that does not exist yet (existing topics are left as they are). */
export async function ensureTopics(transport: TopicCreator, registry: TopicRegistry): Promise<void> {
  await transport.ensureTopics(registry.all());
}

function validateTopic(spec: TopicSpec): void {
  const problems: { field: string; description: string }[] = [];
  if (!TOPIC_NAME.test(spec.name) || spec.name === '.' || spec.name === '..') {
    problems.push({ field: 'name', description: 'letters, digits, ".", "_" and "-", at most 249' });
  }
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1 || spec.partitions > 10_000) {
    problems.push({ field: 'partitions', description: 'an integer from 1 to 10000' });
  }
  if (!Number.isSafeInteger(spec.retentionMs) || (spec.retentionMs < 1 && spec.retentionMs !== -1)) {
    problems.push({ field: 'retentionMs', description: 'a positive number of milliseconds, or -1 for ever' });
  }
  if (spec.owner.length === 0) problems.push({ field: 'owner', description: 'the owning service is required' });
  if (spec.cleanupPolicy !== 'delete' && spec.cleanupPolicy !== 'compact') {
    problems.push({ field: 'cleanupPolicy', description: 'delete or compact' });
  }
  if (problems.length > 0) {
    const fields = problems.map((p) => ({ ...p, reason: 'TOPIC_SPEC_INVALID' }));
    throw new AppError('CONFIG_INVALID', `topic ${spec.name}: ${problems.map((p) => p.field).join(', ')} invalid`, {
      details: { fields },
    });
  }
}

function sameSpec(a: TopicSpec, b: TopicSpec): boolean {
  return (
    a.partitions === b.partitions &&
    a.retentionMs === b.retentionMs &&
    a.owner === b.owner &&
    a.cleanupPolicy === b.cleanupPolicy &&
    a.deadLetterOf === b.deadLetterOf &&
    a.eventTypes.length === b.eventTypes.length &&
    a.eventTypes.every((type) => b.eventTypes.includes(type))
  );
}
