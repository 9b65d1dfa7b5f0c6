import { AppError, type FieldViolation, invalid } from '@onceonly/errors';
import type { CertificateType } from './catalogue.js';
import {
  type Actor,
  assertMayAct,
  assertNoOpenDispute,
  type CertificateState,
  nextVersion,
  requiredText,
  throwIfInvalid,
  type VersionTransition,
} from './certificate.js';
import { chinaDate, isCalendarDate, laterDate, validityEnd } from './dates.js';
import {
  CERTIFICATE_EVENT_TYPES,
  type CertificateChanged,
  type CertificateReissued,
  type CertificateRenewed,
  factsOf,
  redactCitizenIds,
} from './events.js';
import { assertFaceFields, type FacePatch, patchFaceFields } from './face-fields.js';
import { renameHolder } from './holder.js';
import { LicenceOperation, LicenceStatus } from './lifecycle-codes.js';

/**
 * Transitions that make a new version of a valid certificate (see `certificate.ts` on versions): change (变更),
 * renew (延续), reissue (补证). None may run while a dispute is open (CERT_DISPUTE_OPEN): the dispute's correction
 * is the way to change disputed content.
 */

const MAX_REASON = 1000;
const { VALID } = LicenceStatus;

/**
 * Each new version (a new id, version + 1, the old version superseded): the statuses of the old version it may start
 * from, and its operation code. Refused while a dispute is open. The replay (`domain/replay/`) reads the same table.
 */
export const NEW_VERSION_RULES = {
  change: { from: [VALID], operation: LicenceOperation.CHANGE },
  renew: { from: [VALID], operation: LicenceOperation.RENEW },
  reissue: { from: [VALID], operation: LicenceOperation.OTHER },
} as const;

/** What a new version needs from the service: its id, the clock, and the certificate's type (for its schema). */
export interface NewVersionContext {
  readonly newId: string;
  readonly now: Date;
  readonly type: CertificateType;
}

/** A content change: face fields to set or clear, and/or a new holder name. */
export interface ContentChange extends FacePatch {
  readonly holderName?: string;
}

/** The content after a change, validated, and the keys that changed (`holder.name` for a rename). */
export function applyContentChange(state: CertificateState, change: ContentChange, type: CertificateType) {
  const { fields, changed } = patchFaceFields(state.fields, change);
  const face = assertFaceFields(type, fields);
  const name = (change.holderName ?? '').trim();
  const renamed = name !== '' && name !== state.holder.name;
  const holder = renamed ? renameHolder(state.holder, name) : state.holder;
  return { fields: face, holder, changed: renamed ? [...changed, 'holder.name'] : changed };
}

/** 变更 */
export interface ChangeCommand extends ContentChange {
  readonly actor: Actor;
  readonly reason?: string;
}

/**
 * Changes the face or the holder name of a valid certificate: a new version.
 * @throws AppError INVALID_ARGUMENT when nothing changes; CERT_FIELDS_INVALID for a face that breaks the schema.
 */
export function change(
  state: CertificateState,
  command: ChangeCommand,
  context: NewVersionContext,
): VersionTransition<CertificateChanged> {
  const { now } = context;
  assertMayAct(state, command.actor, NEW_VERSION_RULES.change.from, 'change', now);
  assertNoOpenDispute(state);
  const content = applyContentChange(state, command, context.type);
  if (content.changed.length === 0) {
    throw invalid('INVALID_ARGUMENT', [{ field: 'fields', reason: 'NO_CHANGE', description: 'nothing would change' }]);
  }
  const { next, previous } = nextVersion(state, { fields: content.fields, holder: content.holder }, context.newId, now);
  const event: CertificateChanged = {
    type: CERTIFICATE_EVENT_TYPES.CHANGED,
    facts: factsOf(next, NEW_VERSION_RULES.change.operation, command.actor, now),
    previousCertificateId: state.id,
    changedFieldKeys: content.changed,
    reason: redactCitizenIds((command.reason ?? '').trim()),
  };
  return { certificate: next, previous, event };
}

