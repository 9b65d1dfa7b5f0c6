import { createKafkaTransport, TopicRegistry } from '@onceonly/events';
import { auditBenchEvents, auditBenchTopic, publishAuditEvents } from './audit-events.js';
import { type AppendRate, auditIngestRate, inboxConsumerRate, ingestOnlyRate, inMemoryRates } from './audit-ingest.js';
import { auditProofs, proofSizes, proofsSection } from './audit-proofs.js';
import {
  type AuditReplayResult,
  auditReplayRate,
  bareKafkaReadRate,
  type ReplayChecks,
  type ReplayPart,
  type ReplayParts,
  replayParts,
} from './audit-replay.js';
import { replayFloor } from './replay-floor.js';
import { fmt, type Ratio, type Suite } from './suite.js';

/** Tessera's published write rate: about 2,900 entries/s on a 12-core VM with POSIX storage (not measured here). */
const TESSERA_ENTRIES_PER_SECOND = 2_900;
const PAYLOAD_BYTES = 200;
/** Rounds of each replay (worker thread, in-thread), alternated. */
const REPLAY_ROUNDS = 3;

/** The result whose time is the median (the lower middle one for an even count). */
function medianBySeconds<T extends { seconds: number }>(results: readonly T[]): T {
  const sorted = [...results].sort((a, b) => a.seconds - b.seconds);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * The audit log (issue 5): entries appended per second from Kafka with proofs available, inclusion-proof latency
 * at a million entries, and replay events per second, each beside its baseline measured in this run; and
 * Tessera's published write rate as a reference from other hardware.
 */
export const auditSuite: Suite = {
  name: 'audit',
  title: 'Audit log: appends from Kafka, inclusion proofs, replay',
  async run({ brokers, run, withFreshDatabase, scale }) {
    // the events, published once; every reader below reads this topic from the beginning with its own group
    const { n, topic, registry, events } = await publishSuiteEvents(brokers, run, scale);

    const inbox = await withFreshDatabase((db) =>
      inboxConsumerRate({ db, brokers, topic, group: `bench-audit-inbox-${run}`, events: n }),
    );
    const { audit, replayed, replayedInWorker, replayedInThread, bareRead, parts } = await withFreshDatabase((db) =>
      ingestAndReplays({ db, brokers, registry, events, topic, run }),
    );
    // the ingest consumer alone: batches with and without the subject index, and one event per transaction, on a
    // topic of at least 5,000 events of its own (at 1,000 a batch run is over in three transactions)
    const m = Math.max(5_000, n);
    const ingestTopic = `onceonly.bench-audit-ingest.${run}`;
    const ingestSetup = await createKafkaTransport({ brokers, clientId: 'bench-audit-setup' });
    try {
      await auditBenchTopic(ingestSetup, new TopicRegistry(), ingestTopic);
      await publishAuditEvents(ingestSetup, ingestTopic, auditBenchEvents(m, PAYLOAD_BYTES));
    } finally {
      await ingestSetup.close();
    }
    const ingestOnly = async (batches: boolean, subjectChains: boolean) =>
      withFreshDatabase((db) => ingestOnlyRate({ db, brokers, topic: ingestTopic, events: m, batches, subjectChains }));
    const batchWithChains = await ingestOnly(true, true);
    const batchWithoutChains = await ingestOnly(true, false);
    const perEvent = await ingestOnly(false, true);
    process.stderr.write('in-memory CompactRange...\n');
    const memory = inMemoryRates(events);
    const proof = await withFreshDatabase((db) => auditProofs({ db, ...proofSizes(scale) }));

    const appendRow = (r: AppendRate) =>
      `| ${r.name} | ${r.entries} | ${fmt(r.seconds, 2)} | ${fmt(r.perSecond, 0)} | ${fmt(r.steadyPerSecond, 0)} | ${fmt(r.statementsPerEntry, 2)} | ${fmt(audit.perSecond / r.perSecond, 3)} | ${r.note} |`;
    const c = audit.checks;
    const markdown = [
      '### Entries appended per second from Kafka, with proofs available',
      '',
      `${n} events (${PAYLOAD_BYTES}-byte bodies, 4 sources with gap-free sequences, 64 subjects) published first to a 3-partition \`onceonly.*\` topic; each reader then reads it from the beginning. An entry counts once its leaf, interior nodes and tree head are committed (the tree head is polled): its inclusion proof can then be served.`,
      '',
      '| what | entries | seconds | entries/s | steady entries/s | statements/entry | audit ÷ this | note |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      appendRow(audit),
      appendRow(batchWithChains),
      appendRow(batchWithoutChains),
      appendRow(perEvent),
      appendRow(inbox),
      `| libs/merkle CompactRange, leaf hashes appended in memory | ${n} | | ${fmt(memory.compactRange, 0)} | | | ${fmt(audit.perSecond / memory.compactRange, 4)} | the hashing ceiling: no I/O, no encoding |`,
      `| canonical leaf encoding (leafOf) + CompactRange in memory | ${n} | | ${fmt(memory.leafOfAndRange, 0)} | | | ${fmt(audit.perSecond / memory.leafOfAndRange, 4)} | CPU only |`,
      `| Tessera (published figure, other hardware: 12-core VM, POSIX storage) | | | ~${TESSERA_ENTRIES_PER_SECOND} | | | ${fmt(audit.steadyPerSecond / TESSERA_ENTRIES_PER_SECOND, 3)} | not measured here; ratio from our steady rate, different machines |`,
      '',
      `Seconds and entries/s run from the consumer's start (group join included); steady runs from the first poll that saw committed entries to the last, counting only the entries committed in between. The ingest consumer alone read a topic of ${m} such events of its own. Statements per entry: every statement the measured code sent on its pool (a counting wrapper; BEGIN and COMMIT counted, start-up and the checkpointer's and relay's statements included), divided by the entries. The audit log ran as the hub runs it (\`startAudit\`, default policy: a checkpoint every 1,000 entries or 10 s); a signed checkpoint covered all ${n} entries ${fmt(audit.checkpointSeconds, 2)} s after the start. The ingest consumer alone ran on a fresh log each time, with a group of its own. Checked after: ${c.leaves} leaves, ${c.distinctIds} distinct event ids, root recomputed from the stored leaves ${c.rootMatches ? 'equals' : '**differs from**'} the tree head, ${c.gapsOrRepeats} open gaps or repeats (${c.holesResolved} transient holes, from sources spread over partitions, opened and resolved), ${c.checkpoints} checkpoints.`,
      '',
      ...proofsSection(proof, scale).markdown,
      '',
      '### Replay events per second',
      '',
      '| what | events | seconds | events/s | × bare kafkajs | note |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      ...[replayed, replayedInWorker, replayedInThread, bareRead].map(
        (r) =>
          `| ${r.name} | ${r.events} | ${fmt(r.seconds, 2)} | ${fmt(r.perSecond, 0)} | ${fmt(r.perSecond / bareRead.perSecond, 3)} | ${r.note} |`,
      ),
      '',
      `The three replays: medians of ${REPLAY_ROUNDS} alternating rounds each on the same log (the bare read once, right after); as the CLI runs it: ${replayed.checksIn}. CPU of this process per replay, all threads, as the CLI / worker / in-thread: ${fmt(replayed.cpuSeconds, 2)} / ${fmt(replayedInWorker.cpuSeconds, 2)} / ${fmt(replayedInThread.cpuSeconds, 2)} s; the main thread busy: ${fmt(replayed.mainThreadBusySeconds, 2)} / ${fmt(replayedInWorker.mainThreadBusySeconds, 2)} / ${fmt(replayedInThread.mainThreadBusySeconds, 2)} s.`,
      '',
      `Replay: the bus read ended after ${fmt(replayed.phases.bus, 2)} s, the stored log (read at the same time and handed to the checks) after ${fmt(replayed.phases.log, 2)} s, then checks ${fmt(replayed.phases.checks, 2)} s; ${replayed.statements} SQL statements; CPU ${fmt(replayed.cpuSeconds, 2)} s, all threads (bare kafkajs read ${fmt(bareRead.cpuSeconds, 2)} s), the main thread busy ${fmt(replayed.mainThreadBusySeconds, 2)} s; ${replayed.checksIn}. Verdict: ${replayed.ok ? 'no divergence' : `**${replayed.divergences} divergence(s)**`} (${replayed.busRecords} bus records, ${replayed.entries} entries, ${replayed.checkpointsVerified} of ${replayed.checkpoints} checkpoints verified${replayed.findings.length > 0 ? `; findings: ${replayed.findings.join(', ')}` : ''}).`,
      '',
      replayFloor(parts, bareRead, REPLAY_ROUNDS),
    ].join('\n');

    const ratios: Ratio[] = [
      {
        name: 'audit append / inbox consumer (no-op), entries/s',
        value: audit.perSecond / inbox.perSecond,
        meaning: 'throughput kept after the log’s work in the consumer transaction',
      },
      {
        name: 'audit ingest alone: batches / one event per transaction, entries/s',
        value: batchWithChains.steadyPerSecond / perEvent.steadyPerSecond,
        meaning: 'steady rates: what appending a fetched batch per transaction (ADR 011) gains over one per event',
      },
      {
        name: 'audit ingest alone, batches: with / without subject chains, entries/s',
        value: batchWithChains.steadyPerSecond / batchWithoutChains.steadyPerSecond,
        meaning: 'steady rates: throughput kept with the subject index (ADR 006) extended in the append',
      },
      {
        name: 'audit append / CompactRange in memory, entries/s',
        value: audit.perSecond / memory.compactRange,
        meaning: 'share of the pure hashing ceiling reached end to end',
      },
      {
        name: 'audit append (steady) / Tessera published ~2,900 entries/s',
        value: audit.steadyPerSecond / TESSERA_ENTRIES_PER_SECOND,
        meaning: 'a published figure on other hardware (12-core VM, POSIX storage), not a same-run baseline',
      },
      ...proofsSection(proof, scale).ratios,
      {
        name: 'audit replay / bare kafkajs read, events/s',
        value: replayed.perSecond / bareRead.perSecond,
        meaning: 'throughput kept after recomputing and checking the whole log',
      },
      ...replayRatios({ replayedInWorker, replayedInThread, bareRead }),
    ];
    return {
      markdown,
      json: {
        events: n,
        appends: { audit, batchWithChains, batchWithoutChains, perEvent, inbox, inMemory: memory },
        proofs: proof,
        replay: { replayed, replayedInWorker, replayedInThread, bareRead, parts },
      },
      ratios,
    };
  },
};

