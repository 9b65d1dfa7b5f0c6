import { CONTRACT_TOPICS, creditEventsV1 } from '@onceonly/contracts';
import { createConsumer, defineEvent, type EventTransport, eventHandler } from '@onceonly/events';
import type { Logger } from '@onceonly/kit';
import type { CertificateDeps } from '../../app/ports.js';
import { type WithdrawalOutcome, withdrawOnBrokenCommitment } from '../../app/withdraw-on-broken-commitment.js';
import { CERTIFICATE_SCHEMA } from '../db/migrations.js';

/**
 * The consumer of the credit service's `credit.commitment.broken` (topic `onceonly.credit.v1`, body
 * `CommitmentChanged` from libs/contracts: services never import each other): the licence granted on the broken
 * commitment is withdrawn (撤销). Every other credit event is ignored (no handler: counted, not read further).
 */
const commitmentBroken = defineEvent({
  type: 'credit.commitment.broken',
  source: '/onceonly/credit',
  dataschema: 'proto:onceonly.credit.v1.CommitmentChanged',
  codec: creditEventsV1.CommitmentChanged,
});

export function commitmentConsumer(options: {
  deps: CertificateDeps;
  transport: EventTransport;
  group: string;
  log: Logger;
  onOutcome?: (outcome: WithdrawalOutcome) => void;
}) {
  const { deps, log } = options;
  return createConsumer({
    transport: options.transport,
    db: deps.db,
    schema: CERTIFICATE_SCHEMA,
    group: options.group,
    topics: [CONTRACT_TOPICS.credit],
    handlers: {
      [commitmentBroken.type]: eventHandler(commitmentBroken, async (body, event, tx) => {
        const c = body.commitment;
        const outcome: WithdrawalOutcome = c
          ? await withdrawOnBrokenCommitment(deps, tx, {
              commitmentId: c.id,
              certificateId: c.certificateId,
              ownerCode: c.ownerCode,
              findings: c.findings,
            })
          : { done: 'skipped', reason: 'unknown-licence' };
        if (outcome.done === 'skipped' && outcome.reason === 'not-the-issuer') {
          log.warn({ eventId: event.id, reason: outcome.reason }, 'broken commitment not acted on');
        }
        options.onOutcome?.(outcome);
      }),
    },
    fromBeginning: true,
    log,
    clock: deps.clock,
  });
}
