import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ProjectionCheck, projectionOf } from '@onceonly/replay';
import { afterAll, describe, expect, it } from 'vitest';
import { event, logSourceOf, signedLog } from '../../../test/fixtures.js';
import { inThreadLogChecks, type LogChecks } from '../../app/log-checks.js';
import { type BusRecord, type ReplayBusSource, type ReplayOptions, replay } from '../../app/replay.js';
import { leafOf } from '../../domain/leaf.js';
import { type LogChecksChoice, logChecksThread, WORKER_FROM_ENTRIES } from './log-checks-thread.js';

// The replay's log checks in a worker thread (ADR 022) give the very report the in-thread checks give. A worker
// cannot load the TypeScript sources, so the worker here is the package's built file: `npm run build` (or turbo's
// test task, which builds first) must have run. No database, no broker: in-memory logs and buses.

const BUILT_WORKER = new URL('../../../dist/adapters/worker/log-checks-worker.js', import.meta.url);

type Log = Awaited<ReturnType<typeof signedLog>>;

/** A bus of the log's events (or the ones given), read in turns of the event loop as a network read would be. */
function busOf(events: Log['events']): ReplayBusSource {
  return {
    async read(_topics, onRecord) {
      for (const [i, e] of events.entries()) {
        if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
        onRecord({
          event: { ...e, specversion: '1.0' },
          topic: 'onceonly.test.v1',
          partition: 0,
          offset: String(i),
        } as BusRecord);
      }
      return { records: events.length, malformed: 0 };
    },
  };
}

/** Events per subject; a body that is not three bytes is a fact the rules refuse. */
const eventsPerSubject = projectionOf<number, { subject: string; size: number }>({
  name: 'events-per-subject',
  accepts: (type) => type.startsWith('test.'),
  decode: (e) => ({ subject: e.subject, size: e.data.length }),
  evolve: (state, { subject, size }) => {
    state.set(subject, (state.get(subject) ?? 0) + 1);
    return { problems: size === 3 ? [] : [`a body of ${size} bytes`], key: subject };
  },
});

function service(answers: Record<string, number>): ProjectionCheck<number> {
  return { projection: eventsPerSubject, reader: { read: async (key) => answers[key] } };
}

