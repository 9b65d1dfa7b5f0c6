import { consistencyProof } from '@onceonly/merkle';
import { type ProjectionCheck, projectionOf } from '@onceonly/replay';
import { describe, expect, it } from 'vitest';
import { ORIGIN, signedLog } from '../../test/fixtures.js';
import type { VerifiableEntry } from '../domain/log-verifier.js';
import { type ReplayLogSource, replay, replayMarkdown } from './replay.js';

// The replay with a projection (no I/O): the generic run the hub feeds each service's projection to (ADR 005). The
// projection here counts the events of every subject; the certificate's own projection is tested in its service.

type Log = Awaited<ReturnType<typeof signedLog>>;

function source(log: Log, entries: readonly VerifiableEntry[] = log.entries): ReplayLogSource {
  return {
    info: async () => ({
      origin: ORIGIN,
      verifierKeys: [log.key.verifierKey],
      size: log.entries.length,
      topics: ['onceonly.test.v1'],
    }),
    checkpoints: async () => log.checkpoints,
    async *entries(size) {
      yield* entries.slice(0, size);
    },
    consistencyProof: (first, second) => consistencyProof(log.tree, first, second),
    findEvent: async () => undefined,
  };
}

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
      log: source(log),
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
      log: source(log),
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
      log: source(log, entries),
      verifierKey: log.key.verifierKey,
      projections: [service(agreeing)],
    });
    expect(report.findings.map((f) => f.kind).sort()).toEqual(['BODY_MISMATCH', 'PROJECTION_MISMATCH']);
  });

  it('rebuilds and checks the events without a service, and says what it did not compare', async () => {
    const log = await signedLog(6, [6]);
    const report = await replay({
      log: source(log),
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
      log: source(log),
      verifierKey: log.key.verifierKey,
      skippedProjections: [{ name: 'events-per-subject', reason: 'not asked for' }],
    });
    expect(none.findings.map((f) => f.kind)).toEqual(['PROJECTION_SKIPPED']);
  });
});
