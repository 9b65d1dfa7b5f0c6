import { bareKafkajs, type PipelineResult } from './bare-kafkajs.js';
import { kafkaProducerPerf } from './broker.js';
import { barePostgresWriters, outboxPipeline, outboxWritersAlone } from './outbox-pipeline.js';
import { fmt, type Ratio, type Suite } from './suite.js';
import { waitsCell } from './wait-sampler.js';

const PAYLOAD_BYTES = 200;

/** `write + relay + consume (+ log) = total`, statements per event; a dash for pipelines without a database. */
function statementsCell(p: PipelineResult): string {
  const s = p.statementsPerEvent;
  if (s === undefined) return '–';
  const total = s.write + s.relay + s.consume + s.transport;
  const log = s.transport > 0 ? ` + ${fmt(s.transport, 2)}` : '';
  return `${fmt(s.write, 2)} + ${fmt(s.relay, 2)} + ${fmt(s.consume, 2)}${log} = ${fmt(total, 2)}`;
}

/**
 * Rows written per event: `inserted + updated (HOT) + deleted = total`, and the tables that had updates; a dash for
 * pipelines without a database.
 */
function rowWritesCell(p: PipelineResult): string {
  const w = p.rowWritesPerEvent;
  if (w === undefined) return '–';
  const t = w.total;
  const updated = Object.entries(w.tables)
    .filter(([, u]) => u.updated > 0)
    .map(([table, u]) => `${table} ${fmt(u.updated, 2)}`);
  const where = updated.length > 0 ? ` (updates: ${updated.join(', ')})` : '';
  return `${fmt(t.inserted, 2)} + ${fmt(t.updated, 2)} (${fmt(t.hot, 2)} HOT) + ${fmt(t.deleted, 2)} = ${fmt(t.inserted + t.updated + t.deleted, 2)}${where}`;
}

/**
 * CPU ms per event of every process on the path: `bench + PostgreSQL + broker = total`, and the rate that allows on
 * this machine's cores (`cores × 1000 / total`); a dash for a process the pipeline does not use.
 */
function machineCpuCell(p: PipelineResult): string {
  const m = p.machineCpu;
  if (m === undefined) return '–';
  const broker = m.broker === undefined ? '–' : fmt(m.broker, 3);
  const exited = m.backends.exited > 0 ? `, ${m.backends.exited} of ${m.backends.seen} backends exited` : '';
  return `${fmt(m.bench, 3)} + ${fmt(m.postgres, 3)} + ${broker} = ${fmt(m.total, 3)} (≤ ${fmt(m.boundPerSecond, 0)}/s on ${m.cores} cores${exited})`;
}

/**
 * What issue 11's line (0.25 × bare kafkajs) allows the row in machine CPU per event, beside what it spends, and
 * whether the row's writers alone (no relay, no consumer) reach the line at all in this run.
 */
function budgetLine(bare: PipelineResult, row: PipelineResult, writersAlone: PipelineResult): string {
  const m = row.machineCpu;
  if (m === undefined) return '';
  const needed = 0.25 * bare.eventsPerSecond;
  const reach =
    writersAlone.eventsPerSecond < needed
      ? `below the line: in this run no relay or consumer could bring the row to it`
      : `the line is within the writers' reach in this run`;
  return [
    `Issue 11's line, 0.25 × bare kafkajs = ${fmt(needed, 0)} events/s, allows at most ${fmt((m.cores * 1000) / needed, 3)} ms of machine CPU per event on ${m.cores} cores; the row spends ${fmt(m.total, 3)} (bench ${fmt(m.bench, 3)}, PostgreSQL backends ${fmt(m.postgres, 3)}, broker ${m.broker === undefined ? '–' : fmt(m.broker, 3)}), which allows at most ${fmt(m.boundPerSecond, 0)} events/s (${fmt(m.boundPerSecond / bare.eventsPerSecond, 3)} × bare kafkajs).`,
    `The row's writers alone (the same commits, no relay, no consumer) reach ${fmt(writersAlone.eventsPerSecond, 0)} events/s, ${fmt(writersAlone.eventsPerSecond / bare.eventsPerSecond, 3)} × bare kafkajs: ${reach}. The row keeps ${fmt(row.eventsPerSecond / writersAlone.eventsPerSecond, 3)} of its writers' rate.`,
  ].join(' ');
}

