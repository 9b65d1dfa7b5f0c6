import { isAppError } from '@onceonly/errors';
import { consistencyProof, formatCheckpoint, signNote } from '@onceonly/merkle';
import { describe, expect, it } from 'vitest';
import { ORIGIN, signedLog } from '../../test/fixtures.js';
import { type BusRecord, type ReplayBusSource, type ReplayLogSource, replay } from './replay.js';

// The replay compares a log only with its own hub's bus: a bus whose checkpoints name another log is refused with
// AUDIT_SOURCE_MISMATCH before any divergence is reported (no false tampering alarm). In memory, no I/O.

type Log = Awaited<ReturnType<typeof signedLog>>;

function logSource(log: Log): ReplayLogSource {
  return {
    info: async () => ({
      origin: ORIGIN,
      verifierKeys: [log.key.verifierKey],
      size: log.entries.length,
      topics: ['onceonly.test.v1'],
    }),
    checkpoints: async () => log.checkpoints,
    async *entries(size) {
      yield* log.entries.slice(0, size);
    },
    consistencyProof: (first, second) => consistencyProof(log.tree, first, second),
    findEvent: async () => undefined,
  };
}

/** A bus holding `log`'s events, and the checkpoint notes given. */
function busOf(log: Log, checkpointNotes?: readonly string[]): ReplayBusSource {
  return {
    async read(_topics, onRecord) {
      log.events.forEach((event, i) => {
        onRecord({
          event: { ...event, specversion: '1.0' },
          topic: 'onceonly.test.v1',
          partition: 0,
          offset: String(i),
        } as BusRecord);
      });
      return { records: log.events.length, malformed: 0, ...(checkpointNotes ? { checkpointNotes } : {}) };
    },
  };
}

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
      log: logSource(log),
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
        log: logSource(log),
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
      replay({ log: logSource(log), bus: busOf(other, [forged]), verifierKey: log.key.verifierKey }),
    );
    expect(isAppError(err, 'AUDIT_SOURCE_MISMATCH')).toBe(true);
  });

  it('reads a bus that names no hub, with a BUS_UNIDENTIFIED notice', async () => {
    const log = await signedLog(3, [3]);
    const report = await replay({ log: logSource(log), bus: busOf(log, []), verifierKey: log.key.verifierKey });
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
      log: logSource(log),
      bus: busOf(log, [log.checkpoints[0]!.signedNote]),
      verifierKey: log.key.verifierKey,
      inputs,
    });
    expect(report.inputs).toEqual(inputs);
  });
});
