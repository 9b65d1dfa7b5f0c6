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
async function claimWalBytes(db: Database, size = BATCH): Promise<number> {
  const batch = claims(size);
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
  return wal / size;
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

/** Shared buffers (hit + read) and rows of each kind of statement of one pass, from `EXPLAIN (ANALYZE, BUFFERS)`. */
interface PassBuffers {
  /** The reads of `ctid`s through the BRIN (what widened ranges make read the whole inbox). */
  reads: number[];
  /** The DELETE batches by `ctid`. */
  deletes: number;
  /** The re-summarizing of the ranges a read emptied (ADR 051; none before it). */
  narrow: number;
  /** Re-summarizing statements that gave up on the lock (a VACUUM or ANALYZE of the inbox held it). */
  narrowLocked: number;
  deleted: number;
  ms: number;
}

type PlanNode = {
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  'Actual Rows': number;
  Plans?: PlanNode[];
};

/**
 * Runs `pruneInbox` with every statement but the clock explained: each read is explained first (counted) and run
 * again for its rows; a DELETE or a re-summarizing runs once, under `EXPLAIN ANALYZE` (which executes it), its rows
 * taken from the plan. Per statement, so the other sessions on the machine do not count.
 */
async function explainedPass(db: Database, keep: { topic: string; keepMs: number }[]): Promise<PassBuffers> {
  const out: PassBuffers = { reads: [], deletes: 0, narrow: 0, narrowLocked: 0, deleted: 0, ms: 0 };
  const explain = async (sql: string, params?: readonly unknown[]) => {
    const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
      params,
    );
    const plan = rows[0]!['QUERY PLAN'][0].Plan;
    return { buffers: plan['Shared Hit Blocks'] + plan['Shared Read Blocks'], plan };
  };
  const q: Queryable = {
    async query(sql, params) {
      if (sql.startsWith('SELECT ctid')) {
        out.reads.push((await explain(sql, params)).buffers);
        return db.query(sql, params);
      }
      if (sql.startsWith('DELETE')) {
        const { buffers, plan } = await explain(sql, params);
        out.deletes += buffers;
        const rowCount = plan.Plans?.[0]?.['Actual Rows'] ?? 0;
        return { rows: [], rowCount } as never;
      }
      if (sql.includes('brin_desummarize_range')) {
        try {
          out.narrow += (await explain(sql, params)).buffers;
        } catch (err) {
          out.narrowLocked++;
          throw err;
        }
        return { rows: [], rowCount: 0 } as never;
      }
      return db.query(sql, params);
    },
  };
  const start = now();
  out.deleted = await pruneInbox(q, SCHEMA, keep);
  out.ms = now() - start;
  return out;
}

/**
 * ADR 051's question: what a pass reads once the inbox's space has been reused for a keep. An inbox of `rows` rows
 * handled over ten days (in order, as claims insert them), then ten more days of one pass a day (deleting the day
 * past the keep), a VACUUM (autovacuum's part: the space goes back to the free space map) and a day of new rows
 * (which land in that space); then the pass measured, with 10 % of the rows past the keep, and the pass after it.
 */
