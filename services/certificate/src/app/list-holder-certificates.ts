import type { CertificateState } from '../domain/certificate.js';
import type { CallerRef } from './callers.js';
import { faceDisclosures } from './face-disclosure.js';
import { type HolderCodeInput, holderRefsOf } from './holder-query.js';
import type { CertificateDeps } from './ports.js';

/**
 * ListHolderCertificates: the current version of each licence a holder holds, whatever its status, that the caller
 * may see the face of (app/face-disclosure.ts, VerifyCertificate's rule by id): the portal, which names the holder it
 * acts for, sees them all; a department the ones it issued; an auditor all. The holder code is validated with its
 * check character; a citizen ID becomes its keyed hash at once and goes no further. Platforms are refused at the edge.
 * @throws AppError INVALID_ARGUMENT naming `holder_code` / `holder_code_type`.
 */
export async function listHolderCertificatesCase(
  deps: Pick<CertificateDeps, 'certificates' | 'consents' | 'db' | 'hashCitizenId' | 'clock'>,
  holder: HolderCodeInput,
  caller: CallerRef,
): Promise<readonly CertificateState[]> {
  const now = deps.clock();
  const [ref] = holderRefsOf([holder], deps.hashCitizenId, now, 'holder', false);
  const held = (await deps.certificates.currentByHolders(deps.db, [ref!.subject])).get(ref!.subject) ?? [];
  const disclosures = await faceDisclosures(deps, { ...caller, onBehalfOf: ref!.subject }, held, now);
  return held.filter((_, i) => disclosures[i] === 'full');
}
