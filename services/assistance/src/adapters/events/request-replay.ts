import { assistanceEventsV1 as ev } from '@onceonly/contracts';
import { type Projection, type ProjectionCheck, projectionOf, type ReplayEvent } from '@onceonly/replay';
import {
  evolveRequestStatus,
  type LiveRequest,
  REQUEST_STATUS,
  type ReplayedRequest,
  type RequestReplayFact,
  requestDifferences,
} from '../../domain/replay/request-status.js';
import type { RequestStatus } from '../../domain/request.js';
import { ASSISTANCE_EVENT_TYPES as T } from '../../topics.js';
import { statusFromProto } from '../grpc/to-proto.js';

// The wire side of the assistance replay (docs/adr/005): the logged `assistance.request.*` bodies
// (proto/onceonly/assistance/v1/events.proto) decoded into the domain's replay facts. The rules are in
// `domain/replay/request-status.ts`.

/** The gRPC service the projection is compared with. */
export const ASSISTANCE_SERVICE = 'onceonly.assistance.v1.AssistanceService';

const PREFIX = 'assistance.request.';
const ALERTS: Readonly<Record<string, string>> = {
  [T.reminder]: 'reminder',
  [T.overdue]: 'overdue',
  [T.escalated]: 'escalation',
  [T.regularisationOverdue]: 'regularisation-overdue',
};

function factOf(change: string, facts: ev.RequestFacts | undefined): RequestReplayFact {
  return {
    change,
    requestId: facts?.requestId ?? '',
    status: facts ? statusFromProto(facts.status) : undefined,
    version: facts?.version ?? 0,
    dueDate: facts?.dueDate ?? '',
  };
}

/** A logged event as the fold's fact; undefined for a type the projection does not know. */
export function decodeRequestEvent(event: ReplayEvent): RequestReplayFact | 'ignore' | undefined {
  if (event.type === T.read) return 'ignore'; // a read changes nothing
  if (event.type === T.submitted) return factOf('submitted', ev.RequestSubmitted.decode(event.data).request);
  if (event.type in ALERTS) return factOf(ALERTS[event.type]!, ev.RequestDeadlineAlert.decode(event.data).request);
  if (event.type === T.personalDataPurged) {
    return factOf('personal-data-purged', ev.RequestPersonalDataPurged.decode(event.data).request);
  }
  // a request's other facts (`assistance.item.published` is the catalogue's: not a request's, never accepted)
  if (event.type.startsWith(PREFIX) && (Object.values(T) as string[]).includes(event.type)) {
    return factOf(event.type.slice(PREFIX.length), ev.RequestChanged.decode(event.data).request);
  }
  return undefined;
}

export const requestStatusProjection: Projection<ReplayedRequest> = projectionOf({
  name: REQUEST_STATUS,
  accepts: (type) => type.startsWith(PREFIX),
  decode: decodeRequestEvent,
  evolve: (state, fact) => evolveRequestStatus(state, fact),
  keyLabel: (key) => `request ${key}`,
});

/** How the replay reads the service's answer for one request (undefined: not found). */
export type RequestLookup = (
  id: string,
) => Promise<{ status: RequestStatus | undefined; version: number; dueDate: string } | undefined>;

/** The projection with the service's reader (the hub asks as the coordinator, who reads every request). */
export function requestStatusCheck(
  lookup?: RequestLookup,
  options: { skipped?: string } = {},
): ProjectionCheck<ReplayedRequest, LiveRequest> {
  return {
    projection: requestStatusProjection,
    ...(lookup === undefined
      ? { skipped: options.skipped ?? 'the assistance service was not asked' }
      : { reader: { read: (id: string) => lookup(id) } }),
    differences: (key, rebuilt, live) => requestDifferences(key, rebuilt, live),
  };
}
