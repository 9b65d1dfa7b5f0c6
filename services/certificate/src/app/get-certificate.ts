import { AppError } from '@onceonly/errors';
import type { CertificateState } from '../domain/certificate.js';
import type { IndustryView } from '../domain/industry.js';
import { type NumberRef, requireByNumber } from './find-by-number.js';
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

/**
 * GetCertificate: one version, every version of the licence, and the live component view of an industry licence.
 * @throws AppError CERT_NOT_FOUND.
 */
export async function getCertificateCase(deps: CertificateDeps, ref: CertificateRef): Promise<CertificateView> {
  const record = await requireRecord(deps, ref);
  const { state } = record;
  const history = await deps.certificates.versions(deps.db, state.typeCode, state.number);
  const industry = await industryViewOf(deps, deps.db, state, deps.clock());
  return { record, history, ...(industry === undefined ? {} : { industry }) };
}
