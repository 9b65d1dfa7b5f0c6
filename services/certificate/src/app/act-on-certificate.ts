import { AppError } from '@onceonly/errors';
import type { Transaction } from '@onceonly/store';
import type { CertificateState, Transition } from '../domain/certificate.js';
import type { CertificateEvent } from '../domain/events.js';
import { expireIfDue } from '../domain/status-changes.js';
import type { CertificateDeps, CertificateRecord, OutgoingEvent } from './ports.js';

/**
 * The shape every lifecycle use case shares, in one transaction: load the version (row-locked), record its expiry
 * when due (失效 is a fact of its own, with its own event), apply the domain transition, save, and write the events
 * to the outbox. A transition that throws (another department, a wrong status, bad input) rolls everything back:
 * nothing is written.
 */

/** Loads and locks a version. @throws AppError CERT_NOT_FOUND. */
export async function lockRecord(
  deps: Pick<CertificateDeps, 'certificates'>,
  tx: Transaction,
  id: string,
): Promise<CertificateRecord> {
  const record = await deps.certificates.lock(tx, id);
  if (record !== undefined) return record;
  throw new AppError('CERT_NOT_FOUND', 'no certificate with this id', { details: { meta: { certificateId: id } } });
}

/** The state after recording a due expiry, and the expiry event if there was one. */
export function withDueExpiry(
  state: CertificateState,
  now: Date,
): { state: CertificateState; events: OutgoingEvent[] } {
  const expired = expireIfDue(state, now);
  return expired === undefined
    ? { state, events: [] }
    : { state: expired.certificate, events: [{ event: expired.event }] };
}

/** Runs a transition that keeps the version (suspend, resume, revoke, cancel, disputes). */
export async function actOnCertificate(
  deps: CertificateDeps,
  id: string,
  transition: (state: CertificateState, now: Date) => Transition<CertificateEvent>,
): Promise<CertificateRecord> {
  const record = await deps.db.transaction((tx) => actOnCertificateIn(deps, tx, id, transition));
  deps.relay.kick();
  return record;
}

/**
 * {@link actOnCertificate} inside the caller's transaction `tx` (a consumer's: its events then name the consumed
 * event as their cause); the caller wakes the relay after the commit.
 */
export async function actOnCertificateIn(
  deps: CertificateDeps,
  tx: Transaction,
  id: string,
  transition: (state: CertificateState, now: Date) => Transition<CertificateEvent>,
): Promise<CertificateRecord> {
  const now = deps.clock();
  const locked = await lockRecord(deps, tx, id);
  const due = withDueExpiry(locked.state, now);
  const { certificate, event } = transition(due.state, now);
  await deps.certificates.updateState(tx, certificate);
  await deps.outbox.append(tx, [...due.events, { event }]);
  return { ...locked, state: certificate };
}
