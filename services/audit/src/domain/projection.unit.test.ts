import { describe, expect, it } from 'vitest';
import { event } from '../../test/fixtures.js';
import { type Projection, ProjectionRun } from './projection.js';

// a toy projection: the type of the last event of every subject
const lastType: Projection<string> = {
  name: 'last type',
  apply: (state, e) => {
    state.set(e.subject, e.type);
  },
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
  });
});
