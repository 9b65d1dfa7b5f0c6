import { sealV1 } from '@onceonly/contracts';
import { appendToOutbox, defineEvent, defineTopic, type EventDraft } from '@onceonly/events';
import type { Queryable } from '@onceonly/store';

/**
 * Seal facts on their own topic `onceonly.seal.v1`, keyed by department code so that one department's seal events
 * stay in order. Bodies are the contract's `Seal` messages (certificate and state, never the key). The source is
 * separate from the certificate events' so that each source's sequence stays gap-free on its own topic.
 */

/** The schema whose outbox carries seal events (the certificate service's). */
export const SEAL_SCHEMA = 'certificate';

export const SEAL_EVENT_TYPES = {
  created: 'seal.created',
  rotated: 'seal.rotated',
  revoked: 'seal.revoked',
} as const;

export const SEAL_TOPIC = defineTopic({
  name: 'onceonly.seal.v1',
  partitions: 3,
  // Seals are few and old signatures are verified for years: keep every fact.
  retentionMs: -1,
  owner: 'certificate',
  eventTypes: Object.values(SEAL_EVENT_TYPES),
});

const SOURCE = '/onceonly/certificate/seals';

/** seal.created: body `onceonly.certificate.v1.Seal`, the new seal. */
export const SealCreated = defineEvent({
  type: SEAL_EVENT_TYPES.created,
  source: SOURCE,
  dataschema: 'proto:onceonly.certificate.v1.Seal',
  codec: sealV1.Seal,
});

/** seal.rotated: body `onceonly.certificate.v1.RotateSealResponse`, the new seal and the one it replaced. */
export const SealRotated = defineEvent({
  type: SEAL_EVENT_TYPES.rotated,
  source: SOURCE,
  dataschema: 'proto:onceonly.certificate.v1.RotateSealResponse',
  codec: sealV1.RotateSealResponse,
});

/** seal.revoked: body `onceonly.certificate.v1.Seal`, with its compromise time and reason. */
export const SealRevoked = defineEvent({
  type: SEAL_EVENT_TYPES.revoked,
  source: SOURCE,
  dataschema: 'proto:onceonly.certificate.v1.Seal',
  codec: sealV1.Seal,
});

/** Writes a seal event to the certificate outbox, inside the caller's transaction (with the change it tells). */
export async function recordSealEvent(tx: Queryable, event: EventDraft): Promise<void> {
  await appendToOutbox(tx, SEAL_SCHEMA, [{ topic: SEAL_TOPIC, event }]);
}
