import { createHash } from 'node:crypto';
import { drawTask, taskDocument } from '@onceonly/credit';
import { inspectionV1 as iv } from '@onceonly/credit/client';
import { formatCheckpoint, generateNoteKey, parseSignerKey, signNote } from '@onceonly/merkle';
import { describe, expect, it } from 'vitest';
import { taskInput } from '../../../credit/test/draws.js';
import { type PublishedDraw, resultText, verifyPublishedDraw } from './inspect.js';

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

describe('inspect result', () => {
  it('shows the result, the credit record it became with its window, and the grade', () => {
    const r = iv.RecordInspectionResultResponse.fromPartial({
      replayed: false,
      record: {
        id: 'r-1',
        publicity: {
          published: true,
          publicFrom: '2026-03-04',
          publicUntil: '2029-03-03',
          rule: 'inspection',
          ruleSet: 'publicity/2026-3',
        },
      },
      grade: { grade: 2, ruleSet: 'grades/2026-3', reasons: [{ wordsEn: 'no rule of A, C or D applies' }] },
    });
    expect(resultText(r, 'T-1', '91310107MA1G8K3D4T', 'ordered-to-correct').split('\n')).toEqual([
      'result of 91310107MA1G8K3D4T in task T-1 recorded: ordered-to-correct',
      'credit record r-1 (inspection), public 2026-03-04 to 2029-03-03 (inspection, publicity/2026-3)',
      'grade B  (no rule of A, C or D applies; grades/2026-3)',
    ]);
    expect(resultText({ ...r, replayed: true, record: undefined, grade: undefined }, 'T-1', 'X', 'compliant')).toBe(
      'result of X in task T-1 was recorded already: compliant',
    );
  });
});
