import { claimInboxBatch, inboxMigrations, outboxMigrations, pruneInbox, pruneOutbox } from '@onceonly/events';
import { type Database, migrate, type Queryable } from '@onceonly/store';
import { fmt, type Ratio, type Suite } from './suite.js';

/**
 * ADR 047's row: what the outbox and inbox retention costs. Two questions, each against a baseline in the same run:
 *
 * 1. What the consumers pay on their hot path for the inbox's BRIN index on `handled_at`: batch claims
 *    (`claimInboxBatch`, 500 events a transaction) into an inbox with the index ÷ into the same inbox without it,
 *    alternated; WAL bytes per claimed row from `EXPLAIN (ANALYZE, WAL)` of one claim each (per statement, so the
 *    other sessions on the machine do not count), and index bytes per row.
 * 2. What a pass costs: the batched deletes of `pruneOutbox` and `pruneInbox` (1,000 rows a statement) ÷ one plain
 *    DELETE of the same rows (what a cron job would run: one statement, one transaction holding every row lock), and
 *    the longest DELETE of the pass (how long it holds row locks at most).
 */

const SCHEMA = 'ret';
const BATCH = 500;
const DAY_MS = 86_400_000;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const now = () => performance.now();

async function install(db: Database, withIndex: boolean): Promise<void> {
  await db.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await migrate(db, {
    schema: SCHEMA,
    migrations: [...outboxMigrations(SCHEMA), ...inboxMigrations(SCHEMA)].filter(
      (m) => withIndex || m.version !== 9052,
    ),
  });
}

let claimSeq = 0;
function claims(n: number, topic = 'onceonly.certificate.v1') {
  return Array.from({ length: n }, () => {
    const i = claimSeq++;
    return {
      eventId: `0193a1b2-c3d4-7e5f-8a9b-${String(i).padStart(12, '0')}`,
      topic,
      partition: i % 6,
      offset: String(i),
    };
  });
}

/** Claims `batches` batches of 500 events, one transaction each; returns events per second. */
async function claimRate(db: Database, batches: number): Promise<number> {
  const start = now();
  for (let b = 0; b < batches; b++) {
    const batch = claims(BATCH);
    await db.transaction((tx) => claimInboxBatch(tx, SCHEMA, 'onceonly-audit', batch));
  }
  return (batches * BATCH) / ((now() - start) / 1000);
}

/** WAL bytes of one 500-event claim, from EXPLAIN (ANALYZE, WAL) of the statement `claimInboxBatch` sends. */
async function claimWalBytes(db: Database): Promise<number> {
  const batch = claims(BATCH);
  let wal = Number.NaN;
  const explaining: Queryable = {
    async query(sql, params) {
      const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: { 'WAL Bytes': number } }] }>(
        `EXPLAIN (ANALYZE, WAL, FORMAT JSON) ${sql}`,
        params,
      );
      wal = rows[0]!['QUERY PLAN'][0].Plan['WAL Bytes'];
      return { rows: [], rowCount: 0 } as never;
    },
  };
  await claimInboxBatch(explaining, SCHEMA, 'onceonly-audit', batch);
  return wal / BATCH;
}

interface ClaimSide {
  eventsPerSecond: number[];
  walBytesPerRow: number[];
  indexBytesPerRow: number;
}

async function measureClaims(db: Database, rounds: number, batches: number) {
  const sides: Record<'with' | 'without', ClaimSide> = {
    with: { eventsPerSecond: [], walBytesPerRow: [], indexBytesPerRow: 0 },
    without: { eventsPerSecond: [], walBytesPerRow: [], indexBytesPerRow: 0 },
  };
  for (let r = 0; r < rounds; r++) {
    // alternated, without first in odd rounds: the machine's noise falls on both
    for (const side of r % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const)) {
      await install(db, side === 'with');
      await claimRate(db, Math.max(2, Math.round(batches / 10))); // warm-up
      sides[side].eventsPerSecond.push(await claimRate(db, batches));
      sides[side].walBytesPerRow.push(await claimWalBytes(db));
      const { rows } = await db.query<{ bytes: string; n: string }>(
        `SELECT coalesce(pg_relation_size(to_regclass('${SCHEMA}.inbox_handled_brin')), 0) AS bytes,
                (SELECT count(*) FROM ${SCHEMA}.inbox) AS n`,
      );
      sides[side].indexBytesPerRow = Number(rows[0]!.bytes) / Number(rows[0]!.n);
    }
  }
  return sides;
}

