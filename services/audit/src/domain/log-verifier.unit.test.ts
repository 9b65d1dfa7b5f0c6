import { formatCheckpoint, parseVerifierKey, signNote } from '@onceonly/merkle';
import type { FindingKind } from '@onceonly/replay';
import { describe, expect, it } from 'vitest';
import { event, ORIGIN, signedLog } from '../../test/fixtures.js';
import { leafOf } from './leaf.js';
import { type BusEvent, BusMatcher, LogVerifier, type VerifiableEntry } from './log-verifier.js';

/** When the bus's records reach the verifier: all before the log (as a bus read first), after it, or interleaved. */
type BusOrder = 'before' | 'after' | 'interleaved';

async function check(
  log: Awaited<ReturnType<typeof signedLog>>,
  entries: readonly VerifiableEntry[],
  extra: { bus?: Map<string, BusEvent>; busOrder?: BusOrder; checkpoints?: typeof log.checkpoints; size?: number } = {},
) {
  const matcher = extra.bus ? new BusMatcher() : undefined;
  const verifier = new LogVerifier({
    verifiers: [parseVerifierKey(log.key.verifierKey)],
    origin: ORIGIN,
    checkpoints: extra.checkpoints ?? log.checkpoints,
    ...(matcher ? { bus: matcher } : {}),
  });
  const bus = [...(extra.bus ?? [])];
  const order = extra.busOrder ?? 'before';
  const feedBus = (n: number) => {
    for (const [id, e] of bus.splice(0, n)) matcher?.addBus(id, e);
  };
  if (order === 'before') feedBus(bus.length);
  for (const e of entries) {
    verifier.add(e);
    if (order === 'interleaved') feedBus(1);
  }
  feedBus(bus.length);
  return verifier.finish(extra.size ?? log.entries.length);
}

const ORDERS: BusOrder[] = ['before', 'after', 'interleaved'];

const kinds = (findings: { kind: FindingKind }[]) => [...new Set(findings.map((f) => f.kind))].sort();

function busOf(log: Awaited<ReturnType<typeof signedLog>>): Map<string, BusEvent> {
  return new Map(
    log.events.map((e, i) => [e.id, { leafHash: log.leaves[i]!.hash, topic: 't', partition: 0, offset: String(i) }]),
  );
}

