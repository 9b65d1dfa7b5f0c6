import {
  emptySubjectChain,
  extendSubjectChain,
  formatCheckpoint,
  MemoryMap,
  mapKey,
  type SubjectChain,
  signNote,
  subjectMapExtension,
  subjectMapValue,
} from '@onceonly/merkle';
import { type ProjectionCheck, projectionOf } from '@onceonly/replay';
import { describe, expect, it } from 'vitest';
import { logSourceOf, ORIGIN, type SignedLog, signedLog } from '../../test/fixtures.js';
import { replay, replayMarkdown } from './replay.js';

// The replay with a projection (no I/O): the generic run the hub feeds each service's projection to (ADR 005). The
// projection here counts the events of every subject; the certificate's own projection is tested in its service.

/** Events per subject, from `test.*` events; a body that is not three bytes is a fact the rules refuse. */
const eventsPerSubject = projectionOf<number, { subject: string; size: number }>({
  name: 'events-per-subject',
  accepts: (type) => type.startsWith('test.'),
  decode: (event) => ({ subject: event.subject, size: event.data.length }),
  evolve: (state, { subject, size }) => {
    state.set(subject, (state.get(subject) ?? 0) + 1);
    return { problems: size === 3 ? [] : [`a body of ${size} bytes`], key: subject };
  },
});

/** The service as a map of answers. */
function service(answers: Record<string, number>): ProjectionCheck<number> {
  return { projection: eventsPerSubject, reader: { read: async (key) => answers[key] } };
}

// six events: subjects 0, 1, 2, 0, 1, 2
const agreeing = { 'subject-0': 2, 'subject-1': 2, 'subject-2': 2 };

describe('replay with a projection', () => {
  it('finds no divergence when the service answers what the events give, and reports what it compared', async () => {
    const log = await signedLog(6, [6]);
    const report = await replay({
      log: logSourceOf(log),
      verifierKey: log.key.verifierKey,
      projections: [service(agreeing)],
    });
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.projections).toEqual([
      { name: 'events-per-subject', keys: 3, events: 6, compared: 3, divergences: 0 },
    ]);
    expect(replayMarkdown(report)).toContain('| events-per-subject | 6 | 3 | 3 | 0 |');
  });

  it('names a key whose value the service changed behind the log, and fails', async () => {
    const log = await signedLog(6, [6]);
    const report = await replay({
      log: logSourceOf(log),
      verifierKey: log.key.verifierKey,
      projections: [service({ ...agreeing, 'subject-1': 5 })],
    });
    expect(report.ok).toBe(false);
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'PROJECTION_MISMATCH', key: 'subject-1' })]);
    expect(replayMarkdown(report)).toContain('PROJECTION_MISMATCH');
  });

  it('feeds the projection only bodies the leaves commit to', async () => {
    const log = await signedLog(6, [6]);
    // the stored body of event 1 was replaced: the verifier names it, the projection never sees it
    const entries = log.entries.map((entry, i) => (i === 1 ? { ...entry, data: new Uint8Array([9, 9, 9, 9]) } : entry));
    const report = await replay({
      log: logSourceOf(log, entries),
      verifierKey: log.key.verifierKey,
      projections: [service(agreeing)],
    });
    expect(report.findings.map((f) => f.kind).sort()).toEqual(['BODY_MISMATCH', 'PROJECTION_MISMATCH']);
  });

  it('rebuilds and checks the events without a service, and says what it did not compare', async () => {
    const log = await signedLog(6, [6]);
    const report = await replay({
      log: logSourceOf(log),
      verifierKey: log.key.verifierKey,
      projections: [{ projection: eventsPerSubject, skipped: 'the hub did not answer' }],
    });
    expect(report.ok).toBe(true);
    expect(report.findings.map((f) => [f.kind, f.severity])).toEqual([['PROJECTION_SKIPPED', 'notice']]);
    expect(report.projections).toEqual([
      {
        name: 'events-per-subject',
        keys: 3,
        events: 6,
        compared: 0,
        divergences: 0,
        skipped: 'the hub did not answer',
      },
    ]);
    const none = await replay({
      log: logSourceOf(log),
      verifierKey: log.key.verifierKey,
      skippedProjections: [{ name: 'events-per-subject', reason: 'not asked for' }],
    });
    expect(none.findings.map((f) => f.kind)).toEqual(['PROJECTION_SKIPPED']);
  });
});

describe('replay recomputes the subject map each checkpoint signs (ADR 006)', () => {
  /** The map root of the log's first `size` leaves, one left out if asked (what a lying log would sign). */
  async function mapRoot(log: SignedLog, size: number, leaveOut?: number): Promise<Uint8Array> {
    const chains = new Map<string, SubjectChain>();
    for (const [i, event] of log.events.slice(0, size).entries()) {
      if (i === leaveOut) continue;
      const chain = chains.get(event.subject) ?? emptySubjectChain();
      chains.set(event.subject, extendSubjectChain(chain, i, log.leaves[i]!.hash));
    }
    const values = [...chains].map(([subject, chain]) => ({ key: mapKey(subject), value: subjectMapValue(chain) }));
    return (await new MemoryMap().setMany(values)).root;
  }

  /** The log with checkpoints at 3 and 6, each signed (by the log's key) with the map root given. */
  async function withMapLines(log: SignedLog, roots: Record<number, Uint8Array>): Promise<SignedLog> {
    const checkpoints = await Promise.all(
      [3, 6].map(async (size) => ({
        size,
        signedNote: await signNote(
          formatCheckpoint({
            origin: ORIGIN,
            size,
            root: log.tree.root(size),
            extensions: [subjectMapExtension(roots[size]!)],
          }),
          log.signer,
        ),
      })),
    );
    return { ...log, checkpoints };
  }

  it('finds nothing when every signed map is the map of the leaves', async () => {
    const log = await signedLog(6, []);
    const report = await replay({
      log: logSourceOf(await withMapLines(log, { 3: await mapRoot(log, 3), 6: await mapRoot(log, 6) })),
      verifierKey: log.key.verifierKey,
    });
    expect(report.findings).toEqual([]);
    expect(report).toMatchObject({ ok: true, checkpointsVerified: 2 });
  });

  it('names SUBJECT_MAP_MISMATCH at a checkpoint whose signed map root leaves out an entry, or is not a map of them', async () => {
    const log = await signedLog(6, []);
    const leftOut = await replay({
      log: logSourceOf(await withMapLines(log, { 3: await mapRoot(log, 3), 6: await mapRoot(log, 6, 4) })),
      verifierKey: log.key.verifierKey,
    });
    expect(leftOut.ok).toBe(false);
    expect(leftOut.findings.map((f) => [f.kind, f.size])).toEqual([['SUBJECT_MAP_MISMATCH', 6]]);
    // the tree itself is intact: only the map lies
    expect(leftOut.checkpointsVerified).toBe(2);

    const other = new Uint8Array(32).fill(7);
    const forged = await replay({
      log: logSourceOf(await withMapLines(log, { 3: other, 6: await mapRoot(log, 6) })),
      verifierKey: log.key.verifierKey,
    });
    expect(forged.findings.map((f) => [f.kind, f.size])).toEqual([['SUBJECT_MAP_MISMATCH', 3]]);
    expect(replayMarkdown(forged)).toContain('SUBJECT_MAP_MISMATCH');
  });
});
