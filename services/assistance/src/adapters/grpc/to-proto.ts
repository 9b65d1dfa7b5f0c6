import { assistanceV1 as av } from '@onceonly/contracts';
import type { FieldKind, FieldSpec } from '@onceonly/fields';
import type { CatalogueItem } from '../../domain/catalogue.js';
import type { Indicators, Light } from '../../domain/indicators.js';
import type { AssistanceRequest, RequestStatus } from '../../domain/request.js';

const STATUS: Record<RequestStatus, av.RequestStatus> = {
  submitted: av.RequestStatus.REQUEST_STATUS_SUBMITTED,
  accepted: av.RequestStatus.REQUEST_STATUS_ACCEPTED,
  declined: av.RequestStatus.REQUEST_STATUS_DECLINED,
  answered: av.RequestStatus.REQUEST_STATUS_ANSWERED,
  closed: av.RequestStatus.REQUEST_STATUS_CLOSED,
  withdrawn: av.RequestStatus.REQUEST_STATUS_WITHDRAWN,
};

export function statusToProto(status: RequestStatus): av.RequestStatus {
  return STATUS[status];
}

/** The domain status of a proto status (undefined for UNSPECIFIED or unknown). */
export function statusFromProto(status: av.RequestStatus): RequestStatus | undefined {
  return (Object.entries(STATUS) as [RequestStatus, av.RequestStatus][]).find(([, p]) => p === status)?.[0];
}

const KIND = {
  execute: av.AssistanceKind.ASSISTANCE_KIND_EXECUTE,
  investigate: av.AssistanceKind.ASSISTANCE_KIND_INVESTIGATE,
  opinion: av.AssistanceKind.ASSISTANCE_KIND_OPINION,
} as const;

const FIELD_KIND: Record<FieldKind, av.FieldKind> = {
  string: av.FieldKind.FIELD_KIND_STRING,
  text: av.FieldKind.FIELD_KIND_TEXT,
  date: av.FieldKind.FIELD_KIND_DATE,
  enum: av.FieldKind.FIELD_KIND_ENUM,
  uscc: av.FieldKind.FIELD_KIND_USCC,
};

function fieldToProto(f: FieldSpec): av.FieldSpec {
  return {
    key: f.key,
    labelZh: f.labelZh,
    labelEn: f.labelEn,
    kind: FIELD_KIND[f.type],
    required: f.required,
    maxLength: f.maxLength,
    pattern: f.pattern ?? '',
    enumValues: [...(f.enumValues ?? [])],
  };
}

export function itemToProto(item: CatalogueItem): av.Item {
  return {
    code: item.code,
    version: item.version,
    nameZh: item.nameZh,
    nameEn: item.nameEn,
    kind: KIND[item.kind],
    providerCodes: [...item.providers],
    requesterCodes: item.requesters === 'any' ? [] : [...item.requesters],
    anyRequester: item.requesters === 'any',
    legalBasis: { ...item.legalBasis },
    timeLimitWorkingDays: item.timeLimitWorkingDays,
    urgentAllowed: item.urgentAllowed,
    aboutPerson: item.aboutPerson,
    requestFields: item.request.fields.map(fieldToProto),
    answerFields: item.answer.fields.map(fieldToProto),
  };
}

export function requestToProto(r: AssistanceRequest): av.Request {
  return av.Request.fromPartial({
    id: r.id,
    itemCode: r.itemCode,
    itemVersion: r.itemVersion,
    requesterCode: r.requester,
    providerCode: r.provider,
    assignee: r.assignee ?? '',
    caseId: r.caseId,
    legalBasis: r.legalBasis,
    purpose: r.purpose,
    ...(r.subject
      ? {
          subject: {
            subject:
              r.subject.kind === 'person'
                ? { $case: 'maskedCitizenId', value: r.subject.masked }
                : { $case: 'organisationCode', value: r.subject.code },
          },
        }
      : {}),
    fields: { ...r.fields },
    urgent: r.urgent,
    regulariseBy: r.regulariseBy ?? '',
    status: STATUS[r.status],
    version: r.version,
    submittedOn: r.submittedOn,
    acceptedOn: r.acceptedOn ?? '',
    dueDate: r.dueDate,
    ...(r.dueProposal
      ? {
          dueProposal: {
            by: r.dueProposal.by === 'requester' ? av.Party.PARTY_REQUESTER : av.Party.PARTY_PROVIDER,
            date: r.dueProposal.date,
          },
        }
      : {}),
    supplementQuestion: r.supplement?.question ?? '',
    supplementAskedOn: r.supplement?.askedOn ?? '',
    pausedWorkingDays: r.pausedWorkingDays,
    declineReasons: r.declineReasons ?? '',
    ...(r.answer
      ? {
          answer: {
            fields: { ...r.answer.fields },
            attachmentSha256: [...r.answer.attachments],
            certificateIds: [...r.answer.certificates],
            answeredOn: r.answer.answeredOn,
          },
        }
      : {}),
    ...(r.rating ? { rating: { ...r.rating, comment: r.rating.comment ?? '' } } : {}),
    ...(r.dispute
      ? {
          dispute: {
            raisedOn: r.dispute.raisedOn,
            reason: r.dispute.reason,
            ...(r.dispute.decision
              ? {
                  decision: {
                    mustAssist: r.dispute.decision.ruling === 'must-assist',
                    reasons: r.dispute.decision.reasons,
                    decidedOn: r.dispute.decision.decidedOn,
                  },
                }
              : {}),
          },
        }
      : {}),
    closedOn: r.closedOn ?? '',
  });
}

const LIGHT: Record<Light, av.Light> = {
  green: av.Light.LIGHT_GREEN,
  amber: av.Light.LIGHT_AMBER,
  red: av.Light.LIGHT_RED,
};

export function indicatorsToProto(group: string, i: Indicators): av.Indicators {
  const light = (l: Light | undefined) => (l ? LIGHT[l] : av.Light.LIGHT_UNSPECIFIED);
  return {
    group,
    requests: i.requests,
    hasAcceptedWithin7Days: i.acceptedWithin7Days !== undefined,
    acceptedWithin7Days: i.acceptedWithin7Days ?? 0,
    hasAverageWorkingDaysToAnswer: i.averageWorkingDaysToAnswer !== undefined,
    averageWorkingDaysToAnswer: i.averageWorkingDaysToAnswer ?? 0,
    hasAnsweredByDueDate: i.answeredByDueDate !== undefined,
    answeredByDueDate: i.answeredByDueDate ?? 0,
    hasNegativeRatings: i.negativeRatings !== undefined,
    negativeRatings: i.negativeRatings ?? 0,
    overdue: i.overdue,
    acceptedWithin7DaysLight: light(i.lights.acceptedWithin7Days),
    averageWorkingDaysToAnswerLight: light(i.lights.averageWorkingDaysToAnswer),
    negativeRatingsLight: light(i.lights.negativeRatings),
  };
}
