import { sealV1 } from '@onceonly/contracts';
import { appendToOutbox, defineEvent, type EventDraft } from '@onceonly/events';
import type { Queryable } from '@onceonly/store';
import type { SealEventOutbox } from '../../app/seals/ports.js';
import type { SealFact } from '../../domain/seals/seal-facts.js';
import { SEAL_EVENT_TYPES, SEAL_TOPIC } from '../../topics.js';
import { CERTIFICATE_SCHEMA } from '../db/migrations.js';
import { sealToProto } from '../grpc/seal-to-proto.js';

/**
 * Seal facts as CloudEvents on topic `onceonly.seal.v1`, keyed by department code. Bodies are the contract's `Seal`
 * messages (certificate and state, never the key). The source is separate from the certificate events' so that each
 * source's sequence stays gap-free on its own topic. They go to the `certificate` outbox, whose relay the module runs.
 */

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

/** The CloudEvent of a seal fact (subject: the department code). */
export function sealEventOf(fact: SealFact): EventDraft {
  const subject = fact.seal.departmentCode;
  // `issuer`: the department the seal signs for, so that the audit log lets that department read the entry
  const extensions = { issuer: subject };
  const time = fact.at;
  if (fact.kind === 'created')
    return SealCreated.make({ subject, time, extensions, data: sealToProto(fact.seal, time) });
  if (fact.kind === 'revoked')
    return SealRevoked.make({ subject, time, extensions, data: sealToProto(fact.seal, time) });
  const data = { seal: sealToProto(fact.seal, time), previous: sealToProto(fact.previous, time) };
  return SealRotated.make({ subject, time, extensions, data });
}

/** {@link SealEventOutbox} over the `certificate` outbox: the event commits with the change it tells. */
export const sealEventOutbox: SealEventOutbox = {
  async append(tx: Queryable, fact: SealFact): Promise<void> {
    await appendToOutbox(tx, CERTIFICATE_SCHEMA, [{ topic: SEAL_TOPIC, event: sealEventOf(fact) }]);
  },
};
