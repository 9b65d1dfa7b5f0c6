import { AppError, type FieldViolation, invalid } from '@onceonly/errors';
import { validateDivision } from '@onceonly/ids';
import type { CertificateType } from './catalogue.js';
import {
  type Actor,
  type CertificateState,
  type CommitmentTerms,
  type IndustryBundle,
  requiredText,
  type Transition,
} from './certificate.js';
import { chinaDate, isCalendarDate } from './dates.js';
import { assertMayIssue, type Department } from './departments.js';
import { CERTIFICATE_EVENT_TYPES, type CertificateIssued, factsOf } from './events.js';
import { assertFaceFields } from './face-fields.js';
import type { Holder } from './holder.js';
import { licenceIdentifier, licenceNumber, numberScope } from './licence-number.js';
import { LicenceOperation, LicenceStatus } from './lifecycle-codes.js';
import { resolveValidity, type ValidityInput } from './validity.js';

/** A request to issue (新发) a certificate, parsed: the holder is validated, the type and issuer looked up. */
export interface IssueCommand extends ValidityInput {
  readonly actor: Actor;
  /** The acting department's record. */
  readonly issuer: Department;
  readonly type: CertificateType;
  readonly holder: Holder;
  readonly fields: Readonly<Record<string, string>>;
  /** Defaults to the issuer's division. */
  readonly division?: string;
  /** Grant on commitment (告知承诺): the post-check due date and the terms, as the request gives them. */
  readonly commitment?: { readonly postCheckDue: string; readonly terms: string };
}

/** The longest commitment terms (or reference) kept. */
export const MAX_COMMITMENT_TERMS = 1000;

/**
 * The commitment of a licence granted on one: the due date a calendar date, today or later, not after the licence's
 * end; the terms required. @throws AppError INVALID_ARGUMENT naming each field.
 */
export function commitmentTerms(
  commitment: { readonly postCheckDue: string; readonly terms: string },
  today: string,
  validTo: string | undefined,
): CommitmentTerms {
  const violations: FieldViolation[] = [];
  const due = commitment.postCheckDue.trim();
  const field = 'commitment.post_check_due';
  if (!isCalendarDate(due)) violations.push({ field, reason: 'DATE', description: 'a calendar date, YYYY-MM-DD' });
  else if (due < today) violations.push({ field, reason: 'PAST', description: `today (${today}) or later` });
  else if (validTo !== undefined && due > validTo) {
    violations.push({ field, reason: 'AFTER_VALIDITY', description: `not after the licence's end (${validTo})` });
  }
  const terms = requiredText(commitment.terms, 'commitment.terms', MAX_COMMITMENT_TERMS, violations);
  if (violations.length > 0) throw invalid('INVALID_ARGUMENT', violations);
  return { postCheckDue: due, terms };
}

/** What the service supplies: the new id, the clock, and the next value of the number's counter. */
export interface IssueContext {
  readonly id: string;
  readonly now: Date;
  /** From the counter of `numberScope(type, division, year)`; ignored for holder-code numbering. */
  readonly sequence: number;
}

function assertActorIsIssuer(actor: Actor, issuer: Department): void {
  if (actor.departmentCode === issuer.code) return;
  throw new AppError('PERMISSION_DENIED', 'a department issues only in its own name');
}

/**
 * The holder's code type must be one the type allows.
 * @throws AppError HOLDER_CODE_TYPE_INVALID.
 */
export function assertHolderType(type: CertificateType, holder: Holder): void {
  if (type.holderTypes.includes(holder.codeType)) return;
  throw new AppError('HOLDER_CODE_TYPE_INVALID', `a ${type.nameEn} is not held by holders of type ${holder.codeType}`, {
    details: { fields: [{ field: 'holder.code_type', reason: 'HOLDER_CODE_TYPE', description: 'not for this type' }] },
  });
}

/**
 * The division of a new certificate: the request's, else the issuer's.
 * @throws AppError DIVISION_INVALID.
 */
export function issueDivision(command: { division?: string; issuer: Department }): string {
  const text = (command.division ?? '').trim();
  if (text === '') return command.issuer.division;
  const result = validateDivision(text);
  if (result.ok) return result.value;
  throw new AppError('DIVISION_INVALID', result.message, {
    details: { fields: [{ field: 'division', reason: result.reason, description: result.message }] },
  });
}

/** The year numbers count in: the calendar year of the issue date (China Standard Time). */
export function issueYear(now: Date): number {
  return Number(chinaDate(now).slice(0, 4));
}

/**
 * The counter the service must draw `IssueContext.sequence` from before issuing; undefined when the type numbers by
 * holder code.
 */
export function issueNumberScope(command: Pick<IssueCommand, 'type' | 'division' | 'issuer'>, now: Date) {
  return numberScope(command.type, issueDivision(command), issueYear(now));
}

/** Everything {@link newCertificate} needs, validated. */
export interface NewCertificate {
  readonly id: string;
  readonly type: CertificateType;
  readonly issuer: Department;
  readonly holder: Holder;
  readonly division: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly validFrom: string;
  readonly validTo?: string;
  readonly number: string;
  readonly industry?: IndustryBundle;
  readonly commitment?: CommitmentTerms;
}

