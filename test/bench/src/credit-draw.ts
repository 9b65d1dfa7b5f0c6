import { hash } from 'node:crypto';
import { drawTask, type InspectionTask, type InspectionTaskInput, taskDocument } from '@onceonly/credit';
import { computeUsccCheck } from '@onceonly/ids';
import { fmt, type Ratio, type Suite } from './suite.js';

const INSPECTORS = 500;
const ROUNDS = 3;
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function uscc(n: number, division = '310107'): string {
  const body = `91${division}0${String(n).padStart(8, '0')}`;
  return body + computeUsccCheck(body);
}

const RATIOS = { A: 300, B: 500, C: 2_000, D: 10_000 } as const;

/**
 * A district-sized task: `candidates` entities graded 20 % A, 60 % B, 15 % C, 5 % D; 500 inspectors of five
 * departments, 2 per target; one entity in 50 inspected recently by one department, 500 declared conflicts.
 */
function benchTask(candidates: number): InspectionTaskInput {
  const depts = Array.from({ length: 5 }, (_, i) => uscc(90 + i));
  const gradeOf = (i: number) => (i % 20 < 4 ? 'A' : i % 20 < 16 ? 'B' : i % 20 < 19 ? 'C' : 'D');
  const codes = Array.from({ length: candidates }, (_, i) => uscc(100_000 + i));
  const inspectors = Array.from({ length: INSPECTORS }, (_, i) => ({
    id: `310107-${String(i).padStart(5, '0')}`,
    department: depts[i % depts.length] as string,
  }));
  return {
    taskId: 'BENCH-2026-001',
    department: uscc(1),
    title: 'bench: a district-wide 双随机 draw',
    items: ['许可', '消防', '食品安全'],
    candidates: codes.map((creditCode, i) => ({ creditCode, grade: gradeOf(i) })),
    ratios: RATIOS,
    inspectors,
    inspectorsPerTarget: 2,
    recusals: {
      recentInspections: codes
        .filter((_, i) => i % 50 === 0)
        .map((creditCode, i) => ({ department: depts[i % depts.length] as string, creditCode })),
      conflicts: Array.from({ length: 500 }, (_, i) => ({
        inspectorId: inspectors[i % INSPECTORS]?.id as string,
        creditCode: codes[(i * 197) % codes.length] as string,
      })),
    },
  };
}

/** The baseline: the same candidates sorted by a plain SHA-256 of their credit code. */
function plainSort(task: InspectionTask): number {
  const keyed = task.candidates.map((c) => ({ c, h: hash('sha256', c.creditCode, 'buffer') }));
  keyed.sort((a, b) => Buffer.compare(a.h, b.h));
  return keyed.length;
}

export interface DrawCosts {
  candidates: number;
  inspectors: number;
  drawn: number;
  /** SHA-256 computations of the draw: one per candidate, one per (drawn entity, inspector not recused). */
  drawHashes: number;
  validateMs: number[];
  drawMs: number[];
  plainSortMs: number[];
}

export function measureDraw(candidates: number): DrawCosts {
  const input = benchTask(candidates);
  const root = hash('sha256', 'bench checkpoint', 'buffer');
  const costs: DrawCosts = {
    candidates,
    inspectors: INSPECTORS,
    drawn: 0,
    drawHashes: 0,
    validateMs: [],
    drawMs: [],
    plainSortMs: [],
  };
  let task: InspectionTask | undefined;
  // alternating, so that the shared machine's noise falls on both
  for (let r = 0; r < ROUNDS; r++) {
    let start = process.hrtime.bigint();
    task = taskDocument(input);
    costs.validateMs.push(ms(start));
    start = process.hrtime.bigint();
    plainSort(task);
    costs.plainSortMs.push(ms(start));
    start = process.hrtime.bigint();
    const result = drawTask(task, root);
    costs.drawMs.push(ms(start));
    costs.drawn = result.drawn.length;
  }
  // an upper bound: recused inspectors are skipped before hashing
  costs.drawHashes = candidates + costs.drawn * INSPECTORS;
  return costs;
}

function markdown(c: DrawCosts): string {
  const drawMs = median(c.drawMs);
  const sortMs = median(c.plainSortMs);
  const range = (xs: number[]) => `${fmt(Math.min(...xs), 0)}–${fmt(Math.max(...xs), 0)}`;
  return [
    `### A 双随机 draw over ${c.candidates.toLocaleString('en')} candidates and ${c.inspectors} inspectors`,
    '',
    `The published procedure (services/credit, \`drawTask\`; ADR 019): ratios A ${RATIOS.A}, B ${RATIOS.B}, C ${RATIOS.C}, D ${RATIOS.D} basis points over a pool graded 20/60/15/5 %, 2 inspectors per target, one entity in 50 recently inspected by one department, 500 declared conflicts: ${c.drawn.toLocaleString('en')} entities drawn. The draw hashes each candidate once and, for each drawn entity, every inspector not recused (at most ${c.drawHashes.toLocaleString('en')} SHA-256 in all); the baseline sorts the same candidates by a plain SHA-256 of their code (${c.candidates.toLocaleString('en')} hashes). Median of ${ROUNDS} alternating rounds (range).`,
    '',
    '| what | ms (median) | range | × plain sort |',
    '| --- | ---: | ---: | ---: |',
    `| plain SHA-256 sort of the candidates (baseline) | ${fmt(sortMs, 0)} | ${range(c.plainSortMs)} | 1 |`,
    `| the draw (\`drawTask\`) | ${fmt(drawMs, 0)} | ${range(c.drawMs)} | ${fmt(drawMs / sortMs, 1)} |`,
    `| validating and normalising the task (\`taskDocument\`, at commit time) | ${fmt(median(c.validateMs), 0)} | ${range(c.validateMs)} | ${fmt(median(c.validateMs) / sortMs, 1)} |`,
  ].join('\n');
}

/** Issue 13's bench row: a draw beside a plain SHA-256 sort of the same candidates, in the same run. */
export const creditDrawSuite: Suite = {
  name: 'credit-draw',
  title: 'Credit: 双随机 draws',
  usesBroker: false,
  async run({ scale }) {
    const costs = measureDraw(Math.max(1_000, Math.round(100_000 * scale)));
    const ratios: Ratio[] = [
      {
        name: 'draw (100,000 candidates, 500 inspectors) / plain SHA-256 sort of the candidates, time',
        value: median(costs.drawMs) / median(costs.plainSortMs),
        meaning: 'what the published procedure costs beyond hashing and sorting the pool once',
      },
    ];
    return { markdown: markdown(costs), json: costs, ratios };
  },
};
