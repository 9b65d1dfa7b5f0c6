import { invalid } from '@onceonly/errors';
import { chinaDateOf, isPlainDate, type PlainDate } from '@onceonly/workdays';
import { type Indicators, indicatorsBy } from '../domain/indicators.js';
import { type Actor, type AssistanceRequest, mayRead } from '../domain/request.js';
import { readRequest } from './act-on-request.js';
import type { AssistanceDeps, ListQuery, PageCursor } from './ports.js';

/** A request as its reader may see it: the answer's fields are the two departments' only (not the coordinator's). */
export function asSeenBy(request: AssistanceRequest, actor: Actor): AssistanceRequest {
  if (mayRead(request, actor).answer || request.answer === undefined) return request;
  return { ...request, answer: { ...request.answer, fields: {} } };
}

/**
 * One request. A reader who is neither of its departments (the coordinator, an auditor) is answered only once the
 * read is recorded (`assistance.request.read`, then logged by the audit service): a read that cannot be recorded
 * fails.
 */
export async function getRequestCase(
  deps: AssistanceDeps,
  actor: Actor,
  id: string,
  role: 'coordinator' | 'auditor' = 'coordinator',
): Promise<AssistanceRequest> {
  const request = await readRequest(deps, actor, id);
  if (actor.department !== request.requester && actor.department !== request.provider) {
    const at = deps.clock();
    await deps.db.transaction((tx) => deps.outbox.read(tx, { request, reader: actor.department, role, at }));
    deps.relay.kick();
  }
  return asSeenBy(request, actor);
}

export interface ListInput {
  readonly actor: Actor;
  readonly side: 'provider' | 'requester';
  readonly statuses: ListQuery['statuses'];
  readonly itemCode?: string;
  readonly overdueOnly: boolean;
  readonly pageSize: number;
  readonly after?: PageCursor;
}

/** The caller's inbox (requests it provides) or outbox (requests it made), newest first. */
export async function listRequestsCase(
  deps: AssistanceDeps,
  input: ListInput,
): Promise<{ requests: AssistanceRequest[]; next?: PageCursor }> {
  const page = await deps.requests.list(deps.db, {
    side: input.side,
    department: input.actor.department,
    statuses: input.statuses,
    ...(input.itemCode ? { itemCode: input.itemCode } : {}),
    ...(input.overdueOnly ? { overdueBefore: chinaDateOf(deps.clock()) } : {}),
    pageSize: input.pageSize,
    ...(input.after ? { after: input.after } : {}),
  });
  return { ...page, requests: page.requests.map((r) => asSeenBy(r, input.actor)) };
}

/** Indicators by provider, requester or item: of the caller's own requests, or of every request for the coordinator. */
export async function indicatorsCase(
  deps: AssistanceDeps,
  input: { actor: Actor; grouping: 'provider' | 'requester' | 'itemCode'; from?: string; to?: string },
): Promise<{ groups: Map<string, Indicators>; asOf: PlainDate }> {
  const today = chinaDateOf(deps.clock());
  const department = input.actor.coordinator ? undefined : input.actor.department;
  const from = input.from ? parseDate(input.from, 'from') : undefined;
  const to = input.to ? parseDate(input.to, 'to') : undefined;
  const requests = await deps.requests.forIndicators(deps.db, department, from, to);
  return { groups: indicatorsBy(requests, input.grouping, today, deps.calendar), asOf: today };
}

function parseDate(value: string, field: string): PlainDate {
  if (isPlainDate(value)) return value;
  throw invalid('INVALID_ARGUMENT', [{ field, reason: 'DATE', description: 'a date, YYYY-MM-DD' }]);
}
