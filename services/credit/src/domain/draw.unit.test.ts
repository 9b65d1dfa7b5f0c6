import { createHash } from 'node:crypto';
import { AppError, type ErrorCode } from '@onceonly/errors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  candidates,
  DEPT_FIRE,
  DEPT_HEALTH,
  DEPT_MARKET,
  inspectors,
  ORGANISER,
  taskInput,
  usccOf,
} from '../../test/draws.js';
import {
  canonicalTask,
  DRAW_GRADES,
  type DrawResult,
  drawCount,
  drawTask,
  type InspectionTask,
  type InspectionTaskInput,
  recusalOf,
  seedCheckpoint,
  taskDocument,
} from './draw.js';
import type { GradeLetter } from './grades.js';

const sha256 = (...parts: (Buffer | string)[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? Buffer.from(p, 'utf8') : p);
  return h.digest();
};
const root = (n: number) => sha256(`checkpoint root ${n}`);

function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  return undefined;
}

/** Every score of every candidate, computed here from the published formula, not by the module. */
function scores(task: InspectionTask, seed: Buffer): Map<string, string> {
  return new Map(task.candidates.map((c) => [c.creditCode, sha256(seed, `entity:${c.creditCode}`).toString('hex')]));
}

describe('the task document', () => {
  it('is RFC 8785 canonical JSON: keys sorted by code unit, no spaces, the normalised order of the pools', () => {
    const a = usccOf(2001);
    const b = usccOf(2000);
    const task = taskDocument(
      taskInput({
        taskId: 'T1',
        title: '抽查',
        items: ['许可'],
        candidates: [
          { creditCode: a, grade: 'B' },
          { creditCode: b, grade: 'A' },
        ],
        ratios: { B: 5000, A: 10000 },
        inspectors: [{ id: 'x2', department: DEPT_FIRE }],
        inspectorsPerTarget: 1,
      }),
    );
    expect(canonicalTask(task)).toBe(
      `{"candidates":[{"creditCode":"${b}","grade":"A"},{"creditCode":"${a}","grade":"B"}],` +
        `"department":"${ORGANISER}","inspectors":[{"department":"${DEPT_FIRE}","id":"x2"}],"inspectorsPerTarget":1,` +
        `"items":["许可"],"procedure":"draw/2026-1","ratios":{"A":10000,"B":5000},` +
        `"recusals":{"conflicts":[],"recentInspections":[]},"taskId":"T1","title":"抽查"}`,
    );
  });

  it('hashes to the digest and seed of the published formula', () => {
    const task = taskDocument(taskInput());
    const result = drawTask(task, root(1));
    const digest = sha256(canonicalTask(task));
    expect(result.taskDigest).toBe(digest.toString('hex'));
    expect(result.seed).toBe(sha256(digest, root(1)).toString('hex'));
    expect(result.checkpointRoot).toBe(root(1).toString('hex'));
  });
});

