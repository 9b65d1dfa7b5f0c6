import { AppError, type FieldViolation, invalid } from '@onceonly/errors';
import type { CertificateType } from './catalogue.js';
import {
  type Actor,
  assertCurrent,
  assertIssuer,
  assertStatusIn,
  type CertificateState,
  type Dispute,
  nextVersion,
  requiredText,
  type Transition,
  throwIfInvalid,
  type VersionTransition,
} from './certificate.js';
import {
  CERTIFICATE_EVENT_TYPES,
  type DisputeRaised,
  type DisputeResolved,
  factsOf,
  redactCitizenIds,
} from './events.js';
import { LicenceOperation, LicenceStatus } from './lifecycle-codes.js';
import { applyContentChange, type ContentChange } from './new-versions.js';

/**
 * Disputes (异议): anyone with a stake (the holder through the portal, another department, a platform) may object
 * to the content of a certificate in force; the certificate is marked disputed (a verification warning) and keeps
 * its status. Only the issuer resolves: a correction makes a new version (operation 09 变更), a rejection closes
 * the dispute with a reason on the same version. One dispute is open at a time.
 */

const MAX_CLAIM = 2000;
const HOLDER_NAME_KEY = 'holder.name';
const { VALID, SUSPENDED, EXPIRED } = LicenceStatus;

/**
 * Disputes: the statuses a dispute may be raised on and a correction made from, and their operation codes (a raise
 * and a rejection keep the status; a correction is a new version). The replay (`domain/replay/`) reads the same table.
 */
export const DISPUTE_RULES = {
  raise: { from: [VALID, SUSPENDED, EXPIRED], operation: LicenceOperation.OTHER },
  reject: { operation: LicenceOperation.OTHER },
  correct: { from: [VALID], operation: LicenceOperation.CHANGE },
} as const;

/** 提出异议 */
export interface RaiseDisputeCommand {
  readonly actor: Actor;
  readonly disputeId: string;
  readonly claim: string;
  /** Face field keys of the type, or `holder.name`; at least one. */
  readonly fieldKeys: readonly string[];
}

function checkFieldKeys(keys: readonly string[], type: CertificateType, out: FieldViolation[]): string[] {
  const known = new Set([...type.fields.map((f) => f.key), HOLDER_NAME_KEY]);
  const unique = [...new Set(keys.map((k) => k.trim()))];
  if (unique.length === 0) out.push({ field: 'field_keys', reason: 'REQUIRED', description: 'name the fields' });
  unique.forEach((key, i) => {
    if (!known.has(key)) out.push({ field: `field_keys[${i}]`, reason: 'FIELD_UNKNOWN', description: 'no such field' });
  });
  return unique;
}

function assertNoDisputeOpen(state: CertificateState): void {
  if (state.dispute?.open !== true) return;
  throw new AppError('CERT_DISPUTE_OPEN', 'a dispute is already open on this certificate', {
    details: { meta: { certificateId: state.id, disputeId: state.dispute.id } },
  });
}

/**
 * Raises a dispute on a current certificate that is valid, suspended or expired (not one already ended by a
 * decision: withdrawn, revoked, cancelled).
 * @throws AppError CERT_SUPERSEDED, CERT_ILLEGAL_TRANSITION, CERT_DISPUTE_OPEN, INVALID_ARGUMENT.
 */
export function raiseDispute(
  state: CertificateState,
  command: RaiseDisputeCommand,
  context: { now: Date; type: CertificateType },
): Transition<DisputeRaised> {
  const { now } = context;
  assertCurrent(state);
  assertStatusIn(state, DISPUTE_RULES.raise.from, 'dispute', now);
  assertNoDisputeOpen(state);
  const violations: FieldViolation[] = [];
  const claim = requiredText(command.claim, 'claim', MAX_CLAIM, violations);
  const fieldKeys = checkFieldKeys(command.fieldKeys, context.type, violations);
  throwIfInvalid(violations);
  const raisedBy = command.actor.departmentCode;
  const dispute: Dispute = {
    id: command.disputeId,
    claim,
    fieldKeys,
    raisedBy,
    raisedAt: now.toISOString(),
    open: true,
  };
  const certificate: CertificateState = Object.freeze({ ...state, dispute });
  const event: DisputeRaised = {
    type: CERTIFICATE_EVENT_TYPES.DISPUTE_RAISED,
    facts: factsOf(certificate, LicenceOperation.OTHER, command.actor, now),
    disputeId: dispute.id,
    fieldKeys,
    claim: redactCitizenIds(claim),
  };
  return { certificate, event };
}

