import type { Evolved } from '@onceonly/replay';
import { DISPUTE_RULES } from '../dispute.js';
import { CERTIFICATE_EVENT_TYPES as T } from '../events.js';
import { LicenceStatus, STATUS_NAMES } from '../lifecycle-codes.js';
import { NEW_VERSION_RULES } from '../new-versions.js';
import { REVOCATION_STATUS, STATUS_CHANGE_RULES } from '../status-changes.js';

/**
 * The certificate status replay, pure: from the certificate's own domain facts alone, the version, status and
 * successor of every certificate version the facts mention, keyed by certificate id (docs/adr/005). The rules are
 * the transitions' own tables (`STATUS_CHANGE_RULES`, `NEW_VERSION_RULES`, `DISPUTE_RULES`): issue → 01; a status
 * change from the statuses its rule allows to the status it gives (a revocation by its kind: 03 or 07); a dispute
 * keeps the status; change, renewal, reissue and a dispute's correction make a new version (version + 1, a new id,
 * status 01) of a valid one, and the old version becomes 99 with `supersededById` the new one. An industry licence is
 * issued like any certificate; its components are each a key of their own. The status is the recorded one (what
 * GetCertificate answers), not the effective one: a licence past its end date stays 01 until `certificate.expired`.
 *
 * Every fact is also checked against those rules: one they could not have produced at that point (an illegal
 * transition, a status or operation code that is not its operation's, a version that is not the next one, an act on
 * a superseded or never issued version, a dispute resolved that was not open) is a problem, and the state then
 * follows what the fact says.
 */

/** The name of the projection (`onceonly audit replay --projection certificate-status`). */
export const CERTIFICATE_STATUS = 'certificate-status';

/** What a logged certificate fact says of its certificate (status and operation as two-digit codes). */
export interface ReplayedFacts {
  readonly certificateId: string;
  readonly version: number;
  readonly status: string;
  readonly operation: string;
}

/**
 * A certificate event as the replay reads it: the part of the domain event (`domain/events.ts`) the rules need.
 * `facts` is undefined when the logged body carried none.
 */
export type CertificateReplayFact =
  | {
      readonly type: typeof T.ISSUED;
      readonly facts?: ReplayedFacts;
      readonly componentCertificateIds: readonly string[];
    }
  | {
      readonly type: typeof T.CHANGED | typeof T.RENEWED | typeof T.REISSUED;
      readonly facts?: ReplayedFacts;
      readonly previousCertificateId: string;
    }
  | {
      readonly type: typeof T.SUSPENDED | typeof T.RESUMED | typeof T.CANCELLED | typeof T.EXPIRED;
      readonly facts?: ReplayedFacts;
    }
  | { readonly type: typeof T.REVOKED; readonly facts?: ReplayedFacts; readonly kind?: 'withdrawn' | 'revoked' }
  | { readonly type: typeof T.DISPUTE_RAISED; readonly facts?: ReplayedFacts; readonly disputeId: string }
  | {
      readonly type: typeof T.DISPUTE_RESOLVED;
      readonly facts?: ReplayedFacts;
      readonly disputeId: string;
      readonly outcome?: 'corrected' | 'rejected';
      readonly previousCertificateId: string;
    };

/** One certificate version as the facts give it. */
export interface CertificateStatus {
  readonly version: number;
  /** Two-digit status code. */
  readonly status: string;
  /** The newer version that replaced this one. */
  readonly supersededById?: string;
  /** The open dispute, if any (not compared: used to check the facts). */
  readonly openDispute?: string;
  /** The last event about this version. */
  readonly eventId: string;
}

/** A status code with its English name, for messages (`07 (revoked)`). */
export function describeStatus(status: string): string {
  const name = status === LicenceStatus.OTHER ? 'superseded/other' : STATUS_NAMES[status as LicenceStatus]?.en;
  return name === undefined ? status : `${status} (${name})`;
}

const { VALID, OTHER: SUPERSEDED } = LicenceStatus;

