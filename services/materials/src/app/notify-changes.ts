import type { Transaction } from '@onceonly/store';
import { type CertificateChangeFact, NEW_VERSION_CHANGES, notificationsFor } from '../domain/consent.js';
import type { ConsentDeps } from './consent-ports.js';

/**
 * A certificate changed (the certificate service's event, in the consumer's inbox transaction): each department
 * whose application reused it (a piece pending or accepted) gets a notification and `materials.evidence.changed`;
 * a new version is watched for the same pieces, so later changes of it are told too. Returns how many were told.
 */
export async function notifyCertificateChange(
  deps: ConsentDeps,
  tx: Transaction,
  fact: CertificateChangeFact,
  causeEventId: string,
): Promise<number> {
  const watched = fact.previousCertificateId ?? fact.certificateId;
  const watches = await deps.consent.watches(tx, watched);
  if (watches.length === 0) return 0;
  if (NEW_VERSION_CHANGES.has(fact.change) && fact.certificateId !== watched) {
    await deps.consent.addWatches(
      tx,
      fact.certificateId,
      watches.map((w) => w.pieceId),
    );
  }
  const notifications = notificationsFor(fact, watches, { newId: deps.newId, at: deps.clock() });
  await deps.consent.addNotifications(tx, notifications);
  for (const n of notifications) await deps.consentOutbox.changed(tx, n, causeEventId);
  return notifications.length;
}
