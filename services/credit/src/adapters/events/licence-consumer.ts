import { CONTRACT_TOPICS, certificateEventsV1 as ce, certificateV1 as cv, HolderCodeType } from '@onceonly/contracts';
import {
  createConsumer,
  defineEvent,
  type EventConsumer,
  type EventHandler,
  type EventTransport,
  eventHandler,
} from '@onceonly/events';
import type { Logger } from '@onceonly/kit';
import { chinaDateOf } from '@onceonly/workdays';
import { followLicenceState, type LicenceOutcome, recordLicence, recordLicenceVersion } from '../../app/commitments.js';
import type { CreditDeps } from '../../app/ports.js';
import type { IssuedLicence, LicenceVersion } from '../../domain/commitments.js';
import type { LicenceChange, LicenceState, Subject } from '../../domain/records.js';
import { CREDIT_SCHEMA } from '../db/stores.js';

/**
 * 双公示 from the certificate service's events (`onceonly.certificate.v1`, bodies from libs/contracts: services never
 * import each other): `certificate.issued` → a `licensing` record (and a tracked commitment when granted on one);
 * `certificate.changed` and `certificate.renewed` → the new version's own `licensing` record (ADR 040); the status
 * events → the record of the version they name follows the licence's state. Per-event handlers in the consumer's batch
 * transaction (ADR 018); an event the service cannot use (another holder type, a licence it has not recorded, a
 * redelivery) is skipped and counted, never thrown, so a foreign event never splits a batch.
 */

const SOURCE = '/onceonly/certificate';
const T = {
  issued: 'certificate.issued',
  changed: 'certificate.changed',
  renewed: 'certificate.renewed',
  suspended: 'certificate.suspended',
  resumed: 'certificate.resumed',
  revoked: 'certificate.revoked',
  cancelled: 'certificate.cancelled',
  expired: 'certificate.expired',
} as const;

const STATE: Partial<Record<cv.LicenceStatus, LicenceState>> = {
  [cv.LicenceStatus.LICENCE_STATUS_VALID]: 'valid',
  [cv.LicenceStatus.LICENCE_STATUS_SUSPENDED]: 'suspended',
  [cv.LicenceStatus.LICENCE_STATUS_WITHDRAWN]: 'withdrawn',
  [cv.LicenceStatus.LICENCE_STATUS_CANCELLED]: 'cancelled',
  [cv.LicenceStatus.LICENCE_STATUS_EXPIRED]: 'expired',
  [cv.LicenceStatus.LICENCE_STATUS_REVOKED]: 'revoked',
};

const def = <T>(type: string, name: string, codec: import('@onceonly/contracts').ProtoCodec<T>) =>
  defineEvent({ type, source: SOURCE, dataschema: `proto:onceonly.certificate.v1.${name}`, codec });

/** The holder as the credit service keys it: a credit code, or a person's keyed hash and mask; else none. */
export function holderSubject(holder: cv.HolderReference | undefined): Subject | undefined {
  if (!holder) return undefined;
  if (holder.codeType === HolderCodeType.HOLDER_CODE_TYPE_USCC && holder.holderCode !== '') {
    return { kind: 'organisation', key: holder.holderCode };
  }
  if (holder.codeType === HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID && /^[0-9a-f]{64}$/.test(holder.holderKey)) {
    return { kind: 'person', key: holder.holderKey, masked: holder.holderCodeMasked };
  }
  return undefined;
}

/** A `certificate.issued` body as the licence the domain records; undefined when its holder cannot be keyed. */
export function issuedLicence(body: ce.CertificateIssued): IssuedLicence | undefined {
  const facts = body.certificate;
  const holder = holderSubject(facts?.holder);
  if (!facts || !holder) return undefined;
  return {
    certificateId: facts.certificateId,
    number: facts.number,
    name: body.name,
    typeCode: facts.typeCode,
    issuer: facts.issuerCode,
    holder,
    holderName: facts.holder?.name ?? '',
    issueDate: body.issueDate,
    validFrom: body.validFrom,
    ...(body.validTo ? { validTo: body.validTo } : {}),
    ...(body.commitment && body.commitment.postCheckDue !== ''
      ? { commitment: { postCheckDue: body.commitment.postCheckDue, terms: body.commitment.terms } }
      : {}),
  };
}

/** The day (China) of an RFC 3339 instant, or '' when it is not one (the domain then skips it as `bad-date`). */
function chinaDay(instant: string): string {
  const at = new Date(instant);
  return instant === '' || Number.isNaN(at.getTime()) ? '' : chinaDateOf(at);
}

