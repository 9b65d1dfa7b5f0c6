import { materialsEventsV1 as ev } from '@onceonly/contracts';
import { appendToOutbox, defineEvent } from '@onceonly/events';
import type { ConsentOutbox } from '../../app/consent-ports.js';
import { MATERIALS_TOPIC, CONSENT_EVENT_TYPES as T } from '../../topics.js';
import { MATERIALS_SCHEMA } from '../db/stores.js';
import { notificationToProto, pieceToProto, requestToProto } from '../grpc/consent-to-proto.js';
import { evidenceToProto } from '../grpc/to-proto.js';
import { MATERIALS_SOURCE } from './outbox.js';

const def = <B>(type: string, name: string, codec: import('@onceonly/contracts').ProtoCodec<B>) =>
  defineEvent({ type, source: MATERIALS_SOURCE, dataschema: `proto:onceonly.materials.v1.${name}`, codec });

const requested = def(T.requested, 'EvidenceRequested', ev.EvidenceRequested);
const previewed = def(T.previewed, 'EvidencePreviewed', ev.EvidencePreviewed);
const decided = {
  accepted: def(T.accepted, 'EvidenceDecided', ev.EvidenceDecided),
  rejected: def(T.rejected, 'EvidenceDecided', ev.EvidenceDecided),
  expired: def(T.expired, 'EvidenceDecided', ev.EvidenceDecided),
};
const reused = def(T.reused, 'EvidenceReused', ev.EvidenceReused);
const refused = def(T.refused, 'EvidenceRefused', ev.EvidenceRefused);
const changed = def(T.changed, 'EvidenceChanged', ev.EvidenceChanged);
const reusesRead = def(T.reusesRead, 'ReusesRead', ev.ReusesRead);

const entry = (event: Parameters<typeof appendToOutbox>[2][number]['event']) => [{ topic: MATERIALS_TOPIC, event }];

/**
 * Explicit request, preview, decision, reuse, refusal, notification and view facts → CloudEvents on
 * `onceonly.materials.v1`, keyed by the applicant's key (a credit code or the keyed hash of a citizen ID: never the
 * ID), in the change's transaction. Extension `actor`: who acted (empty for the sweep's expiry and notifications).
 */
export const sqlConsentOutbox: ConsentOutbox = {
  async requested(tx, request, actor) {
    const event = requested.make({
      subject: request.applicant.key,
      time: request.requestedAt,
      extensions: { actor },
      data: { request: requestToProto(request), actorCode: actor, occurredAt: request.requestedAt.toISOString() },
    });
    await appendToOutbox(tx, MATERIALS_SCHEMA, entry(event));
  },
  async previewed(tx, request, pieceIds, portal, at) {
    const event = previewed.make({
      subject: request.applicant.key,
      time: at,
      extensions: { actor: portal },
      data: {
        requestId: request.id,
        applicationId: request.applicationId,
        applicantKey: request.applicant.key,
        pieceIds: [...pieceIds],
        portalCode: portal,
        occurredAt: at.toISOString(),
      },
    });
    await appendToOutbox(tx, MATERIALS_SCHEMA, entry(event));
  },
  async decided(tx, request, pieces, decision, actor, at) {
    const event = decided[decision].make({
      subject: request.applicant.key,
      time: at,
      ...(actor ? { extensions: { actor } } : {}),
      data: {
        requestId: request.id,
        applicationId: request.applicationId,
        applicantKey: request.applicant.key,
        departmentCode: request.departmentCode,
        pieces: pieces.map(pieceToProto),
        actorCode: actor,
        occurredAt: at.toISOString(),
      },
    });
    await appendToOutbox(tx, MATERIALS_SCHEMA, entry(event));
  },
  async reused(tx, reuse) {
    const event = reused.make({
      subject: reuse.applicant.key,
      time: reuse.reusedAt,
      extensions: { actor: reuse.departmentCode },
      data: {
        requestId: reuse.requestId,
        pieceId: reuse.pieceId,
        applicationId: reuse.applicationId,
        departmentCode: reuse.departmentCode,
        applicantKey: reuse.applicant.key,
        legalBasis: reuse.legalBasis,
        materialCode: reuse.materialCode,
        evidence: evidenceToProto(reuse.evidence),
        occurredAt: reuse.reusedAt.toISOString(),
      },
    });
    await appendToOutbox(tx, MATERIALS_SCHEMA, entry(event));
  },
  async refused(tx, refusal, at) {
    const event = refused.make({
      subject: refusal.request.applicant.key,
      time: at,
      extensions: { actor: refusal.reader },
      data: {
        requestId: refusal.request.id,
        pieceId: refusal.pieceId,
        applicationId: refusal.request.applicationId,
        applicantKey: refusal.request.applicant.key,
        readerCode: refusal.reader,
        readerRole: refusal.role,
        code: refusal.code,
        occurredAt: at.toISOString(),
      },
    });
    await appendToOutbox(tx, MATERIALS_SCHEMA, entry(event));
  },
  async changed(tx, notification, causeEventId) {
    const event = changed.make({
      subject: notification.applicant.key,
      time: notification.notifiedAt,
      data: { notification: notificationToProto(notification), causeEventId },
    });
    await appendToOutbox(tx, MATERIALS_SCHEMA, entry(event));
  },
  async reusesRead(tx, read, at) {
    const event = reusesRead.make({
      subject: read.applicantKey,
      time: at,
      extensions: { actor: read.reader },
      data: {
        applicantKey: read.applicantKey,
        readerCode: read.reader,
        readerRole: read.role,
        reuseCount: read.count,
        occurredAt: at.toISOString(),
      },
    });
    await appendToOutbox(tx, MATERIALS_SCHEMA, entry(event));
  },
};
