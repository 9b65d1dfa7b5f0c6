import { type Evolved, type Finding, finding } from '@onceonly/replay';
import type { RequestStatus } from '../request.js';

/**
 * The assistance replay projection's pure fold (docs/adr/005): every request's status, version and due date rebuilt
 * from its logged `assistance.request.*` events alone, each event checked against the lifecycle's rules (which
 * status it may follow, what status it gives, that the version moves by one). The decoder is in
 * `adapters/events/request-replay.ts`.
 */

export const REQUEST_STATUS = 'assistance-request-status';

/** What the replay keeps per request. */
export interface ReplayedRequest {
  readonly status: RequestStatus;
  readonly version: number;
  readonly dueDate: string;
}

/** One logged fact: the change, and the request's facts after it as the event states them. */
export interface RequestReplayFact {
  /** `submitted`, `accepted`, …, an alert (`reminder`, …) or `personal-data-purged`. */
  readonly change: string;
  readonly requestId: string;
  readonly status: RequestStatus | undefined;
  readonly version: number;
  readonly dueDate: string;
}

const OPEN: readonly RequestStatus[] = ['submitted', 'accepted'];
const ANY: readonly RequestStatus[] = ['submitted', 'accepted', 'declined', 'answered', 'closed', 'withdrawn'];

/** Per change: the statuses it may follow, the status it gives (same: unchanged), and whether it moves the version. */
const RULES: Readonly<Record<string, { from: readonly RequestStatus[]; to: RequestStatus | 'same'; bumps: boolean }>> =
  {
    accepted: { from: ['submitted'], to: 'accepted', bumps: true },
    declined: { from: OPEN, to: 'declined', bumps: true },
    'supplement-requested': { from: OPEN, to: 'same', bumps: true },
    supplemented: { from: OPEN, to: 'same', bumps: true },
    'due-date-proposed': { from: OPEN, to: 'same', bumps: true },
    'due-date-agreed': { from: OPEN, to: 'same', bumps: true },
    reassigned: { from: OPEN, to: 'same', bumps: true },
    answered: { from: ['accepted'], to: 'answered', bumps: true },
    closed: { from: ['answered'], to: 'closed', bumps: true },
    withdrawn: { from: OPEN, to: 'withdrawn', bumps: true },
    regularised: { from: ['submitted', 'accepted', 'answered', 'declined'], to: 'same', bumps: true },
    'dispute-raised': { from: ['declined'], to: 'declined', bumps: true },
    'dispute-decided': { from: ['declined'], to: 'same', bumps: true },
    reminder: { from: OPEN, to: 'same', bumps: false },
    overdue: { from: OPEN, to: 'same', bumps: false },
    escalation: { from: OPEN, to: 'same', bumps: false },
    'regularisation-overdue': { from: ANY, to: 'same', bumps: false },
    'personal-data-purged': { from: ['closed', 'withdrawn'], to: 'same', bumps: true },
  };

/** Applies one fact; the problems are the ways the lifecycle could not have produced it. */
export function evolveRequestStatus(state: Map<string, ReplayedRequest>, fact: RequestReplayFact): Evolved {
  const key = fact.requestId;
  const problems: string[] = [];
  const before = state.get(key);
  if (fact.status === undefined) problems.push(`${fact.change}: the event states no known status`);
  if (fact.change === 'submitted') {
    if (before) problems.push('submitted again');
    if (fact.status !== 'submitted') problems.push(`submitted with status ${fact.status}`);
    if (fact.version !== 1) problems.push(`submitted at version ${fact.version}, not 1`);
  } else {
    const rule = RULES[fact.change];
    if (!rule) problems.push(`an unknown change ${fact.change}`);
    else if (!before) problems.push(`${fact.change} of a request never submitted`);
    else {
      if (!rule.from.includes(before.status)) problems.push(`${fact.change} after ${before.status}`);
      const to = rule.to === 'same' ? undefined : rule.to;
      // a dispute decision may reopen the request (accepted) or leave it declined
      const allowed = fact.change === 'dispute-decided' ? ['accepted', 'declined'] : [to ?? before.status];
      if (fact.status && !allowed.includes(fact.status))
        problems.push(`${fact.change} gave ${fact.status}, not ${allowed.join(' or ')}`);
      const version = before.version + (rule.bumps ? 1 : 0);
      if (fact.version !== version) problems.push(`${fact.change} at version ${fact.version}, not ${version}`);
    }
  }
  if (fact.status) state.set(key, { status: fact.status, version: fact.version, dueDate: fact.dueDate });
  return { problems, key };
}

/** What the service answers for a request, as the replay compares it. */
export interface LiveRequest {
  readonly status: RequestStatus | undefined;
  readonly version: number;
  readonly dueDate: string;
}

/** The differences between the rebuilt request and the service's answer, each a named finding. */
export function requestDifferences(key: string, rebuilt: ReplayedRequest, live: LiveRequest | undefined): Finding[] {
  if (!live)
    return [finding('PROJECTION_MISMATCH', `request ${key}: rebuilt from the log, unknown to the service`, { key })];
  const out: Finding[] = [];
  for (const field of ['status', 'version', 'dueDate'] as const) {
    if (rebuilt[field] !== live[field]) {
      out.push(
        finding('PROJECTION_MISMATCH', `request ${key}: ${field} differs`, {
          key,
          expected: String(rebuilt[field]),
          actual: String(live[field]),
        }),
      );
    }
  }
  return out;
}
