import type { Queryable } from '@onceonly/store';
import type { CertificateState } from '../domain/certificate.js';
import { deriveIndustryStatus, type IndustryView } from '../domain/industry.js';
import type { CertificateDeps } from './ports.js';

/** The live view of an industry licence (each component's current version and status); undefined for others. */
export async function industryViewOf(
  deps: Pick<CertificateDeps, 'certificates'>,
  q: Queryable,
  state: CertificateState,
  now: Date,
): Promise<IndustryView | undefined> {
  if (state.industry === undefined) return undefined;
  const ids = state.industry.components.map((c) => c.certificateId);
  const current = await deps.certificates.currentVersionsOf(q, ids);
  return deriveIndustryStatus(state, current, now);
}