/** How the issuer settles a dispute. */
export type DisputeResolution =
  | ({ readonly kind: 'correct'; readonly note?: string } & ContentChange)
  | { readonly kind: 'reject'; readonly reason: string };

/** 异议处理 */
export interface ResolveDisputeCommand {
  readonly actor: Actor;
  readonly disputeId: string;
  readonly resolution: DisputeResolution;
}

function openDispute(state: CertificateState, disputeId: string): Dispute {
  const dispute = state.dispute;
  if (dispute?.open === true && dispute.id === disputeId) return dispute;
  throw new AppError('CERT_NO_OPEN_DISPUTE', 'no open dispute with this id on this certificate', {
    details: { meta: { certificateId: state.id } },
  });
}

function reject(
  state: CertificateState,
  dispute: Dispute,
  command: ResolveDisputeCommand & { resolution: { kind: 'reject' } },
  now: Date,
): Transition<DisputeResolved> {
  const violations: FieldViolation[] = [];
  const note = requiredText(command.resolution.reason, 'reject.reason', MAX_CLAIM, violations);
  throwIfInvalid(violations);
  const closed: Dispute = { ...dispute, open: false, outcome: 'rejected', note, resolvedAt: now.toISOString() };
  const certificate: CertificateState = Object.freeze({ ...state, dispute: closed });
  const event: DisputeResolved = {
    type: CERTIFICATE_EVENT_TYPES.DISPUTE_RESOLVED,
    facts: factsOf(certificate, LicenceOperation.OTHER, command.actor, now),
    disputeId: dispute.id,
    outcome: 'rejected',
    note: redactCitizenIds(note),
    changedFieldKeys: [],
  };
  return { certificate, event };
}

function correct(
  state: CertificateState,
  dispute: Dispute,
  command: ResolveDisputeCommand & { resolution: { kind: 'correct' } },
  context: { newId: string; now: Date; type: CertificateType },
): VersionTransition<DisputeResolved> {
  const { now, newId } = context;
  assertStatusIn(state, DISPUTE_RULES.correct.from, 'correct', now);
  const content = applyContentChange(state, command.resolution, context.type);
  if (content.changed.length === 0) {
    throw invalid('INVALID_ARGUMENT', [{ field: 'correct', reason: 'NO_CHANGE', description: 'nothing would change' }]);
  }
  const note = (command.resolution.note ?? '').trim();
  const closed: Dispute = {
    ...dispute,
    open: false,
    outcome: 'corrected',
    note,
    resolvedAt: now.toISOString(),
    correctedCertificateId: newId,
  };
  const versions = nextVersion(state, { fields: content.fields, holder: content.holder, dispute: closed }, newId, now);
  const previous: CertificateState = Object.freeze({ ...versions.previous, dispute: closed });
  const event: DisputeResolved = {
    type: CERTIFICATE_EVENT_TYPES.DISPUTE_RESOLVED,
    facts: factsOf(versions.next, DISPUTE_RULES.correct.operation, command.actor, now),
    disputeId: dispute.id,
    outcome: 'corrected',
    correctedCertificateId: newId,
    previousCertificateId: state.id,
    note: redactCitizenIds(note),
    changedFieldKeys: content.changed,
  };
  return { certificate: versions.next, previous, event };
}

/**
 * Resolves the open dispute, issuer only. A rejection needs a reason and keeps the version; a correction needs a
 * valid certificate and makes a new version (both versions record the closed dispute). A correction that changes
 * nothing is refused (INVALID_ARGUMENT, NO_CHANGE): when the record is already right, the claim is rejected.
 * @throws AppError CERT_NOT_ISSUER, CERT_SUPERSEDED, CERT_NO_OPEN_DISPUTE, CERT_ILLEGAL_TRANSITION (correcting a
 * certificate that is not valid), INVALID_ARGUMENT, CERT_FIELDS_INVALID.
 */
export function resolveDispute(
  state: CertificateState,
  command: ResolveDisputeCommand,
  context: { newId: string; now: Date; type: CertificateType },
): Transition<DisputeResolved> | VersionTransition<DisputeResolved> {
  assertIssuer(state, command.actor);
  assertCurrent(state);
  const dispute = openDispute(state, command.disputeId);
  const { resolution } = command;
  if (resolution.kind === 'reject') return reject(state, dispute, { ...command, resolution }, context.now);
  return correct(state, dispute, { ...command, resolution }, context);
}
