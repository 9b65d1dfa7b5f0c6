import type { assistanceV1 as av } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { type Caller, unary } from '@onceonly/kit';
import { actOnRequest, type RequestChange } from '../../app/act-on-request.js';
import type { AssistanceDeps } from '../../app/ports.js';
import { publishItemCase } from '../../app/publish-item.js';
import { asSeenBy, getRequestCase, indicatorsCase, listRequestsCase } from '../../app/read-requests.js';
import { submitRequestCase } from '../../app/submit-request.js';
import * as requests from '../../domain/request.js';
import {
  assertDepartment,
  pageTokenOf,
  parseActing,
  parseAnswer,
  parseClose,
  parseDecideDispute,
  parseGetItem,
  parseGetRequest,
  parseIndicators,
  parseList,
  parseProposeDueDate,
  parsePublishItem,
  parseReassign,
  parseSubmit,
  parseSupply,
  parseWithText,
} from './assistance-requests.js';
import { indicatorsToProto, itemToProto, requestToProto } from './to-proto.js';

/** The handlers of AssistanceService: parse, run the use case, map the result. */
export function assistanceHandlers(deps: AssistanceDeps, coordinatorCode: string): av.AssistanceServiceServer {
  const actorOf = (caller: Caller): requests.Actor => {
    assertDepartment(caller.role);
    return {
      department: caller.departmentCode,
      ...(caller.departmentCode === coordinatorCode ? { coordinator: true } : {}),
    };
  };
  /** A command on a request: the transition gets the checked command with the actor and the version read. */
  const command = <
    Req extends { id: string; expectedVersion: number },
    P extends { id: string; expectedVersion: number },
  >(
    parse: (request: Req) => P,
    change: (parsed: P & { actor: requests.Actor }, deps: AssistanceDeps) => RequestChange,
  ) =>
    unary<Req, { request: av.Request }>(async (request, { caller }) => {
      const actor = actorOf(caller);
      const parsed = { ...parse(request), actor };
      const changed = await actOnRequest(deps, actor, parsed.id, change(parsed, deps));
      return { request: requestToProto(asSeenBy(changed, actor)) };
    });
  return {
    listItems: unary(async (request, { caller }) => {
      actorOf(caller);
      const all = await deps.items.all(deps.db);
      const latest = request.allVersions ? all : [...new Map(all.map((i) => [i.code, i])).values()];
      return { items: latest.map(itemToProto) };
    }),
    getItem: unary(async (request, { caller }) => {
      actorOf(caller);
      const { code, version } = parseGetItem(request);
      return { item: itemToProto(await deps.items.find(deps.db, code, version)) };
    }),
    publishItem: unary(async (request, { caller }) => {
      // the keeper's role first: nobody else learns what the definition's checks would say
      const actor = actorOf(caller);
      if (!actor.coordinator) {
        throw new AppError('ASSIST_NOT_COORDINATOR', 'only the coordinator (the catalogue keeper) publishes items');
      }
      const item = await publishItemCase(deps, { actor, ...parsePublishItem(request) });
      return { item: itemToProto(item) };
    }),
    submitRequest: unary(async (request, { caller }) => {
      const actor = actorOf(caller);
      const result = await submitRequestCase(deps, parseSubmit(request, actor));
      return { request: requestToProto(asSeenBy(result.request, actor)), replayed: result.replayed };
    }),
    getRequest: unary(async (request, { caller }) => {
      // an auditor reads any request as the coordinator does (without the answer's fields), and changes none
      const actor =
        caller.role === 'auditor' ? { department: caller.departmentCode, coordinator: true } : actorOf(caller);
      const role = caller.role === 'auditor' ? 'auditor' : 'coordinator';
      return { request: requestToProto(await getRequestCase(deps, actor, parseGetRequest(request).id, role)) };
    }),
    listInbox: unary(async (request, { caller }) => {
      const page = await listRequestsCase(deps, { actor: actorOf(caller), side: 'provider', ...parseList(request) });
      return { requests: page.requests.map(requestToProto), nextPageToken: pageTokenOf(page.next) };
    }),
    listOutbox: unary(async (request, { caller }) => {
      const page = await listRequestsCase(deps, { actor: actorOf(caller), side: 'requester', ...parseList(request) });
      return { requests: page.requests.map(requestToProto), nextPageToken: pageTokenOf(page.next) };
    }),
    acceptRequest: command(parseActing, (c) => (r, _item, today) => requests.accept(r, c, today)),
    declineRequest: command(
      (r: av.DeclineRequestRequest) => parseWithText(r, 'reasons', r.reasons),
      (c) => (r) => requests.decline(r, { ...c, reasons: c.text }),
    ),
    requestSupplement: command(
      (r: av.RequestSupplementRequest) => parseWithText(r, 'question', r.question),
      (c) => (r, _item, today) => requests.requestSupplement(r, { ...c, question: c.text }, today),
    ),
    supplyRequest: command(
      parseSupply,
      (c, d) => (r, item, today) => requests.supplement(r, item, c, today, d.calendar),
    ),
    proposeDueDate: command(
      parseProposeDueDate,
      (c, d) => (r, item, today) => requests.proposeDueDate(r, item, c, today, d.calendar),
    ),
    agreeDueDate: command(parseActing, (c) => (r) => requests.agreeDueDate(r, c)),
    reassignRequest: command(parseReassign, (c) => (r) => requests.reassign(r, c)),
    answerRequest: command(parseAnswer, (c) => (r, item, today) => requests.answer(r, item, c, today)),
    closeRequest: command(parseClose, (c) => (r, _item, today) => requests.close(r, c, today)),
    withdrawRequest: command(
      (r: av.WithdrawRequestRequest) => parseWithText(r, 'reason', r.reason),
      (c) => (r, _item, today) => requests.withdraw(r, { ...c, reason: c.text }, today),
    ),
    regulariseRequest: command(parseActing, (c) => (r) => requests.regularise(r, c)),
    raiseDispute: command(
      (r: av.RaiseDisputeRequest) => parseWithText(r, 'reason', r.reason),
      (c) => (r, _item, today) => requests.raiseDispute(r, { ...c, reason: c.text }, today),
    ),
    decideDispute: command(
      parseDecideDispute,
      (c, d) => (r, item, today) => requests.decideDispute(r, item, c, today, d.calendar),
    ),
    getIndicators: unary(async (request, { caller }) => {
      const actor = actorOf(caller);
      const { groups, asOf } = await indicatorsCase(deps, { actor, ...parseIndicators(request) });
      return { indicators: [...groups].map(([group, i]) => indicatorsToProto(group, i)), asOf };
    }),
  };
}
