import { AppError } from '@onceonly/errors';
import type { CertificateState } from '../domain/certificate.js';
import type { IndustryView } from '../domain/industry.js';
import type { CallerRef } from './callers.js';
import { faceDisclosure } from './face-disclosure.js';
import { type NumberRef, requireByNumber } from './find-by-number.js';
import { type HolderCodeInput, holderRefsOf } from './holder-query.js';
import { industryViewOf } from './industry-view.js';
import type { CertificateDeps, CertificateRecord } from './ports.js';

/** A certificate version with its history and, for an industry licence, the live view of its components. */
export interface CertificateView {
  readonly record: CertificateRecord;
  /** Every version of the licence, oldest first. */
  readonly history: readonly CertificateState[];
  readonly industry?: IndustryView;
}

/** By id, by licence identifier, or by licence number (the current version; see `find-by-number.ts`). */
export type CertificateRef = { readonly id: string } | { readonly identifier: string } | NumberRef;

/** Loads a version by reference. @throws AppError CERT_NOT_FOUND. */
export async function requireRecord(
  deps: Pick<CertificateDeps, 'certificates' | 'db'>,
  ref: CertificateRef,
): Promise<CertificateRecord> {
  if ('number' in ref) return requireByNumber(deps, ref);
  const record =
    'id' in ref
      ? await deps.certificates.get(deps.db, ref.id)
      : await deps.certificates.getByIdentifier(deps.db, ref.identifier);
  if (record !== undefined) return record;
  throw new AppError('CERT_NOT_FOUND', 'no certificate with this reference');
}

/** GetCertificate input: the reference, the caller and, for the portal, the holder it acts for. */
export interface GetCertificateInput {
  readonly ref: CertificateRef;
  readonly caller: CallerRef;
  /** The holder the portal names (validated, a citizen ID hashed at once). */
  readonly holder?: HolderCodeInput;
}

/**
 * GetCertificate: one version, every version of the licence, and the live component view of an industry licence,
 * to whom may see its face (app/face-disclosure.ts, VerifyCertificate's rule by id: the issuer, an auditor, a
 * consented platform, the portal acting for the holder). It has no verdict-only answer: anyone else is refused.
 * @throws AppError CERT_NOT_FOUND, CERT_READ_DENIED, INVALID_ARGUMENT (a bad holder code).
 */
export async function getCertificateCase(deps: CertificateDeps, input: GetCertificateInput): Promise<CertificateView> {
  const now = deps.clock();
  const onBehalfOf =
    input.holder === undefined
      ? undefined
      : holderRefsOf([input.holder], deps.hashCitizenId, now, 'holder_code', false)[0]!.subject;
  const record = await requireRecord(deps, input.ref);
  const { state } = record;
  const caller = { ...input.caller, ...(onBehalfOf === undefined ? {} : { onBehalfOf }) };
  if ((await faceDisclosure(deps, caller, record, now)) !== 'full') {
    throw new AppError(
      'CERT_READ_DENIED',
      'only the issuing department, an auditor, a platform with the holder’s consent or the portal acting for the holder may read this certificate; VerifyCertificate answers its verdict',
      { details: { meta: { role: caller.role ?? '' } } },
    );
  }
  const history = await deps.certificates.versions(deps.db, state.typeCode, state.number);
  const industry = await industryViewOf(deps, deps.db, state, now);
  return { record, history, ...(industry === undefined ? {} : { industry }) };
}
