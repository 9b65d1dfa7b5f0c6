import { auditEventsV1 } from '@onceonly/contracts';
import { createConsumer, defineEvent, type EventConsumer, type EventTransport } from '@onceonly/events';
import type { Logger } from '@onceonly/kit';
import type { Database } from '@onceonly/store';
import { type InspectionDeps, keepCheckpointCase, type LogKey } from '../../app/inspections.js';
import { AUDIT_CHECKPOINTS } from '../../topics.js';
import { CREDIT_SCHEMA } from '../db/stores.js';

/** `audit.checkpoint.signed` as the audit log's contracts define it (proto/onceonly/audit/v1/events.proto). */
const checkpointSigned = defineEvent({
  type: AUDIT_CHECKPOINTS.type,
  source: '/onceonly/audit',
  dataschema: 'proto:onceonly.audit.v1.CheckpointSigned',
  codec: auditEventsV1.CheckpointSigned,
});

/**
 * The consumer of the audit log's checkpoints (ADR 025): each `audit.checkpoint.signed` is kept when its note is
 * signed by the log's key; another log's checkpoint (a shared broker carries every log's) or a badly signed one is
 * ignored and named in the log, never fatal. Inbox de-duplication makes redelivery harmless.
 */
export function checkpointConsumer(options: {
  readonly db: Database;
  readonly transport: EventTransport;
  readonly group: string;
  readonly topic: string;
  readonly key: LogKey;
  readonly deps: Pick<InspectionDeps, 'store' | 'clock'>;
  readonly log: Logger;
}): EventConsumer {
  const { key, deps, log } = options;
  return createConsumer({
    transport: options.transport,
    db: options.db,
    schema: CREDIT_SCHEMA,
    group: options.group,
    topics: [options.topic],
    log,
    handlers: {
      [AUDIT_CHECKPOINTS.type]: async (event, tx) => {
        const c = checkpointSigned.decode(event);
        const outcome = await keepCheckpointCase(deps, key, tx, {
          origin: c.origin,
          size: Number(c.size),
          root: Buffer.from(c.rootHash),
          note: c.signedNote,
        });
        if (outcome === 'kept') log.debug({ origin: c.origin, size: c.size }, 'audit checkpoint kept');
        else if (outcome === 'foreign')
          log.info({ origin: c.origin, size: c.size }, "another log's checkpoint, ignored");
        else log.warn({ origin: c.origin, size: c.size }, "a checkpoint not signed by the log's key, ignored");
      },
    },
  });
}