/** Builds version 1 of a certificate and its CertificateIssued event (shared by industry licences). */
export function newCertificate(input: NewCertificate, actor: Actor, now: Date): Transition<CertificateIssued> {
  const { id, type, issuer, holder, division, fields, validFrom, validTo, number, industry, commitment } = input;
  const at = now.toISOString();
  const identifier = licenceIdentifier({ typeCode: type.typeCode, issuerCode: issuer.code, number, version: 1 });
  const certificate: CertificateState = Object.freeze({
    id,
    version: 1,
    typeCode: type.typeCode,
    name: type.nameZh,
    number,
    identifier,
    issuer: { code: issuer.code, name: issuer.nameZh },
    holder,
    division,
    fields,
    issueDate: chinaDate(now),
    validFrom,
    ...(validTo === undefined ? {} : { validTo }),
    status: LicenceStatus.VALID,
    statusChangedAt: at,
    ...(industry === undefined ? {} : { industry }),
    ...(commitment === undefined ? {} : { commitment }),
    createdAt: at,
  });
  const event: CertificateIssued = {
    type: CERTIFICATE_EVENT_TYPES.ISSUED,
    facts: factsOf(certificate, LicenceOperation.ISSUE, actor, now),
    name: certificate.name,
    issueDate: certificate.issueDate,
    validFrom,
    ...(validTo === undefined ? {} : { validTo }),
    division,
    ...(industry === undefined ? {} : { industryCode: industry.industryCode }),
    componentCertificateIds: industry?.components.map((c) => c.certificateId) ?? [],
    ...(commitment === undefined ? {} : { commitment }),
  };
  return { certificate, event };
}

/**
 * An issue request that passed every rule of {@link validateIssue}: what {@link issueValidated} builds version 1
 * from. Made only by `validateIssue` (the brand), so a validated issue cannot be built from unchecked parts.
 */
export interface ValidIssue {
  readonly [validIssue]: true;
  readonly command: IssueCommand;
  /** The day the rules were checked against (China Standard Time). */
  readonly now: Date;
  readonly division: string;
  /** The face, normalised. */
  readonly fields: Readonly<Record<string, string>>;
  readonly validity: { readonly validFrom: string; readonly validTo?: string };
  readonly commitment?: CommitmentTerms;
}

declare const validIssue: unique symbol;

/**
 * Checks an issue (新发) before a counter moves or a seal is asked for: the issuer may issue the type, the holder's
 * code type fits it, the face matches the schema, the validity is sound, and a number can be made (a holder-code
 * type's holder has a credit code). The service validates once and builds with {@link issueValidated} once it
 * holds the number's sequence: the checks ran twice before (a dry run, then the issue) on every issue (ADR 052).
 * @throws AppError PERMISSION_DENIED, CERT_TYPE_NOT_AUTHORISED, HOLDER_CODE_TYPE_INVALID, INVALID_ARGUMENT (an
 * industry licence type: use issueIndustryLicence), DIVISION_INVALID, CERT_FIELDS_INVALID, CERT_VALIDITY_INVALID.
 */
export function validateIssue(command: IssueCommand, now: Date): ValidIssue {
  const { actor, issuer, type, holder } = command;
  assertActorIsIssuer(actor, issuer);
  assertMayIssue(issuer, type);
  if (type.validity.kind === 'components') {
    throw new AppError('INVALID_ARGUMENT', 'an industry licence is issued with IssueIndustryLicence', {
      details: {
        fields: [{ field: 'type_code', reason: 'INDUSTRY_LICENCE_TYPE', description: 'use IssueIndustryLicence' }],
      },
    });
  }
  assertHolderType(type, holder);
  const division = issueDivision(command);
  const fields = assertFaceFields(type, command.fields);
  const today = chinaDate(now);
  const validity = resolveValidity(type.validity, command, today);
  const commitment =
    command.commitment === undefined ? undefined : commitmentTerms(command.commitment, today, validity.validTo);
  // the number's own check, with the first sequence (the dry run's): a holder-code type needs the credit code
  licenceNumber({ type, holder, division, year: issueYear(now), sequence: 1 });
  return {
    command,
    now,
    division,
    fields,
    validity,
    ...(commitment ? { commitment } : {}),
  } as ValidIssue;
}

/**
 * Version 1 of a validated issue: the number and identifier assigned from `context.sequence`. `context.now` must be
 * the instant the issue was validated at (the validity and the issue date are of that day).
 * @throws AppError CERT_NUMBER_EXHAUSTED; INTERNAL when `context.now` is not the validated instant (a bug).
 */
export function issueValidated(valid: ValidIssue, context: IssueContext): Transition<CertificateIssued> {
  if (context.now.getTime() !== valid.now.getTime()) {
    throw new AppError('INTERNAL', 'an issue is built at the instant it was validated at');
  }
  const { command, division, fields, validity, commitment } = valid;
  const { actor, issuer, type, holder } = command;
  const number = licenceNumber({ type, holder, division, year: issueYear(context.now), sequence: context.sequence });
  return newCertificate(
    {
      id: context.id,
      type,
      issuer,
      holder,
      division,
      fields,
      ...validity,
      number,
      ...(commitment ? { commitment } : {}),
    },
    actor,
    context.now,
  );
}

/**
 * Issues (新发) version 1 of a certificate: the issuer may issue the type, the holder's code type fits it, the face
 * matches the schema, the validity is sound; the number and identifier are assigned ({@link validateIssue} then
 * {@link issueValidated}).
 * @throws AppError PERMISSION_DENIED, CERT_TYPE_NOT_AUTHORISED, HOLDER_CODE_TYPE_INVALID, INVALID_ARGUMENT (an
 * industry licence type: use issueIndustryLicence), DIVISION_INVALID, CERT_FIELDS_INVALID, CERT_VALIDITY_INVALID,
 * CERT_NUMBER_EXHAUSTED.
 */
export function issueCertificate(command: IssueCommand, context: IssueContext): Transition<CertificateIssued> {
  return issueValidated(validateIssue(command, context.now), context);
}
