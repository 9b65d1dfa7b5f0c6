import type { Signer } from '@onceonly/seal';
import type { CertificateState } from '../domain/certificate.js';
import type { CertificateEvent } from '../domain/events.js';
import { statusListPosition } from '../domain/status-list.js';
import { rememberResult } from './idempotency.js';
import type { CertificateDeps, CertificateRecord, HolderDigest } from './ports.js';
import { sealedRecord } from './sealing.js';

/** What issuing needs before its transaction: the counters' scopes, the seal, and the domain's new certificate. */
export interface NumberAndSeal {
  /** The licence-number counter's scope; undefined when the number comes from elsewhere (a credit code). */
  readonly numberScope: string | undefined;
  readonly issuerCode: string;
  readonly signer: Signer;
  readonly digest: HolderDigest | undefined;
  readonly now: Date;
  /** The pure domain step, given the number's sequence. */
  readonly make: (sequence: number) => { certificate: CertificateState; event: CertificateEvent };
}

/**
 * Takes the licence number and the status-list slot, each in an autocommitted statement of its own, then seals: no
 * counter row stays locked while the seal is signed or while another statement waits (docs/adr/008). Numbers and
 * slots are unique and never reused; an issue that fails after this step leaves a gap.
 */
export async function numberAndSeal(
  deps: Pick<CertificateDeps, 'certificates' | 'db'>,
  input: NumberAndSeal,
): Promise<{ record: CertificateRecord; event: CertificateEvent }> {
  const { numberScope, issuerCode, signer, digest, now } = input;
  const sequence = numberScope === undefined ? 0 : await deps.certificates.nextNumber(deps.db, numberScope);
  const { certificate, event } = input.make(sequence);
  const slot = statusListPosition(await deps.certificates.nextStatusSequence(deps.db, issuerCode));
  return { record: await sealedRecord(certificate, signer, slot, digest, now), event };
}

/** The issuing transaction: the sealed version, the idempotency key and the event, together or not at all. */
export function commitIssued(
  deps: Pick<CertificateDeps, 'certificates' | 'db' | 'idempotency' | 'outbox'>,
  idempotency: { scope: { caller: string; operation: string; key: string }; hash: string },
  issued: { record: CertificateRecord; event: CertificateEvent },
  now: Date,
): Promise<CertificateRecord> {
  const { record, event } = issued;
  return deps.db.transaction(async (tx) => {
    await deps.certificates.insert(tx, record);
    await rememberResult(deps, tx, idempotency.scope, idempotency.hash, record.state.id, now);
    await deps.outbox.append(tx, [{ event, sealKid: record.sealKid }]);
    return record;
  });
}
