import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import type { Command } from './load.js';

// The checks after each fault, by real queries on the private cluster and the broker, not by asking the services:
// every acknowledged command has exactly one effect (a certificate row, a new version, a status change), exactly one
// event in the outbox and on the topic (the same event may be on the topic more than once: the relay publishes at
// least once and consumers de-duplicate, ADR 021; those copies are counted, not failed), every event exactly one audit
// leaf, each source's sequence in the log 1..n, and the credit service's licensing record for every issue.

/** What the checks found; `problems` names each one (empty when clean). */
export interface CheckResult {
  lost: number;
  doubled: number;
  /** Events published more than once (the same event id in the topic several times): allowed, reported. */
  redelivered: number;
  events: number;
  leaves: number;
  problems: string[];
}

const EFFECT_TYPE: Record<Command['kind'], string> = {
  issue: 'certificate.issued',
  change: 'certificate.changed',
  suspend: 'certificate.suspended',
};

/** The certificate events the credit service handles (its inbox records those it handled, not the others). */
const CONSUMED = [EFFECT_TYPE.issue, EFFECT_TYPE.change, EFFECT_TYPE.suspend];

/** The schemas whose outbox events the audit log must hold (the audit log's own checkpoints aside). */
const AUDITED_OUTBOXES = ['certificate', 'hub', 'credit'];

type Db = pg.Pool;

async function rows<T>(db: Db, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query(sql, params)).rows as T[];
}

/** Per holder: original certificates (version 1 rows), new versions by change, and events by type. */
async function effects(db: Db): Promise<Map<string, Record<string, number>>> {
  const found = new Map<string, Record<string, number>>();
  const add = (holder: string, what: string, n: number) => {
    const entry = found.get(holder) ?? {};
    entry[what] = (entry[what] ?? 0) + n;
    found.set(holder, entry);
  };
  for (const r of await rows<{ holder: string; originals: string; changes: string }>(
    db,
    `SELECT holder_subject AS holder, count(*) FILTER (WHERE previous_version_id IS NULL) AS originals,
            count(*) FILTER (WHERE previous_version_id IS NOT NULL) AS changes
     FROM certificate.certificates GROUP BY holder_subject`,
  )) {
    add(r.holder, 'original', Number(r.originals));
    add(r.holder, 'version', Number(r.changes));
  }
  for (const r of await rows<{ key: string; type: string; n: string }>(
    db,
    `SELECT key, type, count(*) AS n FROM certificate.outbox WHERE type = ANY($1) GROUP BY key, type`,
    [Object.values(EFFECT_TYPE)],
  )) {
    add(r.key, r.type, Number(r.n));
  }
  for (const r of await rows<{ key: string; n: string }>(
    db,
    `SELECT subject_key AS key, count(*) AS n FROM credit.records WHERE kind = 'licensing' GROUP BY subject_key`,
  )) {
    add(r.key, 'licensing', Number(r.n));
  }
  return found;
}

/**
 * The effect a command has: its rows, its event in the outbox, and the credit service's licensing record (one per
 * licence version, ADR 040: the issue's own, and one more per change).
 */
function effectCounts(command: Command, of: Record<string, number>): number[] {
  const changes = of[EFFECT_TYPE.change] ?? 0;
  if (command.kind === 'issue') {
    return [of.original ?? 0, of[EFFECT_TYPE.issue] ?? 0, (of.licensing ?? 0) - changes];
  }
  if (command.kind === 'change') return [of.version ?? 0, changes, changes === 0 ? 0 : (of.licensing ?? 0) - 1];
  return [of[EFFECT_TYPE.suspend] ?? 0];
}

/** Lost (an acknowledged command without its effect) and doubled (any command with more than one). */
export async function checkEffects(db: Db, commands: readonly Command[], result: CheckResult): Promise<void> {
  const found = await effects(db);
  for (const command of commands) {
    const counts = effectCounts(command, found.get(command.holder) ?? {});
    if (command.outcome === 'acknowledged' && counts.some((n) => n === 0)) {
      result.lost += 1;
      result.problems.push(`lost: ${command.kind} ${command.key} (${command.holder}): effects ${counts.join('/')}`);
    } else if (counts.some((n) => n > 1)) {
      result.doubled += 1;
      result.problems.push(`doubled: ${command.kind} ${command.key} (${command.holder}): effects ${counts.join('/')}`);
    }
  }
}

