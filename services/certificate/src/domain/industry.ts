import { AppError, type FieldViolation, invalid } from '@onceonly/errors';
import type { CertificateType } from './catalogue.js';
import {
  type Actor,
  type CertificateState,
  type ComponentRef,
  effectiveStatus,
  type IndustryBundle,
  type Transition,
} from './certificate.js';
import { chinaDate, earlierDate } from './dates.js';
import { assertMayIssue, type Department } from './departments.js';
import type { CertificateIssued } from './events.js';
import { assertFaceFields } from './face-fields.js';
import { type Holder, sameHolder } from './holder.js';
import { componentTypesOf, INDUSTRIES, type Industry } from './industries.js';
import { assertHolderType, issueDivision, issueYear, newCertificate } from './issue.js';
import { licenceNumber } from './licence-number.js';
import { LicenceStatus } from './lifecycle-codes.js';
import { resolveValidity } from './validity.js';

/**
 * Industry licences (行业综合许可证, 一业一证): the district service centre bundles a holder's permits into one
 * licence sealed with the 行业综合许可专用章. The licence does not replace the permits (Baoshan plan §三(六)): its
 * status is derived live from theirs, per component, so a revoked permit shows as revoked without invalidating
 * the others.
 */

/** The most permits one industry licence bundles. */
export const MAX_COMPONENTS = 10;

/** A permit offered for bundling, with the digest of its JWS (the adapter hashes it). */
export interface ComponentInput {
  readonly certificate: CertificateState;
  readonly digest: string;
}

/** 行业综合许可证 issue, parsed: the holder validated, type, industry and components looked up. */
export interface IssueIndustryCommand {
  readonly actor: Actor;
  readonly issuer: Department;
  /** The industry licence type of the catalogue. */
  readonly type: CertificateType;
  readonly industry: Industry;
  readonly holder: Holder;
  /** In the order of the request's `component_certificate_ids`. */
  readonly components: readonly ComponentInput[];
  readonly fields: Readonly<Record<string, string>>;
  readonly division?: string;
}

function componentField(i: number): string {
  return `component_certificate_ids[${i}]`;
}

function assertIssuable(command: IssueIndustryCommand): void {
  const { actor, issuer, type, holder } = command;
  if (actor.departmentCode !== issuer.code) {
    throw new AppError('PERMISSION_DENIED', 'a department issues only in its own name');
  }
  assertMayIssue(issuer, type);
  if (type.validity.kind !== 'components') {
    throw invalid('INVALID_ARGUMENT', [{ field: 'type', reason: 'NOT_INDUSTRY_LICENCE', description: 'wrong type' }]);
  }
  assertHolderType(type, holder);
}

function assertComponentCount(components: readonly ComponentInput[]): void {
  const ids = components.map((c) => c.certificate.id);
  const problem =
    components.length === 0
      ? 'at least one component'
      : components.length > MAX_COMPONENTS
        ? `at most ${MAX_COMPONENTS} components`
        : new Set(ids).size !== ids.length
          ? 'each component once'
          : undefined;
  if (problem === undefined) return;
  throw invalid('INVALID_ARGUMENT', [{ field: 'component_certificate_ids', reason: 'COUNT', description: problem }]);
}

function assertSameHolder(components: readonly ComponentInput[], holder: Holder): void {
  const violations = components.flatMap(({ certificate }, i) =>
    sameHolder(certificate.holder, holder)
      ? []
      : [{ field: componentField(i), reason: 'CERT_HOLDER_MISMATCH', description: 'held by another holder' }],
  );
  if (violations.length === 0) return;
  throw new AppError('CERT_HOLDER_MISMATCH', 'every component must be held by the licence holder', {
    details: { fields: violations },
  });
}

function componentProblem(certificate: CertificateState, allowed: readonly string[], now: Date) {
  if (!allowed.includes(certificate.typeCode))
    return ['COMPONENT_TYPE_NOT_IN_INDUSTRY', 'not a permit of this industry'];
  if (certificate.supersededById !== undefined) return ['COMPONENT_SUPERSEDED', 'bundle the current version'];
  if (effectiveStatus(certificate, now) !== LicenceStatus.VALID) return ['COMPONENT_NOT_VALID', 'not valid'];
  return undefined;
}

/** Every reason the components do not make a licence of the industry, as field violations. */
export function componentViolations(
  industry: Industry,
  components: readonly ComponentInput[],
  now: Date,
): FieldViolation[] {
  const allowed = componentTypesOf(industry);
  const seen = new Set<string>();
  const violations: FieldViolation[] = [];
  components.forEach(({ certificate }, i) => {
    const problem = componentProblem(certificate, allowed, now);
    if (problem) violations.push({ field: componentField(i), reason: problem[0]!, description: problem[1]! });
    else if (seen.has(certificate.typeCode)) {
      violations.push({
        field: componentField(i),
        reason: 'COMPONENT_TYPE_DUPLICATE',
        description: 'type bundled twice',
      });
    }
    seen.add(certificate.typeCode);
  });
  for (const typeCode of industry.requiredTypeCodes) {
    if (seen.has(typeCode)) continue;
    const description = `the industry requires a permit of type ${typeCode}`;
    violations.push({ field: 'component_certificate_ids', reason: 'COMPONENT_REQUIRED_MISSING', description });
  }
  return violations;
}

