import { isAppError } from '@onceonly/errors';
import { formatCheckpoint, signNote } from '@onceonly/merkle';
import { describe, expect, it } from 'vitest';
import { busOf, logSourceOf, ORIGIN, signedLog } from '../../test/fixtures.js';
import { type BusRecord, type ReplayBusSource, type ReplayLogSource, replay } from './replay.js';

// The replay compares a log only with its own hub's bus: a bus whose checkpoints name another log is refused with
// AUDIT_SOURCE_MISMATCH before any divergence is reported (no false tampering alarm). In memory, no I/O.

async function refusal(run: Promise<unknown>): Promise<unknown> {
  return run.then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('replay of a log against a bus', () => {
  it('compares them when the bus carries one of the log’s own checkpoints', async () => {
    const log = await signedLog(4, [2, 4]);
    const report = await replay({
      log: logSourceOf(log),
      bus: busOf(log, [log.checkpoints[0]!.signedNote]),
      verifierKey: log.key.verifierKey,
    });
    expect(report).toMatchObject({ ok: true, busEventsMatched: 4 });
    expect(report.findings).toEqual([]);
  });

  it('refuses a bus whose checkpoints are signed by another log’s key, and reports nothing', async () => {
    const log = await signedLog(4, [2, 4]);
    const other = await signedLog(6, [3, 6]);
    const err = await refusal(
      replay({
        log: logSourceOf(log),
        bus: busOf(
          other,
          other.checkpoints.map((c) => c.signedNote),
        ),
        verifierKey: log.key.verifierKey,
      }),
    );
    expect(isAppError(err, 'AUDIT_SOURCE_MISMATCH')).toBe(true);
  });

  it('refuses a bus whose checkpoints are signed with the log’s key for another tree (a copied key)', async () => {
    const log = await signedLog(4, [2, 4]);
    const other = await signedLog(5, [5]);
    const forged = await signNote(formatCheckpoint({ origin: ORIGIN, size: 5, root: other.tree.root() }), log.signer);
    const err = await refusal(
      replay({ log: logSourceOf(log), bus: busOf(other, [forged]), verifierKey: log.key.verifierKey }),
    );
    expect(isAppError(err, 'AUDIT_SOURCE_MISMATCH')).toBe(true);
  });

  it('reads a bus that names no hub, with a BUS_UNIDENTIFIED notice', async () => {
    const log = await signedLog(3, [3]);
    const report = await replay({ log: logSourceOf(log), bus: busOf(log, []), verifierKey: log.key.verifierKey });
    expect(report.ok).toBe(true);
    expect(report.findings.map((f) => f.kind)).toEqual(['BUS_UNIDENTIFIED']);
  });

  it('names the sources it read in the report', async () => {
    const log = await signedLog(2, [2]);
    const inputs = {
      log: { kind: 'hub', where: '127.0.0.1:50051' },
      bus: { kind: 'hub', where: '127.0.0.1:50051' },
      projections: { kind: 'none', where: '' },
    } as const;
    const report = await replay({
      log: logSourceOf(log),
      bus: busOf(log, [log.checkpoints[0]!.signedNote]),
      verifierKey: log.key.verifierKey,
      inputs,
    });
    expect(report.inputs).toEqual(inputs);
  });

  it('matches the bus and the log whichever arrives first: the same report with the bus before, after or between', async () => {
    const log = await signedLog(8, [4, 8]);
    // leaf 5 altered on the bus: found whatever the order
    const altered = log.events.map((e, i) => (i === 5 ? { ...e, subject: 'someone-else' } : e));
    const reports = [];
    for (const when of ['before', 'after', 'between'] as const) {
      let releaseBus!: () => void;
      const busMayRun = new Promise<void>((resolve) => {
        releaseBus = resolve;
      });
      const source: ReplayLogSource = {
        ...logSourceOf(log),
        async *entries(size) {
          for (const entry of log.entries.slice(0, size)) {
            if (when === 'between' && entry.leafIndex === 4) releaseBus();
            yield entry;
          }
          releaseBus();
        },
      };
      const bus: ReplayBusSource = {
        async read(_topics, onRecord) {
          if (when !== 'before') await busMayRun;
          altered.forEach((event, i) => {
            onRecord({ event, topic: 'onceonly.test.v1', partition: 0, offset: String(i) } as BusRecord);
          });
          return { records: altered.length, malformed: 0, checkpointNotes: [log.checkpoints[0]!.signedNote] };
        },
      };
      const report = await replay({ log: source, bus, verifierKey: log.key.verifierKey });
      reports.push(report.findings.map((f) => [f.kind, f.leafIndex, f.eventId]));
      expect(report).toMatchObject({ ok: false, busEventsMatched: 8, entries: 8 });
    }
    expect(reports[0]).toEqual([['EVENT_ALTERED', 5, log.events[5]!.id]]);
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[2]).toEqual(reports[0]);
  });

  it('fails, with no report, when the bus read fails while the log is read; the log read is stopped', async () => {
    const log = await signedLog(300, [300]);
    let closed = false;
    let read = 0;
    const source: ReplayLogSource = {
      ...logSourceOf(log),
      async *entries(size) {
        try {
          for (const entry of log.entries.slice(0, size)) {
            read++;
            yield entry;
          }
        } finally {
          closed = true;
        }
      },
    };
    const bus: ReplayBusSource = {
      async read(_topics, onRecord) {
        onRecord({ event: log.events[0]!, topic: 'onceonly.test.v1', partition: 0, offset: '0' } as BusRecord);
        // fails once the log read is under way
        await new Promise((resolve) => setImmediate(resolve));
        throw new Error('the broker went away');
      },
    };
    const err = await refusal(replay({ log: source, bus, verifierKey: log.key.verifierKey }));
    expect(err).toMatchObject({ message: 'the broker went away' });
    expect(closed).toBe(true);
    expect(read).toBeLessThan(300);
  });

  it('fails, with no report, when the log read fails while the bus is read; the bus read is told to stop', async () => {
    const log = await signedLog(4, [2, 4]);
    let aborted: unknown;
    const source: ReplayLogSource = {
      ...logSourceOf(log),
      // biome-ignore lint/correctness/useYield: a log that fails before its first entry
      async *entries() {
        throw new Error('the database went away');
      },
    };
    const bus: ReplayBusSource = {
      read: (_topics, _onRecord, _onProgress, signal) =>
        new Promise((_resolve, reject) => {
          // a bus read that would go on until told to stop
          signal?.addEventListener('abort', () => {
            aborted = signal.reason;
            reject(new Error('stopped'));
          });
        }),
    };
    const err = await refusal(replay({ log: source, bus, verifierKey: log.key.verifierKey }));
    expect(err).toMatchObject({ message: 'the database went away' });
    expect(aborted).toBe(err);
  });

  it('fails when the bus belongs to another hub even if the log read found divergences first', async () => {
    const log = await signedLog(4, [2, 4]);
    const other = await signedLog(6, [3, 6]);
    const tampered: ReplayLogSource = {
      ...logSourceOf(log),
      async *entries(size) {
        yield* log.entries.slice(0, size).filter((e) => e.leafIndex !== 1);
      },
    };
    const err = await refusal(
      replay({
        log: tampered,
        bus: busOf(
          other,
          other.checkpoints.map((c) => c.signedNote),
        ),
        verifierKey: log.key.verifierKey,
      }),
    );
    expect(isAppError(err, 'AUDIT_SOURCE_MISMATCH')).toBe(true);
  });
});