/** 延续: a new end date, or the type's default period from today. */
export interface RenewCommand {
  readonly actor: Actor;
  readonly validTo?: string;
  readonly reason?: string;
}

function assertRenewable(state: CertificateState, type: CertificateType): string {
  if (state.validTo !== undefined && type.validity.kind !== 'components') return state.validTo;
  const why = state.validTo === undefined ? 'a long-term certificate' : 'an industry licence (bundle anew)';
  throw new AppError('CERT_NOT_RENEWABLE', `${why} is not renewed`, { details: { meta: { certificateId: state.id } } });
}

function renewedEnd(command: RenewCommand, type: CertificateType, today: string, oldEnd: string): string {
  const text = (command.validTo ?? '').trim();
  const fail = (reason: string, description: string) =>
    invalid('CERT_VALIDITY_INVALID', [{ field: 'valid_to', reason, description }]);
  if (text !== '' && !isCalendarDate(text)) throw fail('DATE', 'not a date (YYYY-MM-DD)');
  const end = text !== '' ? text : type.validity.kind === 'years' ? validityEnd(today, type.validity.years) : '';
  if (end === '') throw fail('REQUIRED', 'this type has no default period: give the new end date');
  if (end <= oldEnd) throw fail('NOT_EXTENDED', `the new end must be after ${oldEnd}`);
  return end;
}

/**
 * Renews a valid certificate with an end date: a new version valid from today (the renewal decision, as the food
 * business rules count it) to the new end, which must be later than the old one.
 * @throws AppError CERT_NOT_RENEWABLE for a long-term certificate or an industry licence; CERT_VALIDITY_INVALID.
 */
export function renew(
  state: CertificateState,
  command: RenewCommand,
  context: NewVersionContext,
): VersionTransition<CertificateRenewed> {
  const { now, type } = context;
  assertMayAct(state, command.actor, NEW_VERSION_RULES.renew.from, 'renew', now);
  assertNoOpenDispute(state);
  const oldEnd = assertRenewable(state, type);
  const today = chinaDate(now);
  const validTo = renewedEnd(command, type, today, oldEnd);
  // A certificate not yet in force keeps its start.
  const validFrom = laterDate(today, state.validFrom);
  const { next, previous } = nextVersion(state, { validFrom, validTo }, context.newId, now);
  const event: CertificateRenewed = {
    type: CERTIFICATE_EVENT_TYPES.RENEWED,
    facts: factsOf(next, NEW_VERSION_RULES.renew.operation, command.actor, now),
    previousCertificateId: state.id,
    validFrom,
    validTo,
    previousValidTo: oldEnd,
  };
  return { certificate: next, previous, event };
}

/** 补证: why the old document is replaced (遗失 lost, 损毁 damaged). */
export interface ReissueCommand {
  readonly actor: Actor;
  readonly reason: string;
}

/**
 * Reissues a valid certificate: a new version with the same content and validity, issued today; the old version
 * (the lost or damaged document) is superseded.
 */
export function reissue(
  state: CertificateState,
  command: ReissueCommand,
  context: Omit<NewVersionContext, 'type'>,
): VersionTransition<CertificateReissued> {
  const { now } = context;
  assertMayAct(state, command.actor, NEW_VERSION_RULES.reissue.from, 'reissue', now);
  assertNoOpenDispute(state);
  const violations: FieldViolation[] = [];
  const reason = requiredText(command.reason, 'reason', MAX_REASON, violations);
  throwIfInvalid(violations);
  const { next, previous } = nextVersion(state, {}, context.newId, now);
  const event: CertificateReissued = {
    type: CERTIFICATE_EVENT_TYPES.REISSUED,
    facts: factsOf(next, NEW_VERSION_RULES.reissue.operation, command.actor, now),
    previousCertificateId: state.id,
    reason: redactCitizenIds(reason),
  };
  return { certificate: next, previous, event };
}
