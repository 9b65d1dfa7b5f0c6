import { AppError } from '@onceonly/errors';
import { chinaDateOf, type PlainDate } from '@onceonly/workdays';
import type { CatalogueItem } from '../domain/catalogue.js';
import type { Actor, AssistanceRequest, RequestTransition } from '../domain/request.js';
import type { AssistanceDeps } from './ports.js';

/** What a command on an existing request gets: the request, the item version it was made under, today. */
export type RequestChange = (request: AssistanceRequest, item: CatalogueItem, today: PlainDate) => RequestTransition;

/**
 * The one shape of every command on a request: read it (no lock), apply the pure transition (which checks the
 * actor, the version the caller read, the status and the input), then one transaction of two statements: the
 * update conditional on the version read, and the event. A change committed by someone else in between makes the
 * update miss: ASSIST_VERSION_CONFLICT, nothing written. A request the caller is no party to is not found.
 */
export async function actOnRequest(
  deps: AssistanceDeps,
  actor: Actor,
  id: string,
  change: RequestChange,
): Promise<AssistanceRequest> {
  const now = deps.clock();
  const current = await readRequest(deps, actor, id);
  const item = await deps.items.find(deps.db, current.itemCode, current.itemVersion);
  const { request, fact } = change(current, item, chinaDateOf(now));
  await deps.db.transaction(async (tx) => {
    if (!(await deps.requests.update(tx, request, current.version, now))) {
      throw new AppError('ASSIST_VERSION_CONFLICT', `request ${id} changed while this command ran: read it again`);
    }
    await deps.outbox.append(tx, { request, fact, actor: actor.department, at: now });
  });
  deps.relay.kick();
  return request;
}

/** A request its two departments and the coordinator may see; anyone else is told it does not exist. */
export async function readRequest(deps: AssistanceDeps, actor: Actor, id: string): Promise<AssistanceRequest> {
  const request = await deps.requests.get(deps.db, id);
  const party = request && (actor.department === request.requester || actor.department === request.provider);
  if (!request || !(party || actor.coordinator)) {
    throw new AppError('ASSIST_REQUEST_NOT_FOUND', `no assistance request ${id} for ${actor.department}`);
  }
  return request;
}