/** Statement durations through `db`: the DELETEs (for the longest one of a pass), and the others. */
function timed(db: Database): { q: Queryable; durations: number[]; others: number[] } {
  const durations: number[] = [];
  const others: number[] = [];
  return {
    durations,
    others,
    q: {
      async query(sql, params) {
        const start = now();
        try {
          return await db.query(sql, params);
        } finally {
          // the deletes hold row locks; the pass's SELECTs (the outbox boundary, the clock, the inbox's ctids) hold none
          if (sql.includes('DELETE')) durations.push(now() - start);
          else others.push(now() - start);
        }
      },
    },
  };
}

/** `old` published outbox rows ten days old, `recent` published ones, `pending` unnumbered; inbox rows likewise. */
async function fill(db: Database, old: number, recent: number, pending: number): Promise<void> {
  await install(db, true);
  const total = old + recent;
  await db.query(
    `INSERT INTO ${SCHEMA}.outbox (event_id, topic, key, source, type, sequence, headers, body, created_at)
     SELECT 'e' || n, 'onceonly.certificate.v1', 'k' || (n % 1000), '/onceonly/certificate', 'certificate.verified',
            n, '{"ce_specversion":"1.0"}'::jsonb, convert_to(repeat('x', 600), 'UTF8'),
            CASE WHEN n <= $1 THEN now() - interval '10 days' ELSE now() END
     FROM generate_series(1, $2::int) n`,
    [old, total],
  );
  await db.query(
    `INSERT INTO ${SCHEMA}.outbox (event_id, topic, key, source, type, headers, body, created_at)
     SELECT 'p' || n, 'onceonly.certificate.v1', 'k', '/onceonly/certificate', 'certificate.verified', '{}'::jsonb,
            '\\x00'::bytea, now() - interval '10 days'
     FROM generate_series(1, $1::int) n`,
    [pending],
  );
  await db.query(
    `INSERT INTO ${SCHEMA}.outbox_sequence (source, last, published) VALUES ('/onceonly/certificate', $1, $1)`,
    [total],
  );
  await db.query(
    `INSERT INTO ${SCHEMA}.inbox (consumer_group, event_id, topic, partition, "offset", handled_at)
     SELECT 'onceonly-audit', 'e' || n, 'onceonly.certificate.v1', n % 6, n,
            CASE WHEN n <= $1 THEN now() - interval '400 days' ELSE now() END
     FROM generate_series(1, $2::int) n`,
    [old, total],
  );
  await db.query(`VACUUM ANALYZE ${SCHEMA}.outbox`);
  await db.query(`VACUUM ANALYZE ${SCHEMA}.inbox`);
}

interface PassSide {
  ms: number[];
  longestStatementMs: number[];
  statements: number[];
}

async function measurePass(db: Database, rounds: number, old: number) {
  const recent = Math.round(old / 4);
  const pending = 100;
  const keep = [{ topic: 'onceonly.certificate.v1', keepMs: 373 * DAY_MS }];
  const sides: Record<'batched' | 'plain', PassSide & { deleted: number[] }> = {
    batched: { ms: [], longestStatementMs: [], statements: [], deleted: [] },
    plain: { ms: [], longestStatementMs: [], statements: [], deleted: [] },
  };
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 === 0 ? (['plain', 'batched'] as const) : (['batched', 'plain'] as const)) {
      await fill(db, old, recent, pending);
      const { q, durations, others } = timed(db);
      const start = now();
      let deleted = 0;
      if (side === 'batched') {
        deleted += await pruneOutbox(q, SCHEMA, 7 * DAY_MS);
        deleted += await pruneInbox(q, SCHEMA, keep);
      } else {
        deleted += (
          await q.query(
            `DELETE FROM ${SCHEMA}.outbox o USING ${SCHEMA}.outbox_sequence s WHERE s.source = o.source
             AND o.sequence <= s.published AND o.created_at < now() - interval '7 days'`,
          )
        ).rowCount;
        deleted += (
          await q.query(
            `DELETE FROM ${SCHEMA}.inbox WHERE topic = 'onceonly.certificate.v1' AND handled_at < now() - interval '373 days'`,
          )
        ).rowCount;
      }
      sides[side].ms.push(now() - start);
      sides[side].longestStatementMs.push(Math.max(...durations));
      sides[side].statements.push(durations.length + others.length);
      sides[side].deleted.push(deleted);
    }
  }
  return { old, recent, pending, sides };
}