/** Every outbox event exactly one audit leaf, no leaf twice, each source's sequence 1..n in the log. */
export async function checkAuditLog(db: Db, result: CheckResult): Promise<void> {
  const missing = await rows<{ schema: string; n: string }>(db, outboxNotInLog(), []);
  for (const m of missing.filter((r) => Number(r.n) > 0)) {
    result.lost += Number(m.n);
    result.problems.push(`${m.n} event(s) of ${m.schema}.outbox not in the audit log`);
  }
  const twice = await rows<{ n: string }>(
    db,
    'SELECT count(*) AS n FROM (SELECT event_id FROM audit.leaves GROUP BY event_id HAVING count(*) > 1) d',
  );
  if (Number(twice[0]!.n) > 0) {
    result.doubled += Number(twice[0]!.n);
    result.problems.push(`${twice[0]!.n} event(s) with more than one audit leaf`);
  }
  const gaps = await rows<{ source: string; n: string; low: string; high: string }>(
    db,
    `SELECT source, count(DISTINCT sequence) AS n, min(sequence) AS low, max(sequence) AS high FROM audit.leaves
     GROUP BY source HAVING min(sequence) <> 1 OR max(sequence) <> count(DISTINCT sequence)`,
  );
  for (const g of gaps) result.problems.push(`gap in ${g.source}: ${g.n} numbers from ${g.low} to ${g.high}`);
  result.leaves = Number((await rows<{ n: string }>(db, 'SELECT count(*) AS n FROM audit.leaves'))[0]!.n);
}

function outboxNotInLog(): string {
  return AUDITED_OUTBOXES.map(
    (s) =>
      `SELECT '${s}' AS schema, count(*) AS n FROM ${s}.outbox o
       WHERE NOT EXISTS (SELECT 1 FROM audit.leaves l WHERE l.event_id = o.event_id)`,
  ).join(' UNION ALL ');
}

/** Audited outbox events not in the log yet, and certificate events the credit consumer has not handled yet. */
export async function behind(db: Db): Promise<number> {
  const missing = await rows<{ n: string }>(db, outboxNotInLog());
  const credit = await rows<{ n: string }>(
    db,
    `SELECT count(*) AS n FROM certificate.outbox o WHERE o.type = ANY($1)
     AND NOT EXISTS (SELECT 1 FROM credit.inbox i WHERE i.event_id = o.event_id)`,
    [CONSUMED],
  );
  return missing.reduce((sum, r) => sum + Number(r.n), 0) + Number(credit[0]!.n);
}

/**
 * The certificate topic read from the beginning to its end now (a throwaway group): every certificate outbox event
 * on it, none of its events unknown to the outbox; copies of one event counted as redelivered.
 */
export async function checkTopic(db: Db, brokers: string, result: CheckResult): Promise<void> {
  const topic = 'onceonly.certificate.v1';
  const copies = await readTopic(brokers, topic);
  const outbox = new Set(
    (await rows<{ event_id: string }>(db, 'SELECT event_id FROM certificate.outbox WHERE topic = $1', [topic])).map(
      (r) => r.event_id,
    ),
  );
  result.events = outbox.size;
  const absent = [...outbox].filter((id) => !copies.has(id));
  if (absent.length > 0) {
    result.lost += absent.length;
    result.problems.push(`${absent.length} outbox event(s) not on ${topic}, e.g. ${absent[0]}`);
  }
  const unknown = [...copies.keys()].filter((id) => !outbox.has(id));
  if (unknown.length > 0) result.problems.push(`${unknown.length} event(s) on ${topic} that no outbox row holds`);
  result.redelivered += [...copies.values()].filter((n) => n > 1).length;
}

async function readTopic(brokers: string, topic: string): Promise<Map<string, number>> {
  const kafka = new Kafka({
    clientId: 'onceonly-faults-check',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  const copies = new Map<string, number>();
  if (ends.size === 0) return copies;
  const consumer = kafka.consumer({ groupId: `onceonly-faults-check-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${topic} not read to its end within 120 s`)), 120_000);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const id = message.headers?.ce_id?.toString() ?? '';
            copies.set(id, (copies.get(id) ?? 0) + 1);
            if (BigInt(message.offset) + 1n >= (ends.get(partition) ?? 0n)) ends.delete(partition);
            if (ends.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return copies;
}

/** A fresh result. */
export function emptyResult(): CheckResult {
  return { lost: 0, doubled: 0, redelivered: 0, events: 0, leaves: 0, problems: [] };
}
