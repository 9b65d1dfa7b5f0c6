import { createHash } from 'node:crypto';
import { assistanceV1 as av, assistanceEventsV1 as ev } from '@onceonly/contracts';
import { appendToOutbox, defineEvent } from '@onceonly/events';
import type { AssistanceOutbox } from '../../app/ports.js';
import type { DeadlineAlert } from '../../domain/deadlines.js';
import type { AssistanceRequest, DueProposal, RequestFact } from '../../domain/request.js';
import { ASSISTANCE_EVENT_TYPES, ASSISTANCE_TOPIC } from '../../topics.js';
import { ASSISTANCE_SCHEMA } from '../db/stores.js';
import { itemToProto, statusToProto } from '../grpc/to-proto.js';

/** CloudEvents source of every event of this service. */
export const ASSISTANCE_SOURCE = '/onceonly/assistance';

const submitted = defineEvent({
  type: ASSISTANCE_EVENT_TYPES.submitted,
  source: ASSISTANCE_SOURCE,
  dataschema: 'proto:onceonly.assistance.v1.RequestSubmitted',
  codec: ev.RequestSubmitted,
});

const TYPE_OF_FACT: Record<Exclude<RequestFact['type'], 'submitted'>, string> = {
  accepted: ASSISTANCE_EVENT_TYPES.accepted,
  declined: ASSISTANCE_EVENT_TYPES.declined,
  'supplement-requested': ASSISTANCE_EVENT_TYPES.supplementRequested,
  supplemented: ASSISTANCE_EVENT_TYPES.supplemented,
  'due-date-proposed': ASSISTANCE_EVENT_TYPES.dueDateProposed,
  'due-date-agreed': ASSISTANCE_EVENT_TYPES.dueDateAgreed,
  reassigned: ASSISTANCE_EVENT_TYPES.reassigned,
  answered: ASSISTANCE_EVENT_TYPES.answered,
  closed: ASSISTANCE_EVENT_TYPES.closed,
  withdrawn: ASSISTANCE_EVENT_TYPES.withdrawn,
  regularised: ASSISTANCE_EVENT_TYPES.regularised,
  'dispute-raised': ASSISTANCE_EVENT_TYPES.disputeRaised,
  'dispute-decided': ASSISTANCE_EVENT_TYPES.disputeDecided,
};

const changed = new Map(
  Object.entries(TYPE_OF_FACT).map(([fact, type]) => [
    fact,
    defineEvent({
      type,
      source: ASSISTANCE_SOURCE,
      dataschema: 'proto:onceonly.assistance.v1.RequestChanged',
      codec: ev.RequestChanged,
    }),
  ]),
);

const ALERT_TYPES: Record<DeadlineAlert['kind'], string> = {
  reminder: ASSISTANCE_EVENT_TYPES.reminder,
  overdue: ASSISTANCE_EVENT_TYPES.overdue,
  escalation: ASSISTANCE_EVENT_TYPES.escalated,
  'regularisation-overdue': ASSISTANCE_EVENT_TYPES.regularisationOverdue,
};

const alerts = new Map(
  Object.entries(ALERT_TYPES).map(([kind, type]) => [
    kind,
    defineEvent({
      type,
      source: ASSISTANCE_SOURCE,
      dataschema: 'proto:onceonly.assistance.v1.RequestDeadlineAlert',
      codec: ev.RequestDeadlineAlert,
    }),
  ]),
);

const readEvent = defineEvent({
  type: ASSISTANCE_EVENT_TYPES.read,
  source: ASSISTANCE_SOURCE,
  dataschema: 'proto:onceonly.assistance.v1.RequestRead',
  codec: ev.RequestRead,
});

const publishedEvent = defineEvent({
  type: ASSISTANCE_EVENT_TYPES.itemPublished,
  source: ASSISTANCE_SOURCE,
  dataschema: 'proto:onceonly.assistance.v1.ItemPublished',
  codec: ev.ItemPublished,
});

const purgedEvent = defineEvent({
  type: ASSISTANCE_EVENT_TYPES.personalDataPurged,
  source: ASSISTANCE_SOURCE,
  dataschema: 'proto:onceonly.assistance.v1.RequestPersonalDataPurged',
  codec: ev.RequestPersonalDataPurged,
});

