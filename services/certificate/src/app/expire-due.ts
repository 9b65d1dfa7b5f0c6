import { chinaDate } from '../domain/dates.js';
import { expireIfDue } from '../domain/status-changes.js';
import { lockRecord } from './act-on-certificate.js';
import type { CertificateDeps } from './ports.js';

/** Certificates expired per sweep, at most. */
const BATCH = 500;

/**
 * The expiry sweep (过期失效): every current valid or suspended version whose last valid day has passed becomes
 * expired, each in its own transaction with its `certificate.expired` event. Returns how many it expired.
 */
export async function expireDueCase(deps: CertificateDeps): Promise<number> {
  const now = deps.clock();
  const ids = await deps.certificates.dueForExpiry(deps.db, chinaDate(now), BATCH);
  let expired = 0;
  for (const id of ids) {
    const done = await deps.db.transaction(async (tx) => {
      const transition = expireIfDue((await lockRecord(deps, tx, id)).state, now);
      if (transition === undefined) return false;
      await deps.certificates.updateState(tx, transition.certificate);
      await deps.outbox.append(tx, [{ event: transition.event }]);
      return true;
    });
    if (done) expired += 1;
  }
  if (expired > 0) deps.relay.kick();
  return expired;
}