/** What one fact asks of the state, from the rules' tables. */
interface Rule {
  readonly operation: string;
  readonly issue?: boolean;
  readonly components?: readonly string[];
  readonly previousId?: string;
  readonly from?: readonly string[];
  readonly to?: string;
  readonly keeps?: boolean;
  readonly dispute?: { readonly raise?: string; readonly resolve?: string; readonly blocks?: boolean };
}

function newVersion(rule: { readonly operation: string }, previousId: string): Rule {
  return { operation: rule.operation, previousId, dispute: { blocks: true } };
}

function ruleOf(fact: CertificateReplayFact): Rule {
  const { suspend, resume, revoke, cancel, expire } = STATUS_CHANGE_RULES;
  switch (fact.type) {
    case T.ISSUED:
      return { operation: '01', issue: true, components: fact.componentCertificateIds };
    case T.CHANGED:
      return newVersion(NEW_VERSION_RULES.change, fact.previousCertificateId);
    case T.RENEWED:
      return newVersion(NEW_VERSION_RULES.renew, fact.previousCertificateId);
    case T.REISSUED:
      return newVersion(NEW_VERSION_RULES.reissue, fact.previousCertificateId);
    case T.SUSPENDED:
      return suspend;
    case T.RESUMED:
      return resume;
    case T.CANCELLED:
      return cancel;
    case T.EXPIRED:
      return expire;
    case T.REVOKED:
      return { ...revoke, ...(fact.kind ? { to: REVOCATION_STATUS[fact.kind] } : {}) };
    case T.DISPUTE_RAISED:
      return { ...DISPUTE_RULES.raise, keeps: true, dispute: { raise: fact.disputeId } };
    case T.DISPUTE_RESOLVED:
      // a correction is a new version: its facts are the new version's, the dispute was on the previous one
      return fact.outcome === 'corrected'
        ? { ...DISPUTE_RULES.correct, previousId: fact.previousCertificateId, dispute: { resolve: fact.disputeId } }
        : { ...DISPUTE_RULES.reject, keeps: true, dispute: { resolve: fact.disputeId } };
  }
}

/**
 * The pure fold: applies one certificate fact to the state (in place) and returns what the rules say is wrong with
 * it (`eventId` is the logged event's, recorded as the version's last event).
 */
export function evolveCertificateStatus(
  state: Map<string, CertificateStatus>,
  fact: CertificateReplayFact,
  event: { readonly id: string },
): Evolved {
  const facts = fact.facts;
  if (facts === undefined || facts.certificateId === '') return { problems: ['the body names no certificate'] };
  const rule = ruleOf(fact);
  const problems: string[] = [];
  if (facts.operation !== rule.operation) problems.push(`operation ${facts.operation}, not ${rule.operation}`);
  if (rule.previousId !== undefined) applyNewVersion(state, event.id, rule, facts, problems);
  else if (rule.issue) applyIssue(state, event.id, rule, facts, problems);
  else applyChange(state, event.id, rule, facts, problems);
  return { problems, key: facts.certificateId };
}

function expectStatus(facts: ReplayedFacts, status: string, problems: string[]): void {
  if (facts.status !== status) {
    problems.push(`its status is ${describeStatus(facts.status)}, the operation gives ${describeStatus(status)}`);
  }
}

function applyIssue(
  state: Map<string, CertificateStatus>,
  eventId: string,
  rule: Rule,
  facts: ReplayedFacts,
  problems: string[],
): void {
  const id = facts.certificateId;
  if (state.has(id)) problems.push('the id was already issued');
  if (facts.version !== 1) problems.push(`a new certificate is version 1, not ${facts.version}`);
  expectStatus(facts, VALID, problems);
  for (const component of rule.components ?? []) {
    const bundled = state.get(component);
    if (bundled === undefined) problems.push(`it bundles ${component}, which no event issued`);
    else if (bundled.supersededById !== undefined) problems.push(`it bundles ${component}, a superseded version`);
    else if (bundled.status !== VALID)
      problems.push(`it bundles ${component}, which is ${describeStatus(bundled.status)}`);
  }
  state.set(id, { version: facts.version, status: VALID, eventId });
}