export const retentionSuite: Suite = {
  name: 'retention',
  title: 'Events: outbox and inbox retention (ADR 047)',
  usesBroker: false,
  async run({ withFreshDatabase, scale }) {
    const rounds = 3;
    const batches = Math.max(10, Math.round(100 * scale));
    const old = Math.max(10_000, Math.round(100_000 * scale));
    const result = await withFreshDatabase(async (db) => ({
      claims: await measureClaims(db, rounds, batches),
      pass: await measurePass(db, rounds, old),
    }));
    const c = result.claims;
    const p = result.pass;
    const claimRatio = median(c.with.eventsPerSecond) / median(c.without.eventsPerSecond);
    const passRatio = median(p.sides.batched.ms) / median(p.sides.plain.ms);
    const range = (xs: number[], d = 0) => `${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)}`;
    const markdown = [
      '### Inbox claims with and without the retention index',
      '',
      `\`claimInboxBatch\` of ${BATCH} events a transaction, ${(batches * BATCH).toLocaleString('en')} events a round, ${rounds} alternated rounds (median, range); WAL per row from \`EXPLAIN (ANALYZE, WAL)\` of one claim.`,
      '',
      '| inbox | events/s | WAL bytes/row | retention index bytes/row |',
      '| --- | ---: | ---: | ---: |',
      `| without the index (baseline) | ${fmt(median(c.without.eventsPerSecond), 0)} (${range(c.without.eventsPerSecond)}) | ${fmt(median(c.without.walBytesPerRow), 0)} | 0 |`,
      `| with the BRIN on \`handled_at\` (ADR 047) | ${fmt(median(c.with.eventsPerSecond), 0)} (${range(c.with.eventsPerSecond)}) | ${fmt(median(c.with.walBytesPerRow), 0)} | ${fmt(c.with.indexBytesPerRow, 0)} |`,
      '',
      `### A retention pass: ${p.old.toLocaleString('en')} old published outbox rows and as many old inbox rows, beside ${p.recent.toLocaleString('en')} recent and ${p.pending} unpublished`,
      '',
      '| pass | ms (median, range) | statements | longest DELETE statement, ms (median) | rows deleted |',
      '| --- | ---: | ---: | ---: | ---: |',
      `| one plain DELETE per table (baseline) | ${fmt(median(p.sides.plain.ms), 0)} (${range(p.sides.plain.ms)}) | ${median(p.sides.plain.statements)} | ${fmt(median(p.sides.plain.longestStatementMs), 0)} | ${median(p.sides.plain.deleted)} |`,
      `| \`pruneOutbox\` + \`pruneInbox\`, 1,000 rows a statement | ${fmt(median(p.sides.batched.ms), 0)} (${range(p.sides.batched.ms)}) | ${median(p.sides.batched.statements)} | ${fmt(median(p.sides.batched.longestStatementMs), 0)} | ${median(p.sides.batched.deleted)} |`,
    ].join('\n');
    const ratios: Ratio[] = [
      {
        name: 'inbox claims with the retention index / without, events/s',
        value: claimRatio,
        meaning: "what the consumers' hot path pays for the index retention walks (1 = nothing)",
      },
      {
        name: 'batched retention pass / one plain DELETE per table, time',
        value: passRatio,
        meaning: 'what bounded batches (no long lock, no big transaction) cost over one statement',
      },
    ];
    return { markdown, json: result, ratios };
  },
};
