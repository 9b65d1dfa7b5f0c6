import { AppError } from '@onceonly/errors';
import { finding, type Projection } from '@onceonly/replay';
import { describe, expect, it } from 'vitest';
import { event } from '../../test/fixtures.js';
import { MAX_READ_FAILURES, ProjectionRun } from './projection.js';

// a toy projection: the type of the last event of every subject
const lastType: Projection<string> = {
  name: 'last type',
  apply: (state, e) => void state.set(e.subject, e.type),
};

describe('rebuilding state from the events and comparing it with a service', () => {
  it('finds nothing when the service agrees, and names every key that differs', async () => {
    const run = new ProjectionRun({
      projection: lastType,
      reader: {
        read: async (key) =>
          key === 'subject-1' ? 'test.other' : key === 'subject-2' ? undefined : 'test.thing.happened',
      },
    });
    for (let i = 0; i < 6; i++) run.apply(event(i));
    const findings = await run.compare();
    expect(findings.map((f) => f.kind)).toEqual(['PROJECTION_MISMATCH', 'PROJECTION_MISMATCH']);
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringContaining('subject-1'),
      expect.stringContaining('subject-2'),
    ]);
    expect(findings.map((f) => f.key)).toEqual(['subject-1', 'subject-2']);
    expect(run.summary()).toEqual({ name: 'last type', keys: 3, events: 6, compared: 3, divergences: 2 });
  });

  it('reports what a projection finds wrong with an event, with its event id and leaf index', async () => {
    const strict: Projection<string> = {
      name: 'strict',
      apply: (state, e) => {
        state.set(e.subject, e.type);
        return e.id === 'event-4' ? [finding('PROJECTION_EVENT_INVALID', 'not allowed')] : undefined;
      },
    };
    const run = new ProjectionRun({ projection: strict, reader: { read: async () => 'test.thing.happened' } });
    for (let i = 0; i < 6; i++) run.apply(event(i), i + 100);
    const findings = await run.compare();
    expect(findings).toEqual([
      expect.objectContaining({ kind: 'PROJECTION_EVENT_INVALID', eventId: 'event-4', leafIndex: 104 }),
    ]);
  });

  it('names a key the service could not be asked about, and stops when it keeps failing', async () => {
    let reads = 0;
    const run = new ProjectionRun({
      projection: lastType,
      concurrency: 1,
      reader: {
        read: async () => {
          reads++;
          throw new AppError('UNAVAILABLE', 'connection refused');
        },
      },
    });
    for (let i = 0; i < 30; i++) run.apply(event(i, { subject: `s-${i}` }));
    const findings = await run.compare();
    expect(reads).toBe(MAX_READ_FAILURES);
    expect(findings.map((f) => f.kind)).toEqual(Array(MAX_READ_FAILURES + 1).fill('PROJECTION_READ_FAILED'));
    expect(findings.at(-1)!.message).toContain(`${30 - MAX_READ_FAILURES} of 30 keys not compared`);
  });

  it('without a reader, checks the events and says that nothing was compared', async () => {
    const run = new ProjectionRun({ projection: lastType, skipped: 'the hub did not answer' });
    for (let i = 0; i < 3; i++) run.apply(event(i));
    const findings = await run.compare();
    expect(findings).toEqual([expect.objectContaining({ kind: 'PROJECTION_SKIPPED', severity: 'notice' })]);
    expect(run.summary()).toMatchObject({ keys: 3, compared: 0, skipped: 'the hub did not answer' });
  });
});
