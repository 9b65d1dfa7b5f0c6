import { CONTRACT_TOPICS } from '@onceonly/contracts';
import { defineTopic } from '@onceonly/events';
import { CERTIFICATE_EVENT_TYPES } from './domain/events.js';

/**
 * The topics this service owns: the one home of its `defineTopic`s. The composition root (`module.ts`) registers
 * them; the event adapters write to them.
 */

/**
 * Topic `onceonly.certificate.v1`: every fact about certificates, platform checks and online verifications, keyed by
 * the holder's subject (credit code, or `h:<keyed hash>` for a person) so that one holder's events stay in order;
 * a platform check by the platform's code. Six partitions: enough for the district's volume with room to grow
 * consumers; a year of retention so that late consumers (department systems, auditors) can catch up.
 */
export const CERTIFICATE_TOPIC = defineTopic({
  name: CONTRACT_TOPICS.certificate,
  partitions: 6,
  retentionMs: 365 * 24 * 3600 * 1000,
  owner: 'certificate',
  eventTypes: Object.values(CERTIFICATE_EVENT_TYPES),
});

/** The event types of seals. */
export const SEAL_EVENT_TYPES = {
  created: 'seal.created',
  rotated: 'seal.rotated',
  revoked: 'seal.revoked',
} as const;

/**
 * Topic `onceonly.seal.v1`: seal facts keyed by department code, so that one department's seal events stay in order.
 * Seals are few and old signatures are verified for years: every fact is kept.
 */
export const SEAL_TOPIC = defineTopic({
  name: 'onceonly.seal.v1',
  partitions: 3,
  retentionMs: -1,
  owner: 'certificate',
  eventTypes: Object.values(SEAL_EVENT_TYPES),
});

/** Every topic of the service, in registration order. */
export const CERTIFICATE_TOPICS = [CERTIFICATE_TOPIC, SEAL_TOPIC] as const;
