import { CONTRACT_TOPICS, certificateEventsV1 as ce, type ProtoCodec } from '@onceonly/contracts';
import {
  createConsumer,
  defineEvent,
  type EventConsumer,
  type EventHandler,
  type EventTransport,
  eventHandler,
} from '@onceonly/events';
import type { Logger } from '@onceonly/kit';
import type { ConsentDeps } from '../../app/consent-ports.js';
import { notifyCertificateChange } from '../../app/notify-changes.js';
import type { CertificateChange, CertificateChangeFact } from '../../domain/consent.js';
import { statusOf } from '../certificates.js';
import { MATERIALS_SCHEMA } from '../db/stores.js';

/**
 * The DE4A subscription: the certificate service's events (`onceonly.certificate.v1`, bodies from libs/contracts;
 * services never import each other) that change a certificate an application reused: each becomes notifications of
 * the departments concerned (`notifyCertificateChange`), in the consumer's inbox transaction. Issued, verified and
 * checked events are not handled (no handler: ignored).
 */

const SOURCE = '/onceonly/certificate';

type Body = { certificate?: ce.CertificateFacts | undefined };

/** The change facts of a certificate event body, or undefined when it names no certificate. */
export function changeFact(
  change: CertificateChange,
  body: Body,
  previousCertificateId?: string,
): CertificateChangeFact | undefined {
  const facts = body.certificate;
  if (!facts || facts.certificateId === '') return undefined;
  return {
    change,
    certificateId: facts.certificateId,
    ...(previousCertificateId ? { previousCertificateId } : {}),
    typeCode: facts.typeCode,
    number: facts.number,
    status: statusOf(facts.status),
    occurredAt: facts.occurredAt ? new Date(facts.occurredAt) : new Date(0),
  };
}

/** The handlers, by CloudEvents type; `told` counts the notifications written (for logs and tests). */
export function certificateChangeHandlers(deps: ConsentDeps, told: (n: number) => void): Record<string, EventHandler> {
  const handlers: Record<string, EventHandler> = {};
  const on = <B extends Body>(
    change: CertificateChange,
    name: string,
    codec: ProtoCodec<B>,
    previous: (body: B) => string | undefined = () => undefined,
  ) => {
    const type = `certificate.${change === 'corrected' ? 'dispute-resolved' : change}`;
    const definition = defineEvent({
      type,
      source: SOURCE,
      dataschema: `proto:onceonly.certificate.v1.${name}`,
      codec,
    });
    handlers[type] = eventHandler(definition, async (body, event, tx) => {
      const found = changeFact(change, body, previous(body));
      // a corrected version is named by the dispute's outcome, the facts may name the disputed one
      const corrected = (body as { correctedCertificateId?: string }).correctedCertificateId;
      const fact = found && change === 'corrected' && corrected ? { ...found, certificateId: corrected } : found;
      // a dispute resolved without a corrected version changes nothing reused
      if (!fact || (change === 'corrected' && !fact.previousCertificateId)) return;
      told(await notifyCertificateChange(deps, tx, fact, event.id));
    });
  };
  on('suspended', 'CertificateSuspended', ce.CertificateSuspended);
  on('resumed', 'CertificateResumed', ce.CertificateResumed);
  on('revoked', 'CertificateRevoked', ce.CertificateRevoked);
  on('cancelled', 'CertificateCancelled', ce.CertificateCancelled);
  on('expired', 'CertificateExpired', ce.CertificateExpired);
  on('changed', 'CertificateChanged', ce.CertificateChanged, (b) => b.previousCertificateId || undefined);
  on('renewed', 'CertificateRenewed', ce.CertificateRenewed, (b) => b.previousCertificateId || undefined);
  on('reissued', 'CertificateReissued', ce.CertificateReissued, (b) => b.previousCertificateId || undefined);
  on('corrected', 'DisputeResolved', ce.DisputeResolved, (b) =>
    b.correctedCertificateId ? b.previousCertificateId || undefined : undefined,
  );
  return handlers;
}

/** The consumer of `onceonly.certificate.v1` (inbox in schema `materials`), in `group`, from the topic's beginning. */
export function certificateChangeConsumer(options: {
  deps: ConsentDeps;
  transport: EventTransport;
  group: string;
  log: Logger;
}): EventConsumer {
  const { deps, log } = options;
  return createConsumer({
    transport: options.transport,
    db: deps.db,
    schema: MATERIALS_SCHEMA,
    group: options.group,
    topics: [CONTRACT_TOPICS.certificate],
    handlers: certificateChangeHandlers(deps, (n) => {
      if (n > 0) log.info({ notifications: n }, 'departments told of a changed certificate');
    }),
    fromBeginning: true,
    log,
    clock: deps.clock,
  });
}
