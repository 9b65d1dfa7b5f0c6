import { randomUUID } from 'node:crypto';
import type { Database } from '@onceonly/store';
import { CHINA_WORKDAYS } from '@onceonly/workdays';
import { sqlCreditStore, sqlIdempotencyStore } from './adapters/db/stores.js';
import { sqlCreditOutbox } from './adapters/events/outbox.js';
import type { CreditDeps } from './app/ports.js';
import { sweepGrades } from './app/sweep.js';

/**
 * The grade sweep the module runs every `ONCEONLY_CREDIT_SWEEP_MS`, over a migrated `credit` schema outside a host
 * (the bench measures it; an operator's tool may run it): the subjects due for review regraded, each in its own
 * transaction through `regradeSubject`. Its `credit.grade.changed` events are written to the outbox and wait there
 * for the module's relay (none runs here).
 */
export function creditGradeSweep(options: {
  db: Database;
  clock: () => Date;
}): () => Promise<{ regraded: number; changed: number }> {
  const deps: CreditDeps = {
    db: options.db,
    clock: options.clock,
    calendar: CHINA_WORKDAYS,
    store: sqlCreditStore,
    idempotency: sqlIdempotencyStore,
    outbox: sqlCreditOutbox,
    relay: { kick: () => undefined },
    newId: randomUUID,
    // a regrade names no one: a citizen ID never reaches it
    hashCitizenId: () => {
      throw new Error('the grade sweep hashes no citizen ID');
    },
  };
  return () => sweepGrades(deps);
}