/**
 * The audit module ingests `events` into a fresh log, then the replay runs as the CLI runs it (log checks in a worker
 * thread, ADR 022) and with the checks in its own thread, in alternating rounds on the same log (medians by time),
 * and its baseline right after them, on the same topic, for the same count (the machine's load drifts).
 */
async function ingestAndReplays(options: {
  db: Parameters<typeof auditIngestRate>[0]['db'];
  brokers: string[];
  registry: TopicRegistry;
  events: ReturnType<typeof auditBenchEvents>;
  topic: string;
  run: string;
}) {
  const { db, brokers, topic, run } = options;
  const n = options.events.length;
  const audit = await auditIngestRate({ db, brokers, registry: options.registry, events: options.events });
  const rounds: Record<ReplayChecks, AuditReplayResult[]> = { cli: [], worker: [], 'in-thread': [] };
  const kinds: ReplayChecks[] = ['cli', 'worker', 'in-thread'];
  for (let i = 0; i < REPLAY_ROUNDS; i++) {
    // each round in another order, so that no kind always runs first or last
    for (const checks of [...kinds.slice(i % 3), ...kinds.slice(0, i % 3)]) {
      const r = await auditReplayRate({ db, brokers, verifierKey: audit.verifierKey, events: n, checks });
      rounds[checks].push(r);
    }
  }
  const replayed = medianBySeconds(rounds.cli);
  const replayedInWorker = medianBySeconds(rounds.worker);
  const replayedInThread = medianBySeconds(rounds['in-thread']);
  // the replay's parts alone (ADR 062), as many rounds, before the bare read like the replays
  const partRounds: ReplayParts[] = [];
  for (let i = 0; i < REPLAY_ROUNDS; i++) {
    partRounds.push(await replayParts({ db, brokers, verifierKey: audit.verifierKey, events: n }));
  }
  const parts: ReplayParts = {
    bus: medianBySeconds(partRounds.map((p) => p.bus)),
    log: medianBySeconds(partRounds.map((p) => p.log)),
    withoutBus: medianBySeconds(partRounds.map((p) => p.withoutBus)),
  };
  const bareRead = await bareKafkaReadRate({ brokers, topic, group: `bench-audit-read-${run}`, events: n });
  return { audit, replayed, replayedInWorker, replayedInThread, bareRead, rounds, parts };
}