/** The table's header and a row per pipeline, each beside the bare kafkajs and the bare writers of the same run. */
function table(bare: PipelineResult, ceiling: PipelineResult, pipelines: readonly PipelineResult[]): string[] {
  return [
    '| pipeline | events | events/s | p50 ms | p99 ms | × bare kafkajs | × bare PostgreSQL writers | committed → published, events/s | SQL statements/event: write + relay + consume (+ log) | rows written/event: inserted + updated (HOT) + deleted | CPU ms/event (this process) | CPU ms/event: bench + PostgreSQL + broker = total (bound) | PostgreSQL waits ms/event, sampled: Lock + LWLock + IO | note |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | --- | --- | --- |',
    ...[bare, ceiling, ...pipelines].map(
      (p) =>
        `| ${p.name} | ${p.events} | ${fmt(p.eventsPerSecond, 0)} | ${fmt(p.latencyMs.p50, 2)} | ${fmt(p.latencyMs.p99, 2)} | ${fmt(p.eventsPerSecond / bare.eventsPerSecond, 3)} | ${fmt(p.eventsPerSecond / ceiling.eventsPerSecond, 3)} | ${p.publishedPerSecond === undefined ? '–' : fmt(p.publishedPerSecond, 0)} | ${statementsCell(p)} | ${rowWritesCell(p)} | ${p.cpuMsPerEvent === undefined ? '–' : fmt(p.cpuMsPerEvent, 3)} | ${machineCpuCell(p)} | ${waitsCell(p.machineCpu?.waits)} | ${p.note} |`,
    ),
  ];
}

/** The row's baseline, the same in the events suite and its `events-row` selector: bare kafkajs, batches of 100. */
function bareBaseline(
  brokers: string[],
  brokerPid: number | undefined,
  run: string,
  events: number,
): Promise<PipelineResult> {
  return bareKafkajs({
    brokers,
    topic: `bench.bare.${run}`,
    events,
    payloadBytes: PAYLOAD_BYTES,
    batch: 100,
    brokerPid,
  });
}

/**
 * The issue row's ratios, the same in the events suite and its `events-row` selector: the row against bare kafkajs
 * (the line), against the bare PostgreSQL writers, and its machine CPU per event against bare kafkajs's.
 */
function rowRatios(
  row: PipelineResult,
  bare: PipelineResult,
  ceiling: PipelineResult,
  writersAlone: PipelineResult,
): Ratio[] {
  return [
    {
      name: 'onceonly (Kafka) / bare kafkajs, events/s',
      value: row.eventsPerSecond / bare.eventsPerSecond,
      meaning: 'throughput kept after outbox, relay, envelope and inbox',
    },
    {
      name: "the row's writers alone / bare kafkajs, events/s",
      value: writersAlone.eventsPerSecond / bare.eventsPerSecond,
      meaning:
        'the most the row could reach in this run: its commits with no relay and no consumer (the line needs 0.25)',
    },
    {
      name: "onceonly (Kafka) / the row's writers alone, events/s",
      value: row.eventsPerSecond / writersAlone.eventsPerSecond,
      meaning: "what the relay, Kafka and the consumer keep of the writers' rate",
    },
    {
      name: 'onceonly (Kafka) / bare PostgreSQL writers, events/s',
      value: row.eventsPerSecond / ceiling.eventsPerSecond,
      meaning: "how close the pipeline comes to the commits' ceiling: 8 writers of the state row alone, no outbox",
    },
    {
      name: 'onceonly (Kafka) / bare kafkajs, machine CPU ms per event',
      value: (row.machineCpu?.total ?? Number.NaN) / (bare.machineCpu?.total ?? Number.NaN),
      meaning:
        'CPU of the bench process, the PostgreSQL backends of the run and the broker JVM, against the bare clients and the broker',
    },
  ];
}