/** SHA-256 of a record's fields as canonical JSON (sorted keys): what events carry instead of the fields. */
export function fieldsDigest(fields: Readonly<Record<string, string>>): string {
  const sorted = Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

function facts(request: AssistanceRequest, actor: string, at: Date): ev.RequestFacts {
  return {
    requestId: request.id,
    itemCode: request.itemCode,
    itemVersion: request.itemVersion,
    requesterCode: request.requester,
    providerCode: request.provider,
    status: statusToProto(request.status),
    version: request.version,
    dueDate: request.dueDate,
    actorCode: actor,
    occurredAt: at.toISOString(),
    subjectKey: request.subject?.kind === 'person' ? request.subject.key : '',
  };
}

function proposalOf(p: DueProposal): av.DueProposal {
  return { by: p.by === 'requester' ? av.Party.PARTY_REQUESTER : av.Party.PARTY_PROVIDER, date: p.date };
}

function changeBody(
  request: AssistanceRequest,
  fact: Exclude<RequestFact, { type: 'submitted' }>,
  base: ev.RequestFacts,
): ev.RequestChanged {
  const body = ev.RequestChanged.fromPartial({ request: base, change: fact.type });
  switch (fact.type) {
    case 'declined':
      return { ...body, text: fact.reasons };
    case 'supplement-requested':
      return { ...body, text: fact.question };
    case 'supplemented':
      return { ...body, pausedWorkingDays: fact.pausedWorkingDays };
    case 'due-date-proposed':
      return { ...body, dueProposal: proposalOf(fact.proposal) };
    case 'reassigned':
      return { ...body, text: fact.assignee };
    case 'answered':
      return {
        ...body,
        answerSha256: fieldsDigest(request.answer?.fields ?? {}),
        attachmentSha256: [...(request.answer?.attachments ?? [])],
        certificateIds: [...(request.answer?.certificates ?? [])],
      };
    case 'closed':
      return {
        ...body,
        rating: { timeliness: fact.rating.timeliness, effort: fact.rating.effort, comment: fact.rating.comment ?? '' },
      };
    case 'withdrawn':
    case 'dispute-raised':
      return { ...body, text: fact.reason };
    case 'dispute-decided':
      return { ...body, mustAssist: fact.ruling === 'must-assist' };
    default:
      return body;
  }
}

/**
 * Request facts → CloudEvents on `onceonly.assistance.v1`, keyed by the request id, in the change's transaction.
 * Extension `actor`: the department that acted (the audit log's read rules attribute entries by it).
 */
export const sqlAssistanceOutbox: AssistanceOutbox = {
  async append(tx, { request, fact, actor, at }) {
    const base = facts(request, actor, at);
    const extensions = actor ? { actor } : undefined;
    const event =
      fact.type === 'submitted'
        ? submitted.make({
            subject: request.id,
            time: at,
            ...(extensions ? { extensions } : {}),
            data: {
              request: base,
              caseId: request.caseId,
              legalBasis: request.legalBasis,
              purpose: request.purpose,
              urgent: request.urgent,
              regulariseBy: request.regulariseBy ?? '',
              fieldsSha256: fieldsDigest(request.fields),
            },
          })
        : changed.get(fact.type)!.make({
            subject: request.id,
            time: at,
            ...(extensions ? { extensions } : {}),
            data: changeBody(request, fact, base),
          });
    await appendToOutbox(tx, ASSISTANCE_SCHEMA, [{ topic: ASSISTANCE_TOPIC, event }]);
  },
  async alert(tx, { request, alert, at }) {
    const event = alerts.get(alert.kind)!.make({
      subject: request.id,
      time: at,
      data: { request: facts(request, '', at), alert: alert.kind, date: alert.date },
    });
    await appendToOutbox(tx, ASSISTANCE_SCHEMA, [{ topic: ASSISTANCE_TOPIC, event }]);
  },
  async read(tx, { request, reader, role, at }) {
    const event = readEvent.make({
      subject: request.id,
      time: at,
      extensions: { actor: reader },
      data: { request: facts(request, reader, at), readerCode: reader, readerRole: role },
    });
    await appendToOutbox(tx, ASSISTANCE_SCHEMA, [{ topic: ASSISTANCE_TOPIC, event }]);
  },
  async published(tx, { item, actor, at }) {
    const event = publishedEvent.make({
      subject: item.code,
      time: at,
      extensions: { actor },
      data: {
        item: itemToProto(item),
        previousVersion: item.version - 1,
        actorCode: actor,
        occurredAt: at.toISOString(),
      },
    });
    await appendToOutbox(tx, ASSISTANCE_SCHEMA, [{ topic: ASSISTANCE_TOPIC, event }]);
  },
  async purged(tx, { request, closedOn, retentionDays, at }) {
    const event = purgedEvent.make({
      subject: request.id,
      time: at,
      data: { request: facts(request, '', at), closedOn, retentionDays },
    });
    await appendToOutbox(tx, ASSISTANCE_SCHEMA, [{ topic: ASSISTANCE_TOPIC, event }]);
  },
};
