import { AppError, invalid } from '@onceonly/errors';
import type { CertificateDeps, CertificateRecord } from './ports.js';

/**
 * A licence by the number (证照编号) its paper shows. A number is unique per type, so it names one licence unless
 * two types share it (a holder-code-numbered type such as 营业执照 carries the credit code); then the caller names
 * the type as well.
 */
export interface NumberRef {
  readonly number: string;
  readonly typeCode?: string | undefined;
}

/**
 * The current version of the licence with this number.
 * @throws AppError CERT_NOT_FOUND; INVALID_ARGUMENT (field `type_code`) when the number names several types.
 */
export async function requireByNumber(
  deps: Pick<CertificateDeps, 'certificates' | 'db'>,
  ref: NumberRef,
): Promise<CertificateRecord> {
  const found = await deps.certificates.currentByNumber(deps.db, ref.number, ref.typeCode);
  if (found.length === 1) return found[0]!;
  if (found.length === 0) throw new AppError('CERT_NOT_FOUND', 'no certificate with this reference');
  const types = found.map((r) => r.state.typeCode).join(', ');
  throw invalid('INVALID_ARGUMENT', [
    { field: 'type_code', reason: 'AMBIGUOUS_NUMBER', description: `the number names licences of types ${types}` },
  ]);
}