/** The same replay with the given checks; the clock fixed so that two reports can be compared whole. */
function replayWith(checks: (entries: number) => LogChecks, options: Omit<ReplayOptions, 'checks' | 'clock'>) {
  return replay({ ...options, checks, clock: () => new Date(0) });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the replay’s log checks in a worker thread', () => {
  it('runs in the replay’s thread from the TypeScript sources, and says why', () => {
    const choices: LogChecksChoice[] = [];
    const checks = logChecksThread({ log: (c) => choices.push(c) })();
    expect(checks.where).toBe('in-thread');
    expect(choices).toEqual([{ where: 'in-thread', why: expect.stringContaining('no built worker file') }]);
  });

  it('runs in the replay’s thread for a log under the size from which a worker pays, and says why', () => {
    const choices: LogChecksChoice[] = [];
    const checks = logChecksThread({ entry: BUILT_WORKER, log: (c) => choices.push(c) })(WORKER_FROM_ENTRIES - 1);
    expect(checks.where).toBe('in-thread');
    expect(choices).toEqual([
      { where: 'in-thread', why: expect.stringContaining(`${WORKER_FROM_ENTRIES - 1} entries`) },
    ]);
  });

  it('uses the built worker file when there is one, and says so', async () => {
    expect(existsSync(fileURLToPath(BUILT_WORKER)), 'build @onceonly/audit first (npm run build)').toBe(true);
    const choices: LogChecksChoice[] = [];
    const checks = logChecksThread({ entry: BUILT_WORKER, log: (c) => choices.push(c) })(WORKER_FROM_ENTRIES);
    try {
      expect(checks.where).toBe('worker');
      expect(choices).toEqual([{ where: 'worker', why: expect.stringContaining('log-checks-worker.js') }]);
    } finally {
      await checks.close();
    }
  });

  it('gives the same report as the in-thread checks: an honest log of 1,000 entries with its bus', async () => {
    const log = await signedLog(1000, [0, 100, 256, 700, 1000]);
    const options = { log: logSourceOf(log), bus: busOf(log.events), verifierKey: log.key.verifierKey };
    const inThread = await replayWith(inThreadLogChecks, options);
    const inWorker = await replayWith(logChecksThread({ entry: BUILT_WORKER, workerFrom: 0 }), options);
    expect(inThread).toMatchObject({ ok: true, entries: 1000, checkpointsVerified: 5, busEventsMatched: 1000 });
    expect(inWorker).toEqual(inThread);
  });

  it('gives the same report as the in-thread checks: a tampered log, bus and projection', async () => {
    const log = await signedLog(600, [100, 300, 600]);
    const altered = leafOf(event(5, { subject: 'someone-else' }));
    const entries = log.entries
      .filter((e) => e.leafIndex !== 40) // deleted: a hole, a sequence gap, an event the bus still has
      .map((e) => {
        if (e.leafIndex === 5) return { ...e, canonical: altered.canonical }; // changed bytes
        if (e.leafIndex === 77) return { ...e, data: new Uint8Array([9]) }; // another body
        if (e.leafIndex === 300) return { ...e, causationId: 'no-such-event' };
        return e;
      });
    // the bus lacks event-9, and carries a second, different copy of event-12 and an event the log never had
    const bus = [
      ...log.events.filter((e) => e.id !== 'event-9'),
      { ...log.events[12]!, subject: 'forged' },
      event(5000),
    ];
    const answers: Record<string, number> = { 'subject-0': 200, 'subject-1': 1, 'subject-2': 200 };
    const options = {
      log: logSourceOf(log, entries),
      bus: busOf(bus),
      verifierKey: log.key.verifierKey,
      projections: [service(answers) as ProjectionCheck<unknown, unknown>],
      skippedProjections: [{ name: 'elsewhere', reason: 'no reader here' }],
    };
    const inThread = await replayWith(inThreadLogChecks, options);
    const inWorker = await replayWith(logChecksThread({ entry: BUILT_WORKER, workerFrom: 0 }), options);
    expect(new Set(inThread.findings.map((f) => f.kind))).toEqual(
      new Set([
        'LEAF_HASH_MISMATCH',
        'ENTRY_MISMATCH',
        'CHECKPOINT_ROOT_MISMATCH',
        'LEAF_MISSING',
        'BODY_MISMATCH',
        'CAUSE_UNKNOWN',
        'PROJECTION_MISMATCH',
        'PROJECTION_SKIPPED',
        'EVENT_ALTERED',
        'EVENT_NOT_ON_BUS',
        'EVENT_MISSING_FROM_LOG',
        'SEQUENCE_GAP',
        'TREE_SIZE_MISMATCH',
        'CHECKPOINT_BEYOND_LOG',
      ]),
    );
    expect(inWorker).toEqual(inThread);
  });

  it('fails the replay, with no report, when the worker fails; the bus read is stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onceonly-log-checks-'));
    dirs.push(dir);
    const broken = join(dir, 'broken-worker.mjs');
    writeFileSync(broken, "throw new Error('the worker could not load');\n");
    const log = await signedLog(20, [20]);
    let signalled = false;
    const bus: ReplayBusSource = {
      read: (_topics, _onRecord, _progress, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => {
            signalled = true;
            reject(new Error('stopped'));
          });
        }),
    };
    const failed = await replayWith(logChecksThread({ entry: pathToFileURL(broken), workerFrom: 0 }), {
      log: logSourceOf(log),
      bus,
      verifierKey: log.key.verifierKey,
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failed).toMatchObject({ message: 'the worker could not load' });
    expect(signalled).toBe(true);
  });
});
