import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSubjectLog } from '../test/subject-fixtures.js';
import { emptyMapRoot } from './map-hash.js';
import { subjectMapRoot } from './subject-map-extension.js';
import { replaySubjectMap } from './subject-map-replay.js';

describe('replaySubjectMap', () => {
  it('recomputes the root that the incremental writer put in the checkpoint, whatever its batches', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('A', 'B', 'C', 'D', 'E'), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 8 }),
        async (subjects, batch) => {
          const log = await buildSubjectLog(subjects, batch);
          const replayed = await replaySubjectMap(
            subjects.map((subject, i) => ({ subject, leafHash: log.leaves[i]! })),
          );
          expect(replayed.root).toEqual(subjectMapRoot(log.checkpoint));
          expect(replayed.chains).toEqual(log.chains);
        },
      ),
      { numRuns: 30 },
    );
    // about 1.2 s alone; 30 logs built and replayed, so give a loaded machine (CI beside other runs) room
  }, 30_000);

  it('detects a map that left out one entry of a subject', async () => {
    const subjects = ['A', 'B', 'A'];
    const log = await buildSubjectLog(subjects);
    const withoutLast = await replaySubjectMap(
      subjects.slice(0, 2).map((subject, i) => ({ subject, leafHash: log.leaves[i]! })),
    );
    expect(withoutLast.root).not.toEqual(subjectMapRoot(log.checkpoint));
  });

  it('gives the empty map for an empty log', async () => {
    expect((await replaySubjectMap([])).root).toEqual(emptyMapRoot());
  });
});
