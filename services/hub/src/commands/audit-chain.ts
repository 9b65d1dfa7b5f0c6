import { auditV1 } from '@onceonly/audit/client';
import { isAppError } from '@onceonly/errors';
import type { Command } from 'commander';
import { type ClientOptions, call, cliOptions, toJson as json, writeLine as out, withClient } from '../client.js';

// `onceonly audit chain <event-id>`: the events that led to one, walked back through their causation ids
// (`causationid`, stored beside each leaf), oldest first: e.g. a licence issued on commitment, the commitment
// tracked, the post-check's record, the commitment broken, the licence withdrawn (ADR 024).

/** One event of a chain, as the audit log holds it. */
export interface ChainStep {
  readonly leafIndex: number;
  readonly eventId: string;
  readonly type: string;
  readonly source: string;
  readonly subject: string;
  readonly time: string;
  /** The event that caused it ('' for the first of the chain). */
  readonly causationId: string;
}

/** The most steps walked back (a guard against a cycle a forged log could hold). */
const MAX_STEPS = 100;

/**
 * The chain that ends with `eventId`, oldest first: each event's cause read with GetEvent until an event names none.
 * A cause the log does not hold (yet) ends the chain there; its id stays in the first step's `causationId`.
 */
export async function auditChain(o: ClientOptions, eventId: string, why = ''): Promise<ChainStep[]> {
  return withClient(auditV1.AuditServiceClient, o, async (c) => {
    const steps: ChainStep[] = [];
    const seen = new Set<string>();
    for (let id = eventId; id !== '' && !seen.has(id) && steps.length < MAX_STEPS; ) {
      seen.add(id);
      let entry: auditV1.Entry | undefined;
      try {
        entry = (await call(c.getEvent.bind(c), { eventId: id, purpose: why }, o)).entry;
      } catch (err) {
        if (steps.length > 0 && isAppError(err, 'AUDIT_EVENT_NOT_FOUND')) break;
        throw err;
      }
      const e = entry?.event;
      if (!entry || !e) break;
      steps.unshift({
        leafIndex: Number(entry.leafIndex),
        eventId: e.id,
        type: e.type,
        source: e.source,
        subject: e.subject,
        time: e.time,
        causationId: entry.causationId,
      });
      id = entry.causationId;
    }
    return steps;
  });
}

/** The chain as text: one line per event, oldest first, each with what caused it. */
export function chainText(steps: readonly ChainStep[]): string {
  if (steps.length === 0) return 'no such event';
  const first = steps[0]!;
  const lines = steps.map(
    (s, i) =>
      `${i === 0 ? '' : '→ '}${s.type}  ${s.eventId}  leaf ${s.leafIndex}  ${s.time}  ${s.source}  ${s.subject}`,
  );
  if (first.causationId !== '') lines.unshift(`(caused by ${first.causationId}, not in the log)`);
  return lines.join('\n');
}

/** Adds `onceonly audit chain` to the `audit` command. */
export function registerChain(audit: Command): void {
  audit
    .command('chain')
    .description('the events that led to one, walked back through their causation ids, oldest first')
    .argument('<event-id>', 'the CloudEvents id of the last event of the chain')
    .option('--why <text>', 'why you read the events (logged by the hub with each read)')
    .action(async (eventId: string, opts: { why?: string }, cmd: Command) => {
      const o = cliOptions(cmd);
      const steps = await auditChain(o, eventId, opts.why ?? '');
      out(o.json ? json({ chain: steps }) : chainText(steps));
    });
}
