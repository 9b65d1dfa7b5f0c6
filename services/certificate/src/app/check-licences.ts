import { type FieldViolation, invalid } from '@onceonly/errors';
import { findType } from '../domain/catalogue.js';
import type { CertificateState } from '../domain/certificate.js';
import { assertCheckSize, checkHolder, type HolderCheckResult, type LicenceSummary } from '../domain/consent.js';
import { CERTIFICATE_EVENT_TYPES, type LicencesChecked } from '../domain/events.js';
import { deriveIndustryStatus } from '../domain/industry.js';
import { recordVerdict, type Verdict } from '../domain/verdict.js';
import { type CallerRef, callerWithRole } from './callers.js';
import { type HolderCodeInput, holderRefsOf } from './holder-query.js';
import type { CertificateDeps } from './ports.js';

/** CheckLicences input. */
export interface CheckLicencesInput {
  readonly caller: CallerRef;
  readonly holders: readonly HolderCodeInput[];
  readonly typeCodes: readonly string[];
  readonly purpose: string;
}

/** A licence as the platform sees it, with the two answers (ADR 033). */
export interface CheckedLicence extends LicenceSummary {
  readonly verdict: Verdict;
}

/** The answer for one holder of the request, in request order. */
export interface HolderAnswer extends HolderCheckResult {
  readonly index: number;
  readonly holderCodeMasked: string;
  readonly licences: readonly CheckedLicence[];
}

function checkTypes(typeCodes: readonly string[], purpose: string): string[] {
  const violations: FieldViolation[] = [];
  const codes = [...new Set(typeCodes.map((t) => t.trim()))];
  codes.forEach((code, i) => {
    if (findType(code) === undefined) {
      violations.push({ field: `type_codes[${i}]`, reason: 'CERT_TYPE_UNKNOWN', description: 'not in the catalogue' });
    }
  });
  if (purpose.trim() === '')
    violations.push({ field: 'purpose', reason: 'REQUIRED', description: 'the purpose of the check' });
  if (violations.length > 0) throw invalid('INVALID_ARGUMENT', violations);
  return codes;
}

/**
 * The two answers for every licence answered, with three statements for the whole call whatever its size: the
 * seals and sealing times, the current versions of the industry licences' components, and the seal state (cached).
 */
async function verdictsFor(
  deps: CertificateDeps,
  held: readonly CertificateState[],
  answers: readonly HolderCheckResult[],
  now: Date,
): Promise<(licence: LicenceSummary) => Verdict> {
  const states = new Map(held.map((s) => [s.id, s]));
  const shown = answers.flatMap((a) => a.licences.map((l) => states.get(l.certificateId)!));
  const componentIds = shown.flatMap((s) => s.industry?.components.map((c) => c.certificateId) ?? []);
  const [sealings, current, trust] = await Promise.all([
    deps.certificates.sealingsOf(
      deps.db,
      shown.map((s) => s.id),
    ),
    deps.certificates.currentVersionsOf(deps.db, componentIds),
    deps.keys.verificationTrust(),
  ]);
  return (licence) => {
    const state = states.get(licence.certificateId)!;
    const sealing = sealings.get(state.id);
    const revokedAt = sealing === undefined ? undefined : trust.sealStatus(sealing.sealKid)?.revokedAt;
    return recordVerdict({
      state,
      now,
      ...(state.industry === undefined ? {} : { industry: deriveIndustryStatus(state, current, now) }),
      ...(sealing === undefined ? {} : { sealedAt: sealing.sealedAt }),
      ...(revokedAt === undefined ? {} : { sealRevokedAt: revokedAt }),
    });
  };
}

/**
 * PlatformService.CheckLicences: 1 to 1,000 holders; for each, only the licence types an active consent of the
 * holder lets this platform see for this purpose (type, number, validity, status), and why the other requested
 * types are refused. The whole call is recorded as one `certificate.licences-checked` event keyed by the platform.
 * @throws AppError PERMISSION_DENIED (not a platform), REQUEST_TOO_LARGE, INVALID_ARGUMENT.
 */
export async function checkLicencesCase(
  deps: CertificateDeps,
  input: CheckLicencesInput,
): Promise<{
  results: HolderAnswer[];
  checkedAt: Date;
}> {
  const now = deps.clock();
  const platform = callerWithRole(deps.departments, input.caller, 'platform');
  assertCheckSize(input.holders.length);
  const typeCodes = checkTypes(input.typeCodes, input.purpose);
  const purpose = input.purpose.trim();
  const refs = holderRefsOf(input.holders, deps.hashCitizenId, now, 'holders');
  const subjects = refs.map((r) => r.subject);
  const consents = await deps.consents.forPlatform(deps.db, platform.code, subjects);
  const certificates = await deps.certificates.currentByHolders(deps.db, subjects);
  const query = { platformCode: platform.code, purpose, typeCodes };
  const answers = refs.map((ref, index) => ({
    index,
    holderCodeMasked: ref.facts.holderCodeMasked,
    ...checkHolder(consents.get(ref.subject) ?? [], certificates.get(ref.subject) ?? [], query, now),
  }));
  const judge = await verdictsFor(deps, [...certificates.values()].flat(), answers, now);
  const results = answers.map((a) => ({ ...a, licences: a.licences.map((l) => ({ ...l, verdict: judge(l) })) }));
  const event: LicencesChecked = {
    type: CERTIFICATE_EVENT_TYPES.LICENCES_CHECKED,
    platformCode: platform.code,
    purpose,
    checkedAt: now.toISOString(),
    requestedTypeCodes: typeCodes,
    holders: results.map((r, i) => ({
      holder: refs[i]!.facts,
      coveredTypeCodes: r.covered,
      certificateIds: r.licences.map((l) => l.certificateId),
      refused: r.refused,
    })),
  };
  await deps.db.transaction((tx) => deps.outbox.append(tx, [{ event }]));
  deps.relay.kick();
  return { results, checkedAt: now };
}
