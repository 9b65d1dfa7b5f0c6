import type { CertificateState } from '../domain/certificate.js';
import { type HolderCodeInput, holderRefsOf } from './holder-query.js';
import type { CertificateDeps } from './ports.js';

/**
 * ListHolderCertificates: the current version of each licence a holder holds, whatever its status. The holder
 * code is validated with its check character; a citizen ID becomes its keyed hash at once and goes no further.
 * Who may ask (departments and portals, not platforms) is checked at the edge, as for GetCertificate.
 * @throws AppError INVALID_ARGUMENT naming `holder_code` / `holder_code_type`.
 */
export async function listHolderCertificatesCase(
  deps: Pick<CertificateDeps, 'certificates' | 'db' | 'hashCitizenId' | 'clock'>,
  holder: HolderCodeInput,
): Promise<readonly CertificateState[]> {
  const [ref] = holderRefsOf([holder], deps.hashCitizenId, deps.clock(), 'holder', false);
  const held = await deps.certificates.currentByHolders(deps.db, [ref!.subject]);
  return held.get(ref!.subject) ?? [];
}
