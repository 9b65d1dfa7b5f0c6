/**
 * @onceonly/events: the event backbone. CloudEvents envelopes with protobuf bodies in Kafka headers, a topic
 * registry, a transactional outbox and its relay, consumers with inbox de-duplication, retries and dead letters,
 * over one transport port with two adapters: Apache Kafka (kafkajs) and the embedded log (a table).
 */
export {
  CAUSATION_EXTENSION,
  causationOf,
  currentCausation,
  withCausation,
  withCurrentCause,
} from './causation.js';
export {
  type BatchHandler,
  type BatchItem,
  type ConsumerOptions,
  type ConsumerStats,
  createConsumer,
  type EventConsumer,
  type EventHandler,
  eventHandler,
} from './consumer.js';
export {
  createEmbeddedTransport,
  type EmbeddedTransport,
  type EmbeddedTransportOptions,
} from './embedded-transport.js';
export {
  type DefineEventOptions,
  defineEvent,
  type EventDefinition,
  type EventDraft,
  type EventEnvelope,
  type MakeEventInput,
  PROTOBUF_CONTENT_TYPE,
  SPEC_VERSION,
  validateDraft,
  validateEnvelope,
  withSequence,
} from './envelope.js';
export {
  CE_HEADERS,
  fromKafkaRecord,
  type IncomingKafkaRecord,
  type KafkaRecord,
  type RecordHeaders,
  toKafkaRecord,
} from './headers.js';
export {
  claimInbox,
  claimInboxBatch,
  type InboxClaim,
  type InboxOrigin,
  inboxContains,
} from './inbox.js';
export type { Backoff } from './internal.js';
export { partitionFor } from './internal.js';
export { createKafkaTransport, type KafkaTransport, type KafkaTransportOptions } from './kafka-transport.js';
export { type LiveConsumer, type LiveOutbox, liveConsumers, liveOutboxes } from './live.js';
export {
  EVENTS_MIGRATION_VERSIONS,
  eventLogMigrations,
  inboxMigrations,
  installInbox,
  installOutbox,
  outboxMigrations,
  withEventTables,
} from './migrations.js';
export { checkNamespace, NAMESPACE_PATTERN, namespacedName, withNamespace } from './namespace.js';
export {
  appendToOutbox,
  type OutboxBacklog,
  type OutboxEntry,
  type OutboxStatement,
  outboxBacklog,
  outboxInsertStatements,
  queryWithEvents,
} from './outbox.js';
export {
  createRelay,
  type PublishedEvent,
  type Relay,
  type RelayOptions,
  type RelayState,
  type RelayStatus,
} from './relay.js';
export {
  type EventTableSchemas,
  findEventTables,
  type InboxKeep,
  type InboxTopicStatus,
  inboxKeepMs,
  inboxRetention,
  inboxRetentionStatus,
  KAFKA_SEGMENT_SLACK_MS,
  type OutboxSourceStatus,
  outboxRetentionStatus,
  PRUNE_BATCH_ROWS,
  type PruneOptions,
  pruneInbox,
  pruneOutbox,
} from './retention.js';
export { type StartRelayOptions, type StopHooks, startOutboxRelay } from './start-relay.js';
export {
  type CleanupPolicy,
  DEAD_LETTER_MIN_RETENTION_MS,
  type DefineTopicOptions,
  deadLetterTopic,
  deadLetterTopicName,
  defineTopic,
  ensureTopics,
  type TopicCreator,
  TopicRegistry,
  type TopicSpec,
} from './topics.js';
export {
  currentTraceparent,
  type EventSpan,
  type EventTracer,
  eventTracer,
  installEventTracer,
  traceEach,
  traceHandler,
} from './tracing.js';
export {
  type DeliveryContext,
  type EventTransport,
  type OutgoingRecord,
  type PartitionLag,
  type ReceivedRecord,
  type SubscribeOptions,
  type Subscription,
  totalLag,
} from './transport.js';
