// PROTOTYPE measurement (ADR 056), not part of the bench: the database side of the events row without Kafka.
// usage: node test/bench/scratch/stamp-db-side.mjs writers|relay [events]
// writers: 8 writers (queryWithEvents, one state row + one event per statement), no relay: the writers alone.
// relay: the same with the relay publishing to a transport that waits 2 ms per publish (no broker).
// Then: VACUUM of the outbox tables (timed), their sizes, HOT updates. A/B through ONCEONLY_PROTO_HOT.
import { HubHeartbeat } from '@onceonly/contracts';
import { createRelay, defineEvent, defineTopic, queryWithEvents, withEventTables } from '@onceonly/events';
import { migrate, openDatabase } from '@onceonly/store';
import { freshDatabase } from '@onceonly/testing';
import { startCpuMeter } from '../dist/machine-cpu.js';

const mode = process.argv[2] ?? 'writers';
const events = Number(process.argv[3] ?? 10000);
const S = 'bench';
const Ticked = defineEvent({
  type: 'bench.ticked',
  source: '/onceonly/bench',
  dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
  codec: HubHeartbeat,
});
const topic = defineTopic({ name: 'bench.stamp', partitions: 3, owner: 'bench', eventTypes: [Ticked.type] });
const target = await freshDatabase('stamp');
let db = await openDatabase({ url: target.url });
try {
  await migrate(db, {
    schema: S,
    migrations: withEventTables(S, [
      {
        version: 1,
        name: 'items',
        sql: `CREATE TABLE ${S}.items (id bigint PRIMARY KEY, touched_at timestamptz NOT NULL)`,
      },
    ]),
  });
  let published = 0;
  const transport = {
    async publish(records) {
      await new Promise((r) => setTimeout(r, 2));
      published += records.length;
    },
  };
  // the relay's claims timed (the statement that starts with its lease check)
  const claims = [];
  const timedQuery = async (sql, params, options) => {
    const t = performance.now();
    const result = await db.query(sql, params, options);
    if (sql.startsWith('WITH held')) {
      claims.push([performance.now() - t, result.rows.length]);
      // EXPLAIN_CLAIM=n: the n-th claim's plan, from one more claim run for real under EXPLAIN ANALYZE (its rows are
      // then stamped and not published: the next claim takes them again, as after a crash)
      if (claims.length === Number(process.env.EXPLAIN_CLAIM)) {
        const plan = await db.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params);
        console.error(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
      }
    }
    return result;
  };
  const relayDb = new Proxy(db, {
    get: (target, key) =>
      key === 'query' ? timedQuery : typeof target[key] === 'function' ? target[key].bind(target) : target[key],
  });
  const relay = mode === 'relay' ? createRelay({ db: relayDb, schema: S, transport, pollIntervalMs: 50 }) : undefined;
  relay?.start();
  const padding = Buffer.alloc(100);
  let next = 0;
  // WAL of this database's relations only (pg_walinspect; other sessions share the cluster): records with a block
  // reference into this database, by resource manager
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
  const lsn0 = (await db.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l;
  const meter = await startCpuMeter(db, undefined);
  const t0 = performance.now();
  const writer = async () => {
    for (let w = next++; w < events; w = next++) {
      const event = Ticked.make({
        subject: `k${w % 64}`,
        data: { instanceId: 'bench', sentAt: String(Date.now()), counter: String(w), padding },
      });
      await queryWithEvents(db, S, { sql: `INSERT INTO ${S}.items (id, touched_at) VALUES ($1, now())`, params: [w] }, [
        { topic, event },
      ]);
      relay?.kick();
    }
  };
  await Promise.all(Array.from({ length: 8 }, writer));
  const written = performance.now();
  await relay?.flush({ timeoutMs: 300_000 });
  const done = performance.now();
  const cpu = meter.stop(events);
  const lsn1 = (await db.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l;
  const wal = (
    await db.query(
      `SELECT resource_manager AS rm, count(*)::int AS n, sum(record_length)::float8 AS bytes, sum(fpi_length)::float8 AS fpi
       FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)
       WHERE block_ref LIKE '%/' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '/%'
       GROUP BY 1 ORDER BY 3 DESC`,
      [lsn0, lsn1],
    )
  ).rows;
  await relay?.stop();
  // the pool's backends report their table statistics when they exit
  await db.close();
  db = await openDatabase({ url: target.url });
  await new Promise((r) => setTimeout(r, 1000));
  const stats = async () =>
    (
      await db.query(
        `SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, n_dead_tup,
                pg_total_relation_size(relid) AS bytes FROM pg_stat_user_tables WHERE schemaname = $1 ORDER BY relname`,
        [S],
      )
    ).rows;
  const before = await stats();
  const v0 = performance.now();
  const tables = (
    await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'outbox%'`, [S])
  ).rows;
  for (const { tablename } of tables) await db.query(`VACUUM ${S}.${tablename}`);
  const vacuumMs = performance.now() - v0;
  const after = await stats();
  console.log(
    JSON.stringify({
      mode,
      proto: process.env.ONCEONLY_PROTO_HOT ?? 'main',
      events,
      published,
      writesPerSecond: events / ((written - t0) / 1000),
      eventsPerSecond: events / ((done - t0) / 1000),
      pgCpuMsPerEvent: cpu.postgres,
      benchCpuMsPerEvent: cpu.bench,
      vacuumMs,
      walBytesPerEvent: wal.reduce((a, r) => a + r.bytes, 0) / events,
      walRecordsPerEvent: wal.reduce((a, r) => a + r.n, 0) / events,
      wal: wal.map(
        (r) =>
          `${r.rm} ${(r.n / events).toFixed(2)} rec ${(r.bytes / events).toFixed(0)} B (fpi ${(r.fpi / events).toFixed(0)})`,
      ),
      claims: claims.length,
      claimMs: (() => {
        const d = claims.map((c) => c[0]).sort((a, b) => a - b);
        return d.length === 0
          ? null
          : { p50: d[Math.floor(d.length / 2)], p90: d[Math.floor(d.length * 0.9)], sum: d.reduce((a, b) => a + b, 0) };
      })(),
      rowsPerClaim: claims.length === 0 ? null : claims.reduce((a, c) => a + c[1], 0) / claims.length,
      before: before.map((r) =>
        [r.relname, r.n_tup_ins, r.n_tup_upd, r.n_tup_hot_upd, r.n_tup_del, r.n_dead_tup, r.bytes].join(' '),
      ),
      outboxBytesAfterVacuum: after.filter((r) => r.relname.startsWith('outbox')).map((r) => [r.relname, r.bytes]),
    }),
  );
} finally {
  await db.close();
  await target.drop();
}