/**
 * The audit suite's replay rows alone (`npm run bench -- audit-replay`): the events published and ingested as the
 * audit suite does, then the replays' alternating rounds and the bare read, without the ingest-alone and proof rows.
 */
export const auditReplaySuite: Suite = {
  name: 'audit-replay',
  title: 'Audit log: replay beside a bare kafkajs read',
  partOf: 'audit',
  async run({ brokers, run, withFreshDatabase, scale }) {
    const { n, topic, registry, events } = await publishSuiteEvents(brokers, run, scale);
    const { replayed, replayedInWorker, replayedInThread, bareRead, rounds, parts } = await withFreshDatabase((db) =>
      ingestAndReplays({ db, brokers, registry, events, topic, run }),
    );
    const line = (r: AuditReplayResult) =>
      `| ${r.checksIn} | ${fmt(r.seconds, 2)} | ${fmt(r.perSecond / bareRead.perSecond, 3)} | ${fmt(r.phases.bus, 2)} | ${fmt(r.phases.log, 2)} | ${fmt(r.cpuSeconds, 2)} | ${fmt(r.mainThreadBusySeconds, 2)} | ${r.statements} | ${r.ok ? 'ok' : `${r.divergences} divergence(s)`} |`;
    const markdown = [
      `### Replay of ${n} events beside a bare kafkajs read (${fmt(bareRead.seconds, 2)} s, CPU ${fmt(bareRead.cpuSeconds, 2)} s)`,
      '',
      '| checks | seconds | × bare read | bus read ended s | log read ended s | CPU s | main thread CPU s | statements | verdict |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      ...[...rounds.cli, ...rounds.worker, ...rounds['in-thread']].map(line),
      ...[parts.bus, parts.log, parts.withoutBus].map(
        (p: ReplayPart) =>
          `| part: ${p.name} | ${fmt(p.seconds, 2)} | ${fmt(p.perSecond / bareRead.perSecond, 3)} | – | – | ${fmt(p.cpuSeconds, 2)} | ${fmt(p.mainThreadBusySeconds, 2)} | ${p.statements} | – |`,
      ),
      '',
      replayFloor(parts, bareRead, REPLAY_ROUNDS),
      '',
      `Medians × bare read: ${fmt(replayed.perSecond / bareRead.perSecond, 3)} as the CLI runs it (${replayed.checksIn}), ${fmt(replayedInWorker.perSecond / bareRead.perSecond, 3)} in a worker thread, ${fmt(replayedInThread.perSecond / bareRead.perSecond, 3)} in the replay's thread.`,
    ].join('\n');
    return {
      markdown,
      json: { replay: { rounds, replayed, replayedInWorker, replayedInThread, bareRead, parts } },
      ratios: [
        {
          name: 'audit replay / bare kafkajs read, events/s',
          value: replayed.perSecond / bareRead.perSecond,
          meaning: 'throughput kept after recomputing and checking the whole log',
        },
        ...replayRatios({ replayedInWorker, replayedInThread, bareRead }),
      ],
    };
  },
};

