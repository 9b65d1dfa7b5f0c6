import { computeUsccCheck } from '@onceonly/ids';
import type { DrawInspector, InspectionTaskInput } from '../src/domain/draw.js';
import type { GradeLetter } from '../src/domain/grades.js';

/** A valid credit code for a number (a Putuo division, the number as the organisation part). */
export function usccOf(n: number, division = '310107'): string {
  const body = `91${division}0${String(n).padStart(8, '0')}`;
  return body + computeUsccCheck(body);
}

export const ORGANISER = usccOf(1, '310107');
export const DEPT_MARKET = usccOf(11, '310107');
export const DEPT_FIRE = usccOf(12, '310107');
export const DEPT_HEALTH = usccOf(13, '310107');

const GRADE_CYCLE: readonly GradeLetter[] = ['A', 'B', 'B', 'B', 'C', 'D'];

/** `count` candidates with grades A B B B C D repeating, numbered from 1000. */
export function candidates(count: number): { creditCode: string; grade: GradeLetter }[] {
  return Array.from({ length: count }, (_, i) => ({
    creditCode: usccOf(1000 + i),
    grade: GRADE_CYCLE[i % GRADE_CYCLE.length] as GradeLetter,
  }));
}

/** `count` inspectors spread over three departments. */
export function inspectors(count: number): DrawInspector[] {
  const depts = [DEPT_MARKET, DEPT_FIRE, DEPT_HEALTH];
  return Array.from({ length: count }, (_, i) => ({
    id: `310107-${String(i + 1).padStart(5, '0')}`,
    department: depts[i % depts.length] as string,
  }));
}

/** A task of the market regulator's joint inspection with the fire and health departments. */
export function taskInput(overrides: Partial<InspectionTaskInput> = {}): InspectionTaskInput {
  return {
    taskId: 'PT-2026-SS-007',
    department: ORGANISER,
    title: '2026年普陀区食品经营者双随机联合抽查',
    items: ['食品经营许可情况', '消防安全'],
    candidates: candidates(60),
    ratios: { A: 500, B: 1_000, C: 3_000, D: 10_000 },
    inspectors: inspectors(12),
    inspectorsPerTarget: 2,
    recusals: { recentInspections: [], conflicts: [] },
    ...overrides,
  };
}
