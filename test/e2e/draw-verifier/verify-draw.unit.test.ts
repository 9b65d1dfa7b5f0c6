import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { canonicalTask, type DrawResult, drawTask, type InspectionTask, taskDocument } from '@onceonly/credit';

const canonicalOf = (task: InspectionTask) => canonicalTask(task);

import {
  formatCheckpoint,
  generateNoteKey,
  inclusionProof,
  leafHash,
  MemoryTree,
  parseSignerKey,
  signNote,
} from '@onceonly/merkle';
import { describe, expect, it } from 'vitest';
import { taskInput, usccOf } from '../../../services/credit/test/draws.js';

// The independent verifier (verify-draw.mjs: node:crypto and its own JCS, none of OnceOnly's code) recomputes a
// draw made by the credit service's procedure (`drawTask`) from what the draw publishes: the task document, the
// signed checkpoint note, the result. It runs as its own Node process, reading the published JSON on stdin.

const VERIFIER = fileURLToPath(new URL('./verify-draw.mjs', import.meta.url));
const ORIGIN = 'onceonly.test/audit';

interface Published {
  task: InspectionTask;
  checkpoint: { note: string };
  result: DrawResult;
}

function verify(
  published: unknown,
  key?: string,
): { status: number | null; out: { match: boolean; problems: string[] } } {
  const args = [VERIFIER, '-', ...(key === undefined ? [] : ['--key', key])];
  const run = spawnSync(process.execPath, args, { input: JSON.stringify(published), encoding: 'utf8' });
  if (run.status === 2) throw new Error(run.stderr);
  return { status: run.status, out: JSON.parse(run.stdout) };
}

async function published(): Promise<{ draw: Published; verifierKey: string }> {
  const key = generateNoteKey(ORIGIN);
  const root = createHash('sha256').update('a tree of 1234 leaves').digest();
  const note = await signNote(formatCheckpoint({ origin: ORIGIN, size: 1234, root }), parseSignerKey(key.signerKey));
  const task = taskDocument(
    taskInput({
      candidates: Array.from({ length: 200 }, (_, i) => ({
        creditCode: usccOf(7000 + i),
        grade: (['A', 'B', 'B', 'C', 'D'] as const)[i % 5] as 'A',
      })),
      title: '2026年“双随机、一公开”抽查（食品经营）',
      recusals: {
        recentInspections: [{ department: taskInput().inspectors[0]?.department as string, creditCode: usccOf(7004) }],
        conflicts: [{ inspectorId: taskInput().inspectors[1]?.id as string, creditCode: usccOf(7009) }],
      },
    }),
  );
  return { draw: { task, checkpoint: { note }, result: drawTask(task, root) }, verifierKey: key.verifierKey };
}