/**
 * The events suite's issue row alone (`npm run bench -- events-row`): bare kafkajs, the bare PostgreSQL writers and
 * the library's defaults over Kafka, in that order, as the events suite measures them; for alternated A/B runs.
 */
export const eventsRowSuite: Suite = {
  name: 'events-row',
  title: "Events: the issue's row alone (commit → consumer handling)",
  partOf: 'events',
  async run({ brokers, brokerPid, run, withFreshDatabase, scale }) {
    const events = Math.round(5000 * scale);
    const bare = await bareBaseline(brokers, brokerPid, run, events);
    const ceiling = await withFreshDatabase((db) => barePostgresWriters({ db, events, writers: 8 }));
    const writersAlone = await withFreshDatabase((db) =>
      outboxWritersAlone({ db, events, payloadBytes: PAYLOAD_BYTES, writers: 8 }),
    );
    const row = await withFreshDatabase((db) =>
      outboxPipeline({
        db,
        brokers,
        topic: `bench.outbox.kafka.row.${run}`,
        transport: 'kafka',
        events,
        payloadBytes: PAYLOAD_BYTES,
        writers: 8,
        ...(brokerPid === undefined ? {} : { brokerPid }),
      }),
    );
    const ratios = rowRatios(row, bare, ceiling, writersAlone);
    const markdown = [...table(bare, ceiling, [writersAlone, row]), '', budgetLine(bare, row, writersAlone)].join('\n');
    return { markdown, json: { pipelines: [bare, row], postgresCeiling: ceiling, writersAlone }, ratios };
  },
};