describe('checking a stored log', () => {
  it('follows causation ids: a cause logged before its effect is fine; one dated after it or missing is named', async () => {
    const log = await signedLog(12, [12]);
    const caused = (links: Record<number, string>) =>
      log.entries.map((e) => (links[e.leafIndex] ? { ...e, causationId: links[e.leafIndex]! } : e));
    expect((await check(log, caused({ 5: 'event-2', 6: 'event-5' }))).findings).toEqual([]);
    const { findings } = await check(log, caused({ 3: 'event-7', 4: 'no-such-event' }));
    expect(findings.map((f) => [f.kind, f.leafIndex, f.eventId])).toEqual([
      // event-7 is dated 6 seconds after event-3: a cause cannot follow its effect
      ['CAUSE_AFTER_EFFECT', 3, 'event-3'],
      ['CAUSE_UNKNOWN', 4, 'event-4'],
    ]);
  });

  it('finds nothing wrong in an honest log, with or without the bus', async () => {
    const log = await signedLog(12, [0, 4, 8, 12]);
    const clean = await check(log, log.entries);
    expect(clean.findings).toEqual([]);
    expect(clean.summary).toMatchObject({ entries: 12, checkpointsVerified: 4 });
    for (const busOrder of ORDERS) {
      const withBus = await check(log, log.entries, { bus: busOf(log), busOrder });
      expect(withBus.findings, busOrder).toEqual([]);
      expect(withBus.summary.busEventsMatched).toBe(12);
    }
  });

  it('names changed leaf bytes and the first checkpoint they break', async () => {
    const log = await signedLog(12, [4, 8, 12]);
    const altered = leafOf(event(5, { subject: 'someone-else' }));
    const entries = log.entries.map((e) => (e.leafIndex === 5 ? { ...e, canonical: altered.canonical } : e));
    for (const busOrder of ORDERS) {
      const { findings } = await check(log, entries, { bus: busOf(log), busOrder });
      expect(kinds(findings), busOrder).toEqual([
        'CHECKPOINT_ROOT_MISMATCH',
        'ENTRY_MISMATCH',
        'EVENT_ALTERED',
        'LEAF_HASH_MISMATCH',
      ]);
      expect(findings.filter((f) => f.kind === 'CHECKPOINT_ROOT_MISMATCH').map((f) => f.size)).toEqual([8, 12]);
      expect(findings.find((f) => f.kind === 'EVENT_ALTERED')).toMatchObject({ leafIndex: 5, eventId: 'event-5' });
    }
  });

  it('names a body that does not hash to its leaf', async () => {
    const log = await signedLog(3, [3]);
    const entries = log.entries.map((e) => (e.leafIndex === 1 ? { ...e, data: new Uint8Array([9]) } : e));
    const { findings } = await check(log, entries);
    expect(findings).toMatchObject([{ kind: 'BODY_MISMATCH', leafIndex: 1, eventId: 'event-1' }]);
  });

  it('names a deleted entry, the sequence hole it leaves and the event the bus still has', async () => {
    const log = await signedLog(8, [8]);
    for (const busOrder of ORDERS) {
      const { findings } = await check(
        log,
        log.entries.filter((e) => e.leafIndex !== 3),
        { bus: busOf(log), busOrder },
      );
      expect(kinds(findings), busOrder).toEqual([
        'CHECKPOINT_BEYOND_LOG',
        'EVENT_MISSING_FROM_LOG',
        'LEAF_MISSING',
        'SEQUENCE_GAP',
        'TREE_SIZE_MISMATCH',
      ]);
      expect(findings.find((f) => f.kind === 'LEAF_MISSING')).toMatchObject({ leafIndex: 3 });
      expect(findings.find((f) => f.kind === 'EVENT_MISSING_FROM_LOG')).toMatchObject({ eventId: 'event-3' });
    }
  });

  it('names a leaf whose event is not on the bus, and a second, different copy of an event on the bus', async () => {
    const log = await signedLog(6, [6]);
    for (const busOrder of ORDERS) {
      const bus = busOf(log);
      bus.delete('event-2');
      const copies = [...bus];
      // the second copy of event-4 differs; the first is the one compared with the log, so the leaf is not altered
      const other = { leafHash: new Uint8Array(32).fill(7), topic: 't', partition: 1, offset: '9' };
      const matcher = new BusMatcher();
      const verifier = new LogVerifier({
        verifiers: [parseVerifierKey(log.key.verifierKey)],
        origin: ORIGIN,
        checkpoints: log.checkpoints,
        bus: matcher,
      });
      const feed = () => {
        for (const [id, e] of copies) matcher.addBus(id, e);
        matcher.addBus('event-4', other);
      };
      if (busOrder === 'before') feed();
      for (const e of log.entries) verifier.add(e);
      if (busOrder !== 'before') feed();
      const { findings, summary } = verifier.finish(6);
      expect(
        findings.map((f) => [f.kind, f.eventId, f.leafIndex]),
        busOrder,
      ).toEqual([
        ['EVENT_ALTERED', 'event-4', undefined],
        ['EVENT_NOT_ON_BUS', 'event-2', 2],
      ]);
      expect(summary.busEventsMatched).toBe(5);
    }
  });

  it('names entries that were swapped', async () => {
    const log = await signedLog(8, [8]);
    const entries = [...log.entries];
    [entries[2], entries[5]] = [
      { ...entries[5]!, leafIndex: 2 },
      { ...entries[2]!, leafIndex: 5 },
    ];
    const { findings } = await check(log, entries);
    expect(kinds(findings)).toEqual(['CHECKPOINT_ROOT_MISMATCH', 'LEAF_OUT_OF_ORDER']);
  });

  it('names a forged checkpoint signature and a checkpoint for another log', async () => {
    const log = await signedLog(4, [2, 4]);
    const forged = log.checkpoints.map((c) =>
      c.size === 2
        ? {
            ...c,
            signedNote: c.signedNote.replace(
              /\u2014 (\S+) (.)/,
              (_m, n, ch) => `\u2014 ${n} ${ch === 'A' ? 'B' : 'A'}`,
            ),
          }
        : c,
    );
    const other = await signNote(formatCheckpoint({ origin: 'elsewhere', size: 4, root: log.tree.root() }), log.signer);
    const { findings } = await check(log, log.entries, {
      checkpoints: [...forged.filter((c) => c.size !== 4), { size: 4, signedNote: other }],
    });
    expect(findings.map((f) => [f.kind, f.size])).toEqual([
      ['CHECKPOINT_SIGNATURE_INVALID', 2],
      ['CHECKPOINT_SIGNATURE_INVALID', 4],
    ]);
  });

  it('names a validly signed checkpoint with another root', async () => {
    const log = await signedLog(6, [3, 6]);
    const fork = await signNote(formatCheckpoint({ origin: ORIGIN, size: 3, root: new Uint8Array(32) }), log.signer);
    const { findings } = await check(log, log.entries, {
      checkpoints: [{ size: 3, signedNote: fork }, log.checkpoints[1]!],
    });
    expect(findings).toMatchObject([{ kind: 'CHECKPOINT_ROOT_MISMATCH', size: 3 }]);
  });

  it('names an event logged twice and a sequence number used twice', async () => {
    const log = await signedLog(3, []);
    const again = { ...log.entries[1]!, leafIndex: 3 };
    const reused = leafOf(event(9, { sequence: '2' }));
    const { findings } = await check(log, [...log.entries, again, { leafIndex: 4, canonical: reused.canonical }], {
      size: 5,
    });
    expect(kinds(findings)).toEqual(['EVENT_DUPLICATED', 'SEQUENCE_REPEAT']);
  });

  it('tells events in flight from events missing', async () => {
    const log = await signedLog(3, []);
    const bus = busOf(log);
    bus.set('late', { leafHash: new Uint8Array(32), topic: 't', partition: 0, offset: '3', beyondLog: true });
    for (const busOrder of ORDERS) {
      const { findings } = await check(log, log.entries, { bus, busOrder });
      expect(findings).toMatchObject([{ kind: 'EVENT_NOT_YET_LOGGED', severity: 'notice', eventId: 'late' }]);
    }
    // marked once the bus read is over, from the log group's offsets
    const matcher = new BusMatcher();
    matcher.addBus('late', { leafHash: new Uint8Array(32), topic: 't', partition: 0, offset: '3' });
    matcher.addBus('lost', { leafHash: new Uint8Array(32), topic: 't', partition: 0, offset: '2' });
    matcher.markBeyondLog((e) => Number(e.offset) >= 3);
    expect(matcher.finish().map((f) => [f.kind, f.eventId])).toEqual([
      ['EVENT_NOT_YET_LOGGED', 'late'],
      ['EVENT_MISSING_FROM_LOG', 'lost'],
    ]);
  });
});