describe('the independent draw verifier', () => {
  it('recomputes a draw of the service exactly, the checkpoint signed by the audit key (exit 0)', async () => {
    const { draw, verifierKey } = await published();
    expect(draw.result.drawn.length).toBeGreaterThan(40);
    const { status, out } = verify(draw, verifierKey);
    expect(out.problems).toEqual([]);
    expect(out.match).toBe(true);
    expect(status).toBe(0);
  });

  it('fails a tampered draw: an entity swapped, an inspector swapped, the task changed, another root, a forged key', async () => {
    const { draw, verifierKey } = await published();
    const clone = (): Published => structuredClone(draw);

    const swapped = clone();
    const notDrawn = swapped.task.candidates.find((c) => !draw.result.drawn.some((d) => d.creditCode === c.creditCode));
    (swapped.result.drawn[0] as { creditCode: string }).creditCode = notDrawn?.creditCode as string;

    const inspector = clone();
    const first = inspector.result.drawn[0] as unknown as { inspectors: string[] };
    const other = draw.task.inspectors.find((p) => !first.inspectors.includes(p.id))?.id as string;
    first.inspectors = [other, ...first.inspectors.slice(1)];

    const ratio = clone();
    (ratio.task.ratios as Record<string, number>).A = 10_000;

    const dropped = clone();
    (dropped.result as unknown as { drawn: unknown[] }).drawn = dropped.result.drawn.slice(1);

    for (const tampered of [swapped, inspector, ratio, dropped]) {
      const { status, out } = verify(tampered, verifierKey);
      expect(out.match).toBe(false);
      expect(out.problems.length).toBeGreaterThan(0);
      expect(status).toBe(1);
    }

    // a checkpoint note whose root was changed after signing
    const reRooted = clone();
    const lines = reRooted.checkpoint.note.split('\n');
    lines[2] = createHash('sha256').update('another tree').digest('base64');
    reRooted.checkpoint.note = lines.join('\n');
    expect(verify(reRooted, verifierKey).status).toBe(1);
    // the same draw checked against another log's key
    expect(verify(draw, generateNoteKey(ORIGIN).verifierKey).status).toBe(1);
  });

  it('checks the commitment: its leaf, its inclusion proof in the checkpoint, and that no earlier checkpoint held it', async () => {
    // a log of 20 leaves whose leaf 9 commits to the task (its body begins 0x0A 0x20 ‖ taskDigest), signed at 9 and 12
    const key = generateNoteKey(ORIGIN);
    const task = taskDocument(taskInput());
    const digest = createHash('sha256').update(canonicalOf(task)).digest();
    const body = Buffer.concat([Buffer.from([0x0a, 0x20]), digest, Buffer.from('\x12\x05PT-26')]);
    const canonical = Buffer.from(
      JSON.stringify({
        id: 'commitment-1',
        type: 'inspection.task.committed',
        datasha256: createHash('sha256').update(body).digest('hex'),
      }),
    );
    const tree = new MemoryTree();
    for (let i = 0; i < 20; i++) tree.append(leafHash(i === 9 ? canonical : Buffer.from(`leaf ${i}`)));
    const note = (size: number) =>
      signNote(formatCheckpoint({ origin: ORIGIN, size, root: tree.root(size) }), parseSignerKey(key.signerKey));
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const draw = {
      task,
      checkpoint: { note: await note(12) },
      previousCheckpoint: { note: await note(9) },
      commitment: {
        eventId: 'commitment-1',
        leafIndex: 9,
        treeSize: 12,
        leafHash: hex(leafHash(canonical)),
        hashes: (await inclusionProof(tree, 9, 12)).map(hex),
        leafCanonical: canonical.toString('base64'),
        body: body.toString('base64'),
      },
      result: drawTask(task, tree.root(12)),
    };
    const run = (d: unknown) => {
      const r = spawnSync(process.execPath, [VERIFIER, '-', '--key', key.verifierKey, '--require-commitment'], {
        input: JSON.stringify(d),
        encoding: 'utf8',
      });
      return { status: r.status, problems: JSON.parse(r.stdout).problems as string[] };
    };
    expect(run(draw)).toEqual({ status: 0, problems: [] });

    const tampered: [string, (d: typeof draw) => unknown][] = [
      [
        'another leaf index',
        (d) => {
          d.commitment.leafIndex = 8;
        },
      ],
      ['a path that leads elsewhere', (d) => d.commitment.hashes.reverse()],
      [
        'another body',
        (d) => {
          d.commitment.body = Buffer.from('another').toString('base64');
        },
      ],
      [
        'another event',
        (d) => {
          d.commitment.eventId = 'commitment-2';
        },
      ],
      [
        'a later checkpoint',
        async (d) => {
          d.checkpoint.note = await note(15);
        },
      ],
      [
        'an earlier checkpoint held it',
        async (d) => {
          d.previousCheckpoint.note = await note(10);
        },
      ],
    ];
    for (const [what, change] of tampered) {
      const copy = structuredClone(draw);
      await change(copy);
      const { status, problems } = run(copy);
      expect(status, what).toBe(1);
      expect(problems.length, what).toBeGreaterThan(0);
    }
    const { commitment: _none, ...bare } = draw;
    expect(run(bare).problems).toEqual(["no commitment: the draw does not show its task's place in the log"]);
  });
});