function refOf({ certificate, digest }: ComponentInput): ComponentRef {
  return Object.freeze({
    certificateId: certificate.id,
    identifier: certificate.identifier,
    typeCode: certificate.typeCode,
    typeName: certificate.name,
    number: certificate.number,
    issuerCode: certificate.issuer.code,
    issuerName: certificate.issuer.name,
    digest,
  });
}

/** The earliest last valid day of the components; undefined when all are long-term. */
export function componentsEnd(components: readonly ComponentInput[]): string | undefined {
  const ends = components.map((c) => c.certificate.validTo).filter((end): end is string => end !== undefined);
  return ends.length === 0 ? undefined : ends.reduce(earlierDate);
}

/**
 * Issues an industry licence: issuer and holder as for any certificate; 1-10 distinct components, all held by the
 * holder (CERT_HOLDER_MISMATCH), current, valid, of the industry's types, once each, every required type present
 * (INDUSTRY_COMPONENTS_INVALID). The face's `industry` is set from the industry; the validity runs from today to
 * the earliest end among the components.
 */
export function issueIndustryLicence(
  command: IssueIndustryCommand,
  context: { id: string; now: Date; sequence: number },
): Transition<CertificateIssued> {
  const { type, industry, holder, components } = command;
  const { now } = context;
  assertIssuable(command);
  assertComponentCount(components);
  assertSameHolder(components, holder);
  const violations = componentViolations(industry, components, now);
  if (violations.length > 0) throw invalid('INDUSTRY_COMPONENTS_INVALID', violations);
  const division = issueDivision(command);
  const fields = assertFaceFields(type, { ...command.fields, industry: industry.nameZh });
  const validity = resolveValidity(type.validity, {}, chinaDate(now), componentsEnd(components));
  const number = licenceNumber({ type, holder, division, year: issueYear(now), sequence: context.sequence });
  const bundle: IndustryBundle = { industryCode: industry.code, components: components.map(refOf) };
  const input = { id: context.id, type, issuer: command.issuer, holder, division, fields, ...validity, number };
  return newCertificate({ ...input, industry: bundle }, command.actor, now);
}

/** valid: the licence and every component valid; partially-valid: some components not; invalid: see below. */
export type IndustryStatus = 'valid' | 'partially-valid' | 'invalid';

/** A bundled permit with the live status of its current version. */
export interface ComponentView extends ComponentRef {
  readonly status: LicenceStatus;
  /** A permit the industry requires (the holder may not operate under the licence without it valid). */
  readonly required: boolean;
  /** Set when a newer version replaced the bundled one. */
  readonly currentCertificateId?: string;
}

/** An industry licence's live view. */
export interface IndustryView {
  readonly industryCode: string;
  readonly components: readonly ComponentView[];
  readonly overall: IndustryStatus;
}

function viewOf(ref: ComponentRef, current: CertificateState | undefined, required: boolean, now: Date): ComponentView {
  if (current === undefined) return { ...ref, status: LicenceStatus.OTHER, required };
  const moved = current.id !== ref.certificateId ? { currentCertificateId: current.id } : {};
  return { ...ref, status: effectiveStatus(current, now), required, ...moved };
}

/**
 * Whether an industry requires permits of this type. An industry no longer in the catalogue requires every permit
 * it bundled: when in doubt, the holder may operate only with all of them valid.
 */
export function requiresType(industryCode: string, typeCode: string): boolean {
  const industry = INDUSTRIES.find((i) => i.code === industryCode);
  return industry === undefined || industry.requiredTypeCodes.includes(typeCode);
}

function overallOf(licence: CertificateState, views: readonly ComponentView[], now: Date): IndustryStatus {
  const valid = views.filter((v) => v.status === LicenceStatus.VALID).length;
  if (effectiveStatus(licence, now) !== LicenceStatus.VALID || licence.supersededById !== undefined) return 'invalid';
  if (valid === views.length) return 'valid';
  return valid === 0 ? 'invalid' : 'partially-valid';
}

/**
 * Derives an industry licence's live status. `current` maps each bundled certificate id to the current (newest)
 * version of that permit, which the service resolves by following `supersededById`: a changed or renewed permit
 * stays valid through its new version. A permit missing from the map shows as `99`. The overall status is invalid
 * when the licence itself is not valid (or is superseded) or when no component is valid.
 * @throws AppError INVALID_ARGUMENT for a certificate that is not an industry licence.
 */
export function deriveIndustryStatus(
  licence: CertificateState,
  current: ReadonlyMap<string, CertificateState>,
  now: Date,
): IndustryView {
  const bundle = licence.industry;
  if (bundle === undefined) throw new AppError('INVALID_ARGUMENT', 'not an industry licence');
  const components = bundle.components.map((ref) =>
    viewOf(ref, current.get(ref.certificateId), requiresType(bundle.industryCode, ref.typeCode), now),
  );
  return { industryCode: bundle.industryCode, components, overall: overallOf(licence, components, now) };
}