/** The replay's ratios beside the row as the CLI runs it: the log checks in a worker thread, and in its own. */
function replayRatios(r: {
  replayedInWorker: AuditReplayResult;
  replayedInThread: AuditReplayResult;
  bareRead: { perSecond: number };
}): Ratio[] {
  return [
    {
      name: 'audit replay, log checks in a worker thread whatever the size (ADR 022) / bare kafkajs read, events/s',
      value: r.replayedInWorker.perSecond / r.bareRead.perSecond,
      meaning: 'the worker thread forced: what it gains or costs at this size',
    },
    {
      name: "audit replay, log checks in the replay's thread (before ADR 022) / bare kafkajs read, events/s",
      value: r.replayedInThread.perSecond / r.bareRead.perSecond,
      meaning: 'the checks in the replay’s thread whatever the size',
    },
  ];
}

/** The suite's N events (5,000 × scale, at least 100) on a topic of this run, published once for every reader. */
async function publishSuiteEvents(brokers: readonly string[], run: string, scale: number) {
  const n = Math.max(100, Math.round(5000 * scale));
  const topic = `onceonly.bench-audit.${run}`;
  const registry = new TopicRegistry();
  const events = auditBenchEvents(n, PAYLOAD_BYTES);
  const setup = await createKafkaTransport({ brokers: [...brokers], clientId: 'bench-audit-setup' });
  try {
    await auditBenchTopic(setup, registry, topic);
    await publishAuditEvents(setup, topic, events);
  } finally {
    await setup.close();
  }
  return { n, topic, registry, events };
}
