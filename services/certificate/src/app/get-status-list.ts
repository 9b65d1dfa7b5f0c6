import { AppError } from '@onceonly/errors';
import { sealPayload } from '@onceonly/seal';
import {
  bitstringWith,
  encodeStatusList,
  type StatusPurpose,
  statusBitsOf,
  statusListCredential,
} from '../domain/status-list.js';
import type { CertificateDeps } from './ports.js';
import { issuerUrl, statusListUrl } from './status-list-url.js';

/** How long a status list credential is good for: verifiers fetch a fresh one daily. */
const LIST_VALIDITY_MS = 24 * 3_600_000;

import { STATUS_LIST_TYP } from './status-list-typ.js';

export { STATUS_LIST_TYP };

/** A status list, unsigned and sealed. */
export interface StatusListOutput {
  readonly credential: Record<string, unknown>;
  readonly jws: string;
  readonly updatedAt: Date;
}

/**
 * GetStatusList: the W3C Bitstring Status List of one issuer, purpose and list number, built from the issuer's
 * versions (revocation: withdrawn, revoked, cancelled or superseded; suspension: suspended) and sealed with the
 * issuer's active seal (JWS `typ` vc+jwt, payload the credential plus `iat`).
 * @throws AppError NOT_FOUND for a body that issues nothing here; the seal errors of `activeSigner`.
 */
export async function getStatusListCase(
  deps: CertificateDeps,
  input: { issuerCode: string; purpose: StatusPurpose; listNumber: number },
): Promise<StatusListOutput> {
  const now = deps.clock();
  const issuer = deps.departments.find(input.issuerCode);
  if (issuer?.seal === undefined) {
    throw new AppError('NOT_FOUND', 'no department with a seal has this code', {
      details: { fields: [{ field: 'issuer_code', reason: 'NOT_AN_ISSUER', description: 'issues no certificates' }] },
    });
  }
  const members = await deps.certificates.statusListMembers(deps.db, issuer.code, input.listNumber);
  const set = members.filter((m) => statusBitsOf(m.state)[input.purpose]).map((m) => m.index);
  const credential = statusListCredential({
    id: statusListUrl(deps.statusListBaseUrl, issuer.code, input.purpose, input.listNumber),
    issuer: issuerUrl(deps.statusListBaseUrl, issuer.code),
    purpose: input.purpose,
    encodedList: encodeStatusList(bitstringWith(set)),
    validFrom: now,
    validUntil: new Date(now.getTime() + LIST_VALIDITY_MS),
  });
  const signer = await deps.keys.activeSigner(issuer.code, issuer.seal.use, now);
  const jws = await sealPayload(credential, signer, { typ: STATUS_LIST_TYP, clock: () => now });
  const changes = members.map((m) => Date.parse(m.state.statusChangedAt)).filter((t) => !Number.isNaN(t));
  return { credential, jws, updatedAt: new Date(changes.length > 0 ? Math.max(...changes) : now.getTime()) };
}