/**
 * A `certificate.changed` or `certificate.renewed` body as the later version the domain records; undefined when its
 * holder cannot be keyed. A renewal carries its new validity; a change keeps the previous version's.
 */
export function licenceVersionOf(
  decision: LicenceChange['decision'],
  body: { certificate?: ce.CertificateFacts | undefined; previousCertificateId: string },
  validity?: { validFrom: string; validTo: string },
): LicenceVersion | undefined {
  const facts = body.certificate;
  const holder = holderSubject(facts?.holder);
  if (!facts || !holder) return undefined;
  return {
    certificateId: facts.certificateId,
    change: { decision, version: facts.version, previousCertificateId: body.previousCertificateId },
    number: facts.number,
    issuer: facts.issuerCode,
    holder,
    holderName: facts.holder?.name ?? '',
    decisionDate: chinaDay(facts.occurredAt),
    ...(validity
      ? { validity: { validFrom: validity.validFrom, ...(validity.validTo ? { validTo: validity.validTo } : {}) } }
      : {}),
  };
}

/** The handlers, by event type. `seen` counts outcomes (skips included) for logs and tests. */
export function licenceHandlers(deps: CreditDeps, seen: (outcome: LicenceOutcome, type: string) => void) {
  const handlers: Record<string, EventHandler> = {
    [T.issued]: eventHandler(def(T.issued, 'CertificateIssued', ce.CertificateIssued), async (body, event, tx) => {
      const licence = issuedLicence(body);
      seen(licence ? await recordLicence(deps, tx, licence) : { done: 'skipped', reason: 'no-subject' }, event.type);
    }),
  };
  // 双公示 of every later version's decision too: a change (变更) and a renewal (延续) are licensing decisions
  handlers[T.changed] = eventHandler(def(T.changed, 'CertificateChanged', ce.CertificateChanged), async (b, e, tx) => {
    const next = licenceVersionOf('changed', b);
    seen(next ? await recordLicenceVersion(deps, tx, next) : { done: 'skipped', reason: 'no-subject' }, e.type);
  });
  handlers[T.renewed] = eventHandler(def(T.renewed, 'CertificateRenewed', ce.CertificateRenewed), async (b, e, tx) => {
    const next = licenceVersionOf('renewed', b, b);
    seen(next ? await recordLicenceVersion(deps, tx, next) : { done: 'skipped', reason: 'no-subject' }, e.type);
  });
  const status = (
    type: string,
    name: string,
    codec: import('@onceonly/contracts').ProtoCodec<{ certificate?: ce.CertificateFacts | undefined }>,
  ) => {
    handlers[type] = eventHandler(def(type, name, codec), async (body, event, tx) => {
      const facts = body.certificate;
      const state = facts ? STATE[facts.status] : undefined;
      seen(
        facts && state
          ? await followLicenceState(deps, tx, facts.certificateId, facts.actorDepartmentCode, state)
          : { done: 'skipped', reason: 'unknown-licence' },
        event.type,
      );
    });
  };
  status(T.suspended, 'CertificateSuspended', ce.CertificateSuspended);
  status(T.resumed, 'CertificateResumed', ce.CertificateResumed);
  status(T.revoked, 'CertificateRevoked', ce.CertificateRevoked);
  status(T.cancelled, 'CertificateCancelled', ce.CertificateCancelled);
  status(T.expired, 'CertificateExpired', ce.CertificateExpired);
  return handlers;
}

/** The consumer of `onceonly.certificate.v1` (inbox in schema `credit`), in `group`, from the topic's beginning. */
export function licenceConsumer(options: {
  deps: CreditDeps;
  transport: EventTransport;
  group: string;
  log: Logger;
}): EventConsumer {
  const { deps, log } = options;
  const skipped = new Map<string, number>();
  return createConsumer({
    transport: options.transport,
    db: deps.db,
    schema: CREDIT_SCHEMA,
    group: options.group,
    topics: [CONTRACT_TOPICS.certificate],
    handlers: licenceHandlers(deps, (outcome, type) => {
      if (outcome.done !== 'skipped') return;
      const key = `${type}:${outcome.reason}`;
      skipped.set(key, (skipped.get(key) ?? 0) + 1);
      if (outcome.reason !== 'known' && outcome.reason !== 'unknown-licence') {
        log.warn({ type, reason: outcome.reason }, 'licence event skipped');
      }
    }),
    fromBeginning: true,
    log,
    clock: deps.clock,
  });
}