function applyNewVersion(
  state: Map<string, CertificateStatus>,
  eventId: string,
  rule: Rule,
  facts: ReplayedFacts,
  problems: string[],
): void {
  const id = facts.certificateId;
  const previousId = rule.previousId ?? '';
  const previous = state.get(previousId);
  if (previousId === '' || previousId === id) problems.push(`it names no other previous version ("${previousId}")`);
  else if (previous === undefined) problems.push(`its previous version ${previousId} was never issued`);
  else {
    checkPrevious(previousId, previous, rule, facts, problems);
    const { openDispute: _closed, ...rest } = previous;
    state.set(previousId, { ...rest, status: SUPERSEDED, supersededById: id, eventId });
  }
  if (state.has(id)) problems.push('the new version id was already issued');
  expectStatus(facts, VALID, problems);
  state.set(id, { version: facts.version, status: VALID, eventId });
}

function checkPrevious(
  previousId: string,
  previous: CertificateStatus,
  rule: Rule,
  facts: ReplayedFacts,
  problems: string[],
): void {
  if (previous.supersededById !== undefined) {
    problems.push(`its previous version ${previousId} was already superseded by ${previous.supersededById}`);
  }
  if (previous.status !== VALID)
    problems.push(`its previous version ${previousId} is ${describeStatus(previous.status)}`);
  if (facts.version !== previous.version + 1)
    problems.push(`version ${facts.version} follows version ${previous.version}`);
  const resolving = rule.dispute?.resolve;
  if (resolving !== undefined && previous.openDispute !== resolving) {
    problems.push(`it resolves dispute ${resolving}, which is not open on ${previousId}`);
  }
  if (rule.dispute?.blocks && previous.openDispute !== undefined) {
    problems.push(`dispute ${previous.openDispute} is open on ${previousId}`);
  }
}

function applyChange(
  state: Map<string, CertificateStatus>,
  eventId: string,
  rule: Rule,
  facts: ReplayedFacts,
  problems: string[],
): void {
  const id = facts.certificateId;
  const before = state.get(id);
  if (before === undefined) problems.push('no event issued it');
  else {
    if (before.supersededById !== undefined) {
      problems.push(`it acts on a version superseded by ${before.supersededById}`);
    } else if (rule.from !== undefined && !rule.from.includes(before.status)) {
      problems.push(`not allowed from ${describeStatus(before.status)}`);
    }
    if (facts.version !== before.version) problems.push(`version ${facts.version}, the events give ${before.version}`);
  }
  const to = statusAfter(rule, before, facts, problems);
  expectStatus(facts, to, problems);
  const openDispute = disputeAfter(rule, before?.openDispute, problems);
  state.set(id, {
    version: before?.version ?? facts.version,
    status: to,
    ...(before?.supersededById === undefined ? {} : { supersededById: before.supersededById }),
    ...(openDispute === undefined ? {} : { openDispute }),
    eventId,
  });
}

/** A status change gives its status; a dispute keeps the one it finds. */
function statusAfter(rule: Rule, before: CertificateStatus | undefined, facts: ReplayedFacts, problems: string[]) {
  if (rule.keeps) return before?.status ?? facts.status;
  if (rule.to !== undefined) return rule.to;
  problems.push('its revocation kind is neither withdrawn nor revoked');
  return facts.status;
}

function disputeAfter(rule: Rule, open: string | undefined, problems: string[]): string | undefined {
  const { raise, resolve } = rule.dispute ?? {};
  let openDispute = open;
  if (raise !== undefined) {
    if (openDispute !== undefined) problems.push(`dispute ${openDispute} is already open`);
    openDispute = raise;
  }
  if (resolve !== undefined) {
    if (openDispute !== resolve) problems.push(`it resolves dispute ${resolve}, which is not open`);
    openDispute = undefined;
  }
  return openDispute;
}