async function measureRanges(db: Database, rows: number) {
  await install(db, true);
  const days = 10;
  const perDay = Math.round(rows / days);
  const topic = 'onceonly.hub.v1';
  const base = Date.now() - 40 * DAY_MS;
  // day d's rows: from a minute after its start to a minute before its end, so a cutoff at midnight is clear of them
  const addDay = (day: number) =>
    db.query(
      `INSERT INTO ${SCHEMA}.inbox (consumer_group, event_id, topic, partition, "offset", handled_at)
       SELECT 'onceonly-audit', $1 || '-' || n, $2, n % 6, n,
              to_timestamp(($3::bigint + $4::bigint * ${DAY_MS} + 60000 + n * (${DAY_MS - 120_000}::bigint / $5)) / 1000.0)
       FROM generate_series(0, $5::int - 1) n`,
      [`d${day}`, topic, base, day, perDay],
    );
  const keepBefore = (day: number) => [{ topic, keepMs: Date.now() - (base + day * DAY_MS) }];
  for (let d = 0; d < days; d++) await addDay(d);
  await db.query(`VACUUM ANALYZE ${SCHEMA}.inbox`);
  for (let d = days; d < 2 * days; d++) {
    await pruneInbox(db, SCHEMA, keepBefore(d - days + 1));
    await db.query(`VACUUM ${SCHEMA}.inbox`);
    await addDay(d);
  }
  await db.query(`ANALYZE ${SCHEMA}.inbox`);
  const { rows: size } = await db.query<{ pages: number }>(
    `SELECT (pg_relation_size('${SCHEMA}.inbox') / 8192)::int AS pages`,
  );
  const pass = await explainedPass(db, keepBefore(days + 1));
  const next = await explainedPass(db, keepBefore(days + 1));
  // claims after the pass and a VACUUM land in the space it freed, in re-summarized ranges (after ADR 051) or in
  // ranges summarized wide (before): WAL per claimed row, one-event claims and 500-event ones
  await db.query(`VACUUM ${SCHEMA}.inbox`);
  const claimWal = { single: await claimWalBytes(db, 1), batch: await claimWalBytes(db) };
  // a backlog (a first pass, or one after a pause): 80 % of a fresh inbox past the keep, so several reads
  await install(db, true);
  for (let d = 0; d < days; d++) await addDay(d);
  await db.query(`VACUUM ANALYZE ${SCHEMA}.inbox`);
  const backlog = await explainedPass(db, keepBefore((days * 4) / 5));
  return { rows, old: perDay, pages: size[0]!.pages, pass, next, claimWal, backlog };
}

/** `retention-ranges`: ADR 051's measurement alone (also part of the retention suite). */
export const retentionRangesSuite: Suite = {
  name: 'retention-ranges',
  title: 'Events: what an inbox retention pass reads after a keep of reused space (ADR 051)',
  partOf: 'retention',
  usesBroker: false,
  async run({ withFreshDatabase, scale }) {
    const result = await withFreshDatabase((db) => measureRanges(db, Math.max(20_000, Math.round(200_000 * scale))));
    return { markdown: rangesMarkdown(result), json: result, ratios: rangesRatios(result) };
  },
};

function rangesMarkdown(r: Awaited<ReturnType<typeof measureRanges>>): string {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const line = (name: string, p: PassBuffers) =>
    `| ${name} | ${p.deleted} | ${p.reads.length} | ${sum(p.reads)} | ${p.deletes} | ${p.narrow}${p.narrowLocked > 0 ? ` (${p.narrowLocked} gave up on the lock)` : ''} | ${fmt(p.ms, 0)} |`;
  return [
    `### An inbox pass after a keep of reused space: ${r.rows.toLocaleString('en')} rows (${r.pages.toLocaleString('en')} pages), ${r.old.toLocaleString('en')} past the keep`,
    '',
    'Shared buffers (hit + read) per kind of statement, from `EXPLAIN (ANALYZE, BUFFERS)` of each.',
    '',
    '| pass | rows deleted | reads | buffers of the reads | of the DELETEs | of the re-summarizing | ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    line('the pass', r.pass),
    line('the next pass (nothing to delete)', r.next),
    line('a backlog: a pass over a fresh inbox 80 % past the keep', r.backlog),
    '',
    `The backlog pass's reads, buffers each: ${r.backlog.reads.join(', ')}.`,
    '',
    `Then a VACUUM, and claims into the space it freed: WAL bytes per claimed row ${fmt(r.claimWal.single, 0)} (one-event claims), ${fmt(r.claimWal.batch, 0)} (${BATCH}-event claims), from \`EXPLAIN (ANALYZE, WAL)\`.`,
  ].join('\n');
}

function rangesRatios(r: Awaited<ReturnType<typeof measureRanges>>): Ratio[] {
  const reads = r.pass.reads.reduce((a, b) => a + b, 0);
  const next = r.next.reads.reduce((a, b) => a + b, 0);
  return [
    {
      name: 'inbox pass reads / inbox pages, after a keep of reuse (10 % old)',
      value: reads / r.pages,
      meaning: 'how much of the inbox a pass reads to find its old rows (0.1 = only the old tenth)',
    },
    {
      name: 'next inbox pass reads / inbox pages (nothing old)',
      value: next / r.pages,
      meaning: 'what a pass with nothing to delete reads (0 = the index only)',
    },
  ];
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
      ranges: await measureRanges(db, Math.max(20_000, Math.round(200_000 * scale))),
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
      '',
      rangesMarkdown(result.ranges),
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
      ...rangesRatios(result.ranges),
    ];
    return { markdown, json: result, ratios };
  },
};
