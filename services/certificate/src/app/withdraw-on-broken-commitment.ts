import { isAppError } from '@onceonly/errors';
import type { Transaction } from '@onceonly/store';
import { LicenceStatus } from '../domain/lifecycle-codes.js';
import { revoke } from '../domain/status-changes.js';
import { actOnCertificateIn } from './act-on-certificate.js';
import type { CertificateDeps, CertificateRecord } from './ports.js';

/**
 * 撤销 of a licence granted on commitment (告知承诺) whose post-approval check found the commitment broken, on the
 * credit service's `credit.commitment.broken` (issue 13 item 4, ADR 024): the legal basis is the Administrative
 * Licensing Law art. 69 (a licence obtained by improper means, here a false commitment, shall be withdrawn) and the
 * State Council's guidance on the commitment regime (国办发〔2020〕42号: a commitment found untrue leads to withdrawal).
 */
export const COMMITMENT_WITHDRAWAL_BASIS =
  '《中华人民共和国行政许可法》第六十九条第二款；《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》（国办发〔2020〕42号）';

/** The most of the findings quoted in the reason (a reason holds 1,000 characters). */
const MAX_FINDINGS_QUOTED = 900;

/** A broken commitment, as the credit service's event tells it. */
export interface BrokenCommitment {
  readonly commitmentId: string;
  readonly certificateId: string;
  /** The department that checked it: must be the licence's issuer. */
  readonly ownerCode: string;
  readonly findings: string;
}

export type WithdrawalOutcome =
  | { readonly done: 'withdrawn'; readonly record: CertificateRecord }
  | { readonly done: 'skipped'; readonly reason: 'unknown-licence' | 'not-the-issuer' | 'not-in-force' };

/**
 * Withdraws the licence (the version in force: a later version when it was changed or renewed since) in the
 * consumer's transaction `tx`, through the status-change use case (`revoke`, kind withdrawn), acting for its issuer:
 * `certificate.revoked` names the consumed event as its cause. Idempotent: a licence withdrawn, revoked, cancelled or
 * expired already is skipped, so is one the service does not hold or whose issuer is not the department that
 * checked the commitment: a redelivered or foreign event never fails the batch.
 */
export async function withdrawOnBrokenCommitment(
  deps: CertificateDeps,
  tx: Transaction,
  broken: BrokenCommitment,
): Promise<WithdrawalOutcome> {
  let current = await deps.certificates.lock(tx, broken.certificateId);
  for (let hops = 0; current?.state.supersededById !== undefined && hops < 1000; hops++) {
    current = await deps.certificates.lock(tx, current.state.supersededById);
  }
  if (current === undefined) return { done: 'skipped', reason: 'unknown-licence' };
  const issuer = current.state.issuer.code;
  if (issuer !== broken.ownerCode) return { done: 'skipped', reason: 'not-the-issuer' };
  const status = current.state.status;
  if (status !== LicenceStatus.VALID && status !== LicenceStatus.SUSPENDED) {
    return { done: 'skipped', reason: 'not-in-force' };
  }
  const findings = [...broken.findings].slice(0, MAX_FINDINGS_QUOTED).join('');
  const reason = `告知承诺批后核查不实（承诺 ${broken.commitmentId}）：${findings}`;
  try {
    const record = await actOnCertificateIn(deps, tx, current.state.id, (state, now) =>
      revoke(
        state,
        { actor: { departmentCode: issuer }, kind: 'withdrawn', reason, legalBasis: COMMITMENT_WITHDRAWAL_BASIS },
        now,
      ),
    );
    return { done: 'withdrawn', record };
  } catch (err) {
    // expired by time meanwhile: the transition refuses before anything is written
    if (isAppError(err, 'CERT_ILLEGAL_TRANSITION')) return { done: 'skipped', reason: 'not-in-force' };
    throw err;
  }
}