/** Events: outbox → relay → consumer beside bare kafkajs and Kafka's own producer perf test. */
export const eventsSuite: Suite = {
  name: 'events',
  title: 'Events: commit → consumer handling',
  async run({ brokers, brokerPid, run, withFreshDatabase, scale }) {
    const events = Math.round(5000 * scale);
    const perfRecords = Math.round(200_000 * scale);
    const pipelines: PipelineResult[] = [];
    pipelines.push(await bareBaseline(brokers, brokerPid, run, events));
    // first the library's defaults on Kafka (the row) and on the embedded log; then the shapes beside them:
    // writes in a transaction of four statements with one transaction per consumed event (the defaults before
    // ADR 018), writes in a transaction with the default consumer, and a write mix of several events per write
    const shapes = [
      { transport: 'kafka', tag: 'default' },
      { transport: 'embedded', tag: 'default' },
      { transport: 'kafka', tag: 'before', writes: 'transaction', consumer: 'per-event' },
      { transport: 'kafka', tag: 'tx', writes: 'transaction' },
      { transport: 'kafka', tag: 'mix', eventsPerWrite: 4 },
    ] as const;
    // PostgreSQL's own ceiling for the row: the same eight writers committing the state row alone
    const ceiling = await withFreshDatabase((db) => barePostgresWriters({ db, events, writers: 8 }));
    // and the row's own writers with their outbox, no relay and no consumer: the most the row can reach
    const writersAlone = await withFreshDatabase((db) =>
      outboxWritersAlone({ db, events, payloadBytes: PAYLOAD_BYTES, writers: 8 }),
    );
    for (const { tag, ...shape } of shapes) {
      pipelines.push(
        await withFreshDatabase((db) =>
          outboxPipeline({
            db,
            brokers,
            topic: `bench.outbox.${shape.transport}.${tag}.${run}`,
            events,
            payloadBytes: PAYLOAD_BYTES,
            writers: 8,
            ...(brokerPid === undefined ? {} : { brokerPid }),
            ...shape,
          }),
        ),
      );
    }
    process.stderr.write(`kafka-producer-perf-test: ${perfRecords} records of ${PAYLOAD_BYTES} bytes...\n`);
    const perf = await kafkaProducerPerf({
      brokers,
      topic: `bench.perf.${run}`,
      records: perfRecords,
      recordSize: PAYLOAD_BYTES,
    });
    const [bare, viaKafka, embedded, before, inTransaction, mix] = pipelines as [
      PipelineResult,
      PipelineResult,
      PipelineResult,
      PipelineResult,
      PipelineResult,
      PipelineResult,
    ];
    const ratios: Ratio[] = [
      ...rowRatios(viaKafka, bare, ceiling, writersAlone),
      {
        name: 'onceonly (Kafka, writes in a transaction) / bare kafkajs, events/s',
        value: inTransaction.eventsPerSecond / bare.eventsPerSecond,
        meaning: 'the same with each write a transaction of four statements (BEGIN, INSERT, INSERT, COMMIT)',
      },
      {
        name: 'onceonly (Kafka, the defaults before ADR 018) / bare kafkajs, events/s',
        value: before.eventsPerSecond / bare.eventsPerSecond,
        meaning: 'writes in a transaction, and one consumer transaction per event',
      },
      {
        name: 'onceonly (Kafka, 4 events per write) / bare kafkajs, events/s',
        value: mix.eventsPerSecond / bare.eventsPerSecond,
        meaning: 'a write mix where each state change tells several events (one statement per write)',
      },
      {
        name: 'onceonly (Kafka) committed → published / bare PostgreSQL writers, events/s',
        value: (viaKafka.publishedPerSecond ?? Number.NaN) / ceiling.eventsPerSecond,
        meaning: 'the writers (state row + outbox row) and the relay against the state row alone',
      },
      {
        name: 'onceonly (Kafka) / bare kafkajs, CPU ms per event (this process)',
        value: (viaKafka.cpuMsPerEvent ?? Number.NaN) / (bare.cpuMsPerEvent ?? Number.NaN),
        meaning: 'CPU of writers, relay, consumer and Kafka clients in the one Node process, against the bare clients',
      },
      {
        name: 'onceonly (Kafka) / bare kafkajs, events/s allowed by machine CPU per event',
        value: (viaKafka.machineCpu?.boundPerSecond ?? Number.NaN) / bare.eventsPerSecond,
        meaning: "the row's ratio could be at most this on this machine's cores, however the processes were scheduled",
      },
      {
        name: 'onceonly (Kafka) committed → published / bare kafkajs, events/s',
        value: (viaKafka.publishedPerSecond ?? Number.NaN) / bare.eventsPerSecond,
        meaning: 'the writers and the relay alone (outbox writes, sequence stamping, publish), before the consumer',
      },
      {
        name: 'onceonly (Kafka) / bare kafkajs, p50 latency',
        value: viaKafka.latencyMs.p50 / bare.latencyMs.p50,
        meaning: 'how many times slower a commit reaches a handler',
      },
      {
        name: 'onceonly (embedded) / onceonly (Kafka), events/s',
        value: embedded.eventsPerSecond / viaKafka.eventsPerSecond,
        meaning: 'the embedded log against the broker, same database',
      },
      {
        name: 'bare kafkajs / kafka-producer-perf-test, records/s',
        value: bare.eventsPerSecond / perf.recordsPerSecond,
        meaning: "the Node client against Kafka's own Java producer",
      },
      {
        name: 'onceonly (Kafka) / kafka-producer-perf-test, records/s',
        value: viaKafka.eventsPerSecond / perf.recordsPerSecond,
        meaning: 'end to end against the broker ceiling',
      },
    ];
    const markdown = [
      ...table(bare, ceiling, [writersAlone, ...pipelines.slice(1)]),
      `| kafka-producer-perf-test (Java ProducerPerformance, acks=all, idempotent) | ${perfRecords} | ${fmt(perf.recordsPerSecond, 0)} | ${fmt(perf.p50Ms, 0)} | ${fmt(perf.p99Ms, 0)} | ${fmt(perf.recordsPerSecond / bare.eventsPerSecond, 3)} | – | – | – | – | – | – | producer only: send → ack |`,
      '',
      budgetLine(bare, viaKafka, writersAlone),
    ].join('\n');
    return { markdown, json: { pipelines, postgresCeiling: ceiling, writersAlone, kafkaPerf: perf }, ratios };
  },
};