describe('the draw', () => {
  it('draws ceil(ratio × count / 10000) per grade, the lowest scores, with k inspectors by their hash', () => {
    const task = taskDocument(taskInput());
    const result = drawTask(task, root(7));
    const seed = Buffer.from(result.seed, 'hex');
    const all = scores(task, seed);
    // 60 candidates: 10 A, 30 B, 10 C, 10 D; ratios 5 %, 10 %, 30 %, 100 %
    expect(result.grades).toEqual([
      { grade: 'A', ratioBasisPoints: 500, count: 10, drawn: 1 },
      { grade: 'B', ratioBasisPoints: 1000, count: 30, drawn: 3 },
      { grade: 'C', ratioBasisPoints: 3000, count: 10, drawn: 3 },
      { grade: 'D', ratioBasisPoints: 10000, count: 10, drawn: 10 },
    ]);
    for (const grade of DRAW_GRADES) {
      const expected = task.candidates
        .filter((c) => c.grade === grade)
        .map((c) => ({ code: c.creditCode, score: all.get(c.creditCode) as string }))
        .sort((x, y) => (x.score < y.score ? -1 : 1))
        .slice(0, result.grades.find((g) => g.grade === grade)?.drawn);
      expect(result.drawn.filter((d) => d.grade === grade).map((d) => [d.creditCode, d.score])).toEqual(
        expected.map((e) => [e.code, e.score]),
      );
    }
    for (const d of result.drawn) {
      const expected = task.inspectors
        .map((p) => ({ id: p.id, h: sha256(seed, `inspector:${d.creditCode}:${p.id}`).toString('hex') }))
        .sort((x, y) => (x.h < y.h ? -1 : 1))
        .slice(0, 2)
        .map((p) => p.id);
      expect(d.inspectors).toEqual(expected);
    }
  });

  it('skips an inspector of a department that inspected the entity recently, and a declared conflict', () => {
    const base = taskDocument(taskInput());
    const first = drawTask(base, root(3)).drawn[0];
    if (first === undefined) throw new Error('something is drawn');
    const [p1, p2] = first.inspectors;
    const dept = base.inspectors.find((p) => p.id === p1)?.department as string;
    const recused = drawTask(
      taskDocument(
        taskInput({
          recusals: {
            recentInspections: [{ department: dept, creditCode: first.creditCode }],
            conflicts: [{ inspectorId: p2 as string, creditCode: first.creditCode }],
          },
        }),
      ),
      root(3),
    );
    const again = recused.drawn.find((d) => d.creditCode === first.creditCode);
    // the recusals are part of the task document, so the seed and the draw change: check the rule, not the names
    for (const d of recused.drawn) {
      if (d.creditCode !== first.creditCode) continue;
      expect(d.inspectors).not.toContain(p2);
      for (const id of d.inspectors) expect(base.inspectors.find((p) => p.id === id)?.department).not.toBe(dept);
    }
    expect(again === undefined || again.inspectors.length === 2).toBe(true);
  });

  it('computes the count in integers', () => {
    expect(drawCount(0, 100_000)).toBe(0);
    expect(drawCount(1, 1)).toBe(1);
    expect(drawCount(10_000, 7)).toBe(7);
    expect(drawCount(333, 10_000)).toBe(333);
    expect(drawCount(3_333, 3)).toBe(1);
    expect(drawCount(3_334, 3)).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// properties over any task

const grade = fc.constantFrom<GradeLetter>('A', 'B', 'C', 'D');
const arbTask = fc
  .record({
    grades: fc.array(grade, { minLength: 1, maxLength: 40 }),
    ratios: fc.record({
      A: fc.integer({ min: 0, max: 10_000 }),
      B: fc.integer({ min: 0, max: 10_000 }),
      C: fc.integer({ min: 0, max: 10_000 }),
      D: fc.integer({ min: 0, max: 10_000 }),
    }),
    // at least 5: departments are assigned in turn, so one department's recusal plus one conflict leaves ≥ 2 = max k
    // (with 4, the market department holds 2 of them and a task could be refused as too few inspectors)
    inspectorCount: fc.integer({ min: 5, max: 12 }),
    k: fc.integer({ min: 1, max: 2 }),
    recent: fc.array(fc.tuple(fc.nat(2), fc.nat(39)), { maxLength: 10 }),
    conflicts: fc.array(fc.tuple(fc.nat(11), fc.nat(39)), { maxLength: 10 }),
  })
  .map(({ grades, ratios, inspectorCount, k, recent, conflicts }): InspectionTaskInput => {
    const pool = inspectors(inspectorCount);
    const codes = grades.map((_, i) => usccOf(5000 + i));
    const depts = [DEPT_MARKET, DEPT_FIRE, DEPT_HEALTH];
    return taskInput({
      candidates: grades.map((g, i) => ({ creditCode: codes[i] as string, grade: g })),
      ratios,
      inspectors: pool,
      inspectorsPerTarget: k,
      recusals: {
        // one department at most per entity, so that every entity keeps enough inspectors
        recentInspections: recent
          .filter(([, c]) => c < codes.length)
          .filter(([, c], i, all) => all.findIndex(([, c2]) => c2 === c) === i)
          .map(([d, c]) => ({ department: depts[d] as string, creditCode: codes[c] as string })),
        conflicts: conflicts
          .filter(([p, c]) => p < inspectorCount && c < codes.length)
          .slice(0, 1)
          .map(([p, c]) => ({ inspectorId: pool[p]?.id as string, creditCode: codes[c] as string })),
      },
    });
  });
const arbRoot = fc.uint8Array({ minLength: 32, maxLength: 32 });

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('properties of the draw', () => {
  const draw = (input: InspectionTaskInput, r: Uint8Array): DrawResult => drawTask(taskDocument(input), r);

  it('is deterministic', () => {
    fc.assert(
      fc.property(arbTask, arbRoot, (input, r) => {
        expect(draw(input, r)).toEqual(draw(input, r));
      }),
    );
  });

  it('draws ceil(ratio × count / 10000) of each grade, between none and all, none twice', () => {
    fc.assert(
      fc.property(arbTask, arbRoot, (input, r) => {
        const result = draw(input, r);
        for (const g of DRAW_GRADES) {
          const count = input.candidates.filter((c) => c.grade === g).length;
          const drawn = result.drawn.filter((d) => d.grade === g).length;
          const bp = input.ratios[g] as number;
          expect(drawn).toBe(count === 0 ? 0 : Math.ceil((bp * count) / 10_000));
          expect(drawn).toBeGreaterThanOrEqual(bp > 0 && count > 0 ? 1 : 0);
          expect(drawn).toBeLessThanOrEqual(count);
          if (bp === 10_000) expect(drawn).toBe(count);
        }
        expect(new Set(result.drawn.map((d) => d.creditCode)).size).toBe(result.drawn.length);
      }),
    );
  });

  it('never assigns a recused inspector, and always k different ones', () => {
    fc.assert(
      fc.property(arbTask, arbRoot, (input, r) => {
        const task = taskDocument(input);
        const recused = recusalOf(task);
        const byId = new Map(task.inspectors.map((p) => [p.id, p]));
        for (const d of drawTask(task, r).drawn) {
          expect(new Set(d.inspectors).size).toBe(task.inspectorsPerTarget);
          for (const id of d.inspectors) {
            const p = byId.get(id);
            expect(p).toBeDefined();
            expect(recused(p as (typeof task.inspectors)[number], d.creditCode)).toBe(false);
            expect(
              task.recusals.recentInspections.some(
                (x) => x.department === p?.department && x.creditCode === d.creditCode,
              ),
            ).toBe(false);
            expect(task.recusals.conflicts.some((x) => x.inspectorId === id && x.creditCode === d.creditCode)).toBe(
              false,
            );
          }
        }
      }),
    );
  });

  it('does not depend on the order in which candidates, inspectors and recusals are listed', () => {
    fc.assert(
      fc.property(arbTask, arbRoot, fc.integer(), (input, r, s) => {
        const permuted: InspectionTaskInput = {
          ...input,
          candidates: shuffled(input.candidates, s),
          inspectors: shuffled(input.inspectors, s + 1),
          recusals: {
            recentInspections: shuffled(input.recusals.recentInspections, s + 2),
            conflicts: shuffled(input.recusals.conflicts, s + 3),
          },
        };
        expect(canonicalTask(taskDocument(permuted))).toBe(canonicalTask(taskDocument(input)));
        expect(draw(permuted, r)).toEqual(draw(input, r));
      }),
    );
  });

  it('gives another seed for another checkpoint root or another task', () => {
    fc.assert(
      fc.property(arbTask, arbRoot, arbRoot, (input, r1, r2) => {
        fc.pre(Buffer.compare(Buffer.from(r1), Buffer.from(r2)) !== 0);
        expect(draw(input, r1).seed).not.toBe(draw(input, r2).seed);
        expect(draw({ ...input, title: `${input.title}（补）` }, r1).seed).not.toBe(draw(input, r1).seed);
      }),
    );
  });
});

describe('bad tasks are refused with a code', () => {
  it.each([
    ['a negative ratio', { ratios: { A: -1, B: 1000, C: 3000, D: 10000 } }, 'INSPECTION_RATIO_OUT_OF_RANGE'],
    ['a ratio above 10000', { ratios: { A: 500, B: 10_001, C: 3000, D: 10000 } }, 'INSPECTION_RATIO_OUT_OF_RANGE'],
    ['a fractional ratio', { ratios: { A: 0.5, B: 1000, C: 3000, D: 10000 } }, 'INSPECTION_RATIO_OUT_OF_RANGE'],
    ['no candidate', { candidates: [] }, 'INSPECTION_POOL_EMPTY'],
    ['no inspector', { inspectors: [] }, 'INSPECTION_POOL_EMPTY'],
    ['a grade without a ratio', { ratios: { A: 500, B: 1000, C: 3000 } }, 'INVALID_ARGUMENT'],
    [
      'a wrong check character',
      { candidates: [{ creditCode: `${usccOf(9).slice(0, 17)}${usccOf(9).endsWith('1') ? '2' : '1'}`, grade: 'A' }] },
      'USCC_INVALID',
    ],
    ['a lower-case code', { candidates: [{ creditCode: '91310107ma1g8k3d4t', grade: 'A' }] }, 'USCC_INVALID'],
    ['a candidate twice', { candidates: [...candidates(3), ...candidates(1)] }, 'INVALID_ARGUMENT'],
    ['an inspector twice', { inspectors: [...inspectors(3), ...inspectors(1)] }, 'INVALID_ARGUMENT'],
    ['no inspectors per target', { inspectorsPerTarget: 0 }, 'INVALID_ARGUMENT'],
    [
      'more per target than the pool',
      { inspectors: inspectors(2), inspectorsPerTarget: 3 },
      'INSPECTION_TOO_FEW_INSPECTORS',
    ],
    [
      'a conflict of an unknown inspector',
      { recusals: { recentInspections: [], conflicts: [{ inspectorId: 'nobody', creditCode: usccOf(1000) }] } },
      'INVALID_ARGUMENT',
    ],
    [
      'an entity no inspector may inspect',
      {
        inspectors: inspectors(3),
        recusals: {
          recentInspections: [
            { department: DEPT_MARKET, creditCode: usccOf(1000) },
            { department: DEPT_FIRE, creditCode: usccOf(1000) },
            { department: DEPT_HEALTH, creditCode: usccOf(1000) },
          ],
          conflicts: [],
        },
      },
      'INSPECTION_TOO_FEW_INSPECTORS',
    ],
  ] as const)('%s', (_name, overrides, code) => {
    expect(codeOf(() => taskDocument(taskInput(overrides as Partial<InspectionTaskInput>)))).toBe(code);
  });
});

describe('the checkpoint that seeds a draw', () => {
  const cps = [{ size: 10 }, { size: 250 }, { size: 40 }, { size: 251 }, { size: 1000 }];

  it('is the smallest signed tree that contains the commitment, with the one before it', () => {
    expect(seedCheckpoint(249, cps)).toEqual({ checkpoint: { size: 250 }, previous: { size: 40 } });
    expect(seedCheckpoint(250, cps)).toEqual({ checkpoint: { size: 251 }, previous: { size: 250 } });
    expect(seedCheckpoint(0, cps)).toEqual({ checkpoint: { size: 10 }, previous: undefined });
  });

  it('is refused with a code before any checkpoint contains the commitment', () => {
    expect(codeOf(() => seedCheckpoint(1000, cps))).toBe('INSPECTION_NOT_CHECKPOINTED');
    expect(codeOf(() => seedCheckpoint(0, []))).toBe('INSPECTION_NOT_CHECKPOINTED');
  });

  it('never picks a tree without the leaf, nor a later one than needed (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(500).map((size) => ({ size }))), fc.nat(500), (list, leaf) => {
        const containing = list.filter((c) => c.size > leaf);
        if (containing.length === 0) {
          expect(codeOf(() => seedCheckpoint(leaf, list))).toBe('INSPECTION_NOT_CHECKPOINTED');
          return;
        }
        const { checkpoint, previous } = seedCheckpoint(leaf, list);
        expect(checkpoint.size).toBe(Math.min(...containing.map((c) => c.size)));
        const before = list.filter((c) => c.size <= leaf);
        expect(previous?.size).toBe(before.length === 0 ? undefined : Math.max(...before.map((c) => c.size)));
      }),
    );
  });
});
