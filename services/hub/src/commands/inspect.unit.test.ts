import { createHash } from 'node:crypto';
import { drawTask, taskDocument } from '@onceonly/credit';
import { formatCheckpoint, generateNoteKey, parseSignerKey, signNote } from '@onceonly/merkle';
import { describe, expect, it } from 'vitest';
import { taskInput } from '../../../credit/test/draws.js';
import { type PublishedDraw, verifyPublishedDraw } from './inspect.js';

const ORIGIN = 'onceonly.test/audit';

async function published(): Promise<{ draw: PublishedDraw; vkey: string }> {
  const key = generateNoteKey(ORIGIN);
  const root = createHash('sha256').update('tree 99').digest();
  const note = await signNote(formatCheckpoint({ origin: ORIGIN, size: 99, root }), parseSignerKey(key.signerKey));
  const task = taskDocument(taskInput());
  return { draw: structuredClone({ task, checkpoint: { note }, result: drawTask(task, root) }), vkey: key.verifierKey };
}

describe('inspect verify-draw', () => {
  it('matches a draw recomputed from its task, its signed checkpoint and its result', async () => {
    const { draw, vkey } = await published();
    expect(verifyPublishedDraw(draw, vkey)).toEqual({
      match: true,
      taskId: 'PT-2026-SS-007',
      checkpoint: { origin: ORIGIN, size: 99 },
      problems: [],
    });
  });

  it('names what differs: an inspector, the task, the order of the pool, the key', async () => {
    const { draw, vkey } = await published();
    const inspector = structuredClone(draw) as { result: { drawn: { inspectors: string[] }[] } } & PublishedDraw;
    const first = inspector.result.drawn[0] as { inspectors: string[] };
    first.inspectors = [...first.inspectors].reverse();
    expect(verifyPublishedDraw(inspector, vkey).problems).toEqual([
      expect.stringMatching(/^drawn\[0\]: published .*, recomputed /),
    ]);

    const ratio = structuredClone(draw);
    (ratio.task.ratios as Record<string, number>).B = 2_000;
    const verdict = verifyPublishedDraw(ratio, vkey);
    expect(verdict.match).toBe(false);
    expect(verdict.problems[0]).toMatch(/^taskDigest: /);

    const reordered = structuredClone(draw) as PublishedDraw & { task: { candidates: unknown[] } };
    reordered.task.candidates.reverse();
    expect(verifyPublishedDraw(reordered, vkey).problems).toEqual(['the task document is not in its normalised form']);

    expect(verifyPublishedDraw(draw, generateNoteKey(ORIGIN).verifierKey).problems).toEqual([
      expect.stringMatching(/^the checkpoint: /),
    ]);
  });
});
