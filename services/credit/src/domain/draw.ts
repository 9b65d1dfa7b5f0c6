import { hash } from 'node:crypto';
import { AppError, type FieldViolation, invalid } from '@onceonly/errors';
import { validateUscc } from '@onceonly/ids';
import canonicalize from 'canonicalize';
import type { GradeLetter } from './grades.js';

/**
 * 双随机、一公开: the draw of a random inspection task, as published (issue 13, item 5), so that anyone can recompute
 * it from the task document and the signed audit checkpoint alone:
 *
 * - `taskDigest = SHA-256(RFC 8785 canonical JSON of the task document)`;
 * - `seed = SHA-256(taskDigest ‖ checkpointRoot)` (32 + 32 raw bytes);
 * - for each candidate `score = SHA-256(seed ‖ UTF-8("entity:" + creditCode))`, a big-endian integer; in each grade
 *   the candidates sorted by score ascending, the first `ceil(ratioBasisPoints × countInGrade / 10000)` drawn;
 * - for each drawn entity, inspectors sorted by `SHA-256(seed ‖ UTF-8("inspector:" + creditCode + ":" + inspectorId))`
 *   ascending, recused ones skipped, the first `inspectorsPerTarget` assigned.
 *
 * An inspector is recused from an entity that their own department inspected recently (`recusals.recentInspections`)
 * or for which they declared a conflict (`recusals.conflicts`). A task is refused when some candidate could not be
 * staffed, so a draw never fails once its task is committed. The task document is normalised before it is hashed:
 * candidates, inspectors and recusals sorted, so that the order in which they were listed changes nothing.
 */

/** The version of the procedure above, carried in every task document. */
export const DRAW_PROCEDURE = 'draw/2026-1';

export const DRAW_GRADES: readonly GradeLetter[] = ['A', 'B', 'C', 'D'];

/** At most this many inspectors per target (a joint inspection team, not a crowd). */
export const MAX_INSPECTORS_PER_TARGET = 10;

export interface DrawCandidate {
  readonly creditCode: string;
  readonly grade: GradeLetter;
}

export interface DrawInspector {
  /** The inspector's enforcement certificate number (执法证号) or staff id: never a citizen ID. */
  readonly id: string;
  /** The credit code of the inspector's department. */
  readonly department: string;
}

export interface RecentInspection {
  readonly department: string;
  readonly creditCode: string;
}

export interface DeclaredConflict {
  readonly inspectorId: string;
  readonly creditCode: string;
}

/** A task as its organiser states it (any order). */
export interface InspectionTaskInput {
  readonly taskId: string;
  /** The credit code of the organising department. */
  readonly department: string;
  readonly title: string;
  /** The inspection items (检查事项), in the organiser's order. */
  readonly items: readonly string[];
  /** The candidate pool after its filters, each with its credit grade. */
  readonly candidates: readonly DrawCandidate[];
  /** Ratio per grade in basis points (0–10000); every grade in the pool has one. */
  readonly ratios: Readonly<Partial<Record<GradeLetter, number>>>;
  readonly inspectors: readonly DrawInspector[];
  readonly inspectorsPerTarget: number;
  readonly recusals: {
    readonly recentInspections: readonly RecentInspection[];
    readonly conflicts: readonly DeclaredConflict[];
  };
}

/** The task document as committed and hashed: the input, normalised, with the procedure's version. */
export interface InspectionTask extends InspectionTaskInput {
  readonly procedure: typeof DRAW_PROCEDURE;
}

export interface DrawnEntity {
  readonly creditCode: string;
  readonly grade: GradeLetter;
  /** The score, 64 hex digits. */
  readonly score: string;
  /** The inspectors assigned, in order of their hash. */
  readonly inspectors: readonly string[];
}

export interface GradeDraw {
  readonly grade: GradeLetter;
  readonly ratioBasisPoints: number;
  readonly count: number;
  readonly drawn: number;
}

export interface DrawResult {
  readonly procedure: typeof DRAW_PROCEDURE;
  readonly taskId: string;
  /** Hex digests. */
  readonly taskDigest: string;
  readonly checkpointRoot: string;
  readonly seed: string;
  readonly grades: readonly GradeDraw[];
  /** By grade (A to D), then by score ascending. */
  readonly drawn: readonly DrawnEntity[];
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const pairKey = (a: string, b: string) => `${a}\u0000${b}`;

function isText(value: unknown, max: number): value is string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  return typeof value === 'string' && value.length > 0 && value.length <= max && !/[\u0000-\u001f\u007f]/.test(value);
}

function codeViolation(field: string, value: unknown): FieldViolation | undefined {
  if (typeof value !== 'string') return { field, reason: 'REQUIRED', description: 'a credit code is required' };
  const checked = validateUscc(value);
  if (!checked.ok) return { field, reason: checked.reason, description: checked.message };
  // the code is hashed as written: only its canonical spelling is accepted
  if (checked.value !== value) return { field, reason: 'NOT_CANONICAL', description: `write it as ${checked.value}` };
  return undefined;
}

/**
 * Validates a task and returns its document, normalised (candidates by credit code, inspectors by id, recusals by
 * their pair, duplicated recusals once). Refusals, in this order: INSPECTION_POOL_EMPTY (no candidate or no
 * inspector), INSPECTION_RATIO_OUT_OF_RANGE, USCC_INVALID (a credit code of the task), INVALID_ARGUMENT (the other
 * fields, each named), INSPECTION_TOO_FEW_INSPECTORS (a candidate with fewer inspectors free of recusal than
 * `inspectorsPerTarget`).
 */
export function taskDocument(input: InspectionTaskInput): InspectionTask {
  if (!Array.isArray(input.candidates) || input.candidates.length === 0) {
    throw new AppError('INSPECTION_POOL_EMPTY', 'the candidate pool is empty');
  }
  if (!Array.isArray(input.inspectors) || input.inspectors.length === 0) {
    throw new AppError('INSPECTION_POOL_EMPTY', 'the inspector pool is empty');
  }
  const ratios: Partial<Record<GradeLetter, number>> = {};
  const ratioViolations: FieldViolation[] = [];
  const otherViolations: FieldViolation[] = [];
  for (const [grade, bp] of Object.entries(input.ratios ?? {})) {
    if (!DRAW_GRADES.includes(grade as GradeLetter)) {
      otherViolations.push({ field: `ratios.${grade}`, reason: 'UNKNOWN_GRADE', description: 'grades are A–D' });
    } else if (!Number.isInteger(bp) || (bp as number) < 0 || (bp as number) > 10_000) {
      ratioViolations.push({
        field: `ratios.${grade}`,
        reason: 'OUT_OF_RANGE',
        description: 'a ratio is a whole number of basis points from 0 to 10000',
      });
    } else {
      ratios[grade as GradeLetter] = bp as number;
    }
  }
  if (ratioViolations.length > 0) throw invalid('INSPECTION_RATIO_OUT_OF_RANGE', ratioViolations);

  const codeViolations: FieldViolation[] = [];
  const checkCode = (field: string, value: unknown) => {
    const v = codeViolation(field, value);
    if (v !== undefined) codeViolations.push(v);
  };
  checkCode('department', input.department);
  if (!isText(input.taskId, 64)) {
    otherViolations.push({ field: 'taskId', reason: 'REQUIRED', description: 'a task id of 1–64 characters' });
  }
  if (!isText(input.title, 200)) {
    otherViolations.push({ field: 'title', reason: 'REQUIRED', description: 'a title of 1–200 characters' });
  }
  if (!Array.isArray(input.items) || input.items.length === 0 || !input.items.every((i) => isText(i, 200))) {
    otherViolations.push({ field: 'items', reason: 'REQUIRED', description: 'at least one item, each 1–200 chars' });
  }

  const candidates = new Map<string, DrawCandidate>();
  input.candidates.forEach((c: DrawCandidate, i: number) => {
    const before = codeViolations.length;
    checkCode(`candidates[${i}].creditCode`, c?.creditCode);
    if (codeViolations.length > before) return;
    if (!DRAW_GRADES.includes(c.grade)) {
      otherViolations.push({ field: `candidates[${i}].grade`, reason: 'UNKNOWN_GRADE', description: 'grades are A–D' });
    } else if (ratios[c.grade] === undefined) {
      otherViolations.push({
        field: `ratios.${c.grade}`,
        reason: 'REQUIRED',
        description: `candidates of grade ${c.grade} need a ratio`,
      });
    }
    if (candidates.has(c.creditCode)) {
      otherViolations.push({ field: `candidates[${i}]`, reason: 'DUPLICATE', description: 'listed twice' });
    }
    candidates.set(c.creditCode, { creditCode: c.creditCode, grade: c.grade });
  });

  const inspectors = new Map<string, DrawInspector>();
  input.inspectors.forEach((p: DrawInspector, i: number) => {
    checkCode(`inspectors[${i}].department`, p?.department);
    if (!isText(p?.id, 64)) {
      otherViolations.push({ field: `inspectors[${i}].id`, reason: 'REQUIRED', description: 'an id of 1–64 chars' });
      return;
    }
    if (inspectors.has(p.id)) {
      otherViolations.push({ field: `inspectors[${i}]`, reason: 'DUPLICATE', description: 'listed twice' });
    }
    inspectors.set(p.id, { id: p.id, department: p.department });
  });

  const k = input.inspectorsPerTarget;
  if (!Number.isInteger(k) || k < 1 || k > MAX_INSPECTORS_PER_TARGET) {
    otherViolations.push({
      field: 'inspectorsPerTarget',
      reason: 'OUT_OF_RANGE',
      description: `from 1 to ${MAX_INSPECTORS_PER_TARGET}`,
    });
  }

  const recent = new Map<string, RecentInspection>();
  (input.recusals?.recentInspections ?? []).forEach((r, i) => {
    checkCode(`recusals.recentInspections[${i}].department`, r?.department);
    checkCode(`recusals.recentInspections[${i}].creditCode`, r?.creditCode);
    recent.set(pairKey(r?.department, r?.creditCode), { department: r?.department, creditCode: r?.creditCode });
  });
  const conflicts = new Map<string, DeclaredConflict>();
  (input.recusals?.conflicts ?? []).forEach((c, i) => {
    checkCode(`recusals.conflicts[${i}].creditCode`, c?.creditCode);
    if (!inspectors.has(c?.inspectorId)) {
      otherViolations.push({
        field: `recusals.conflicts[${i}].inspectorId`,
        reason: 'UNKNOWN_INSPECTOR',
        description: 'not in the inspector pool',
      });
    }
    conflicts.set(pairKey(c?.inspectorId, c?.creditCode), { inspectorId: c?.inspectorId, creditCode: c?.creditCode });
  });

  if (codeViolations.length > 0) throw invalid('USCC_INVALID', codeViolations);
  if (otherViolations.length > 0) throw invalid('INVALID_ARGUMENT', otherViolations);

  const task: InspectionTask = {
    procedure: DRAW_PROCEDURE,
    taskId: input.taskId,
    department: input.department,
    title: input.title,
    items: [...input.items],
    candidates: [...candidates.values()].sort((a, b) => byString(a.creditCode, b.creditCode)),
    ratios,
    inspectors: [...inspectors.values()].sort((a, b) => byString(a.id, b.id)),
    inspectorsPerTarget: k,
    recusals: {
      recentInspections: [...recent.entries()].sort(([a], [b]) => byString(a, b)).map(([, r]) => r),
      conflicts: [...conflicts.entries()].sort(([a], [b]) => byString(a, b)).map(([, c]) => c),
    },
  };
  assertStaffable(task);
  return task;
}

/** Whether `inspector` is recused from the entity `creditCode` under the task's recusals. */
export type Recusal = (inspector: DrawInspector, creditCode: string) => boolean;

export function recusalOf(task: InspectionTask): Recusal {
  const recent = new Set(task.recusals.recentInspections.map((r) => pairKey(r.department, r.creditCode)));
  const conflicts = new Set(task.recusals.conflicts.map((c) => pairKey(c.inspectorId, c.creditCode)));
  return (inspector, code) =>
    recent.has(pairKey(inspector.department, code)) || conflicts.has(pairKey(inspector.id, code));
}

function assertStaffable(task: InspectionTask): void {
  const affected = new Set<string>();
  for (const r of task.recusals.recentInspections) affected.add(r.creditCode);
  for (const c of task.recusals.conflicts) affected.add(c.creditCode);
  const recused = recusalOf(task);
  const short: FieldViolation[] = [];
  for (const code of affected) {
    let free = 0;
    for (const p of task.inspectors) if (!recused(p, code)) free++;
    if (free < task.inspectorsPerTarget) {
      short.push({
        field: 'recusals',
        reason: 'TOO_FEW_INSPECTORS',
        description: `${code}: ${free} inspectors are not recused, ${task.inspectorsPerTarget} are needed`,
      });
    }
  }
  if (task.inspectors.length < task.inspectorsPerTarget) {
    short.push({
      field: 'inspectorsPerTarget',
      reason: 'TOO_FEW_INSPECTORS',
      description: `${task.inspectors.length} inspectors in the pool, ${task.inspectorsPerTarget} per target`,
    });
  }
  if (short.length > 0) throw invalid('INSPECTION_TOO_FEW_INSPECTORS', short.slice(0, 20));
}

/** RFC 8785 (JCS) text of a task document. */
export function canonicalTask(task: InspectionTask): string {
  const text = canonicalize(task);
  if (text === undefined) throw new Error('a task document always canonicalises');
  return text;
}

/** SHA-256 of the RFC 8785 canonical JSON of the task document (32 bytes). */
export function taskDigest(task: InspectionTask): Buffer {
  return hash('sha256', Buffer.from(canonicalTask(task), 'utf8'), 'buffer');
}

/** SHA-256(taskDigest ‖ checkpointRoot). */
export function drawSeed(digest: Uint8Array, checkpointRoot: Uint8Array): Buffer {
  if (digest.length !== 32 || checkpointRoot.length !== 32) throw new Error('digest and root are 32 bytes');
  return hash('sha256', Buffer.concat([digest, checkpointRoot]), 'buffer');
}

/**
 * Hashes `seed ‖ UTF-8(prefix) ‖ UTF-8(suffix)` for many texts with one buffer: the seed is written once, a prefix
 * once for the many suffixes that follow it (an entity's `inspector:<code>:` before each inspector's id).
 */
class SeededHasher {
  private buf = Buffer.alloc(512);
  private end = 32;
  constructor(seed: Buffer) {
    seed.copy(this.buf, 0);
  }
  private room(bytes: number): void {
    if (bytes <= this.buf.length) return;
    const bigger = Buffer.alloc(bytes * 2);
    this.buf.copy(bigger, 0, 0, this.end);
    this.buf = bigger;
  }
  /** Sets the prefix written after the seed. */
  prefix(text: string): void {
    this.room(32 + Buffer.byteLength(text, 'utf8'));
    this.end = 32 + this.buf.write(text, 32, 'utf8');
  }
  /** SHA-256(seed ‖ prefix ‖ suffix). */
  digest(suffix: Buffer): Buffer {
    this.room(this.end + suffix.length);
    suffix.copy(this.buf, this.end);
    return hash('sha256', this.buf.subarray(0, this.end + suffix.length), 'buffer');
  }
}

const EMPTY = Buffer.alloc(0);

/** For each entity some inspector is recused from, the ids of those inspectors. */
function recusedByEntity(task: InspectionTask): Map<string, Set<string>> {
  const byDepartment = new Map<string, string[]>();
  for (const p of task.inspectors) {
    const ids = byDepartment.get(p.department);
    if (ids === undefined) byDepartment.set(p.department, [p.id]);
    else ids.push(p.id);
  }
  const out = new Map<string, Set<string>>();
  const add = (code: string, id: string) => {
    const ids = out.get(code);
    if (ids === undefined) out.set(code, new Set([id]));
    else ids.add(id);
  };
  for (const r of task.recusals.recentInspections) {
    for (const id of byDepartment.get(r.department) ?? []) add(r.creditCode, id);
  }
  for (const c of task.recusals.conflicts) add(c.creditCode, c.inspectorId);
  return out;
}

interface Scored<T> {
  readonly item: T;
  readonly digest: Buffer;
  /** The first 6 bytes as a number: compares like the digest unless they are equal. */
  readonly prefix: number;
}

function scored<T>(item: T, digest: Buffer): Scored<T> {
  return { item, digest, prefix: digest.readUIntBE(0, 6) };
}

/** Ascending by the digest read as a big-endian integer. */
function compareScored<T>(a: Scored<T>, b: Scored<T>): number {
  return a.prefix - b.prefix || Buffer.compare(a.digest, b.digest);
}

/** ceil(ratioBasisPoints × count / 10000), in integers. */
export function drawCount(ratioBasisPoints: number, count: number): number {
  return Math.floor((ratioBasisPoints * count + 9_999) / 10_000);
}

/**
 * The draw of a task document (as {@link taskDocument} returned it, when the task was committed) seeded by the
 * root hash of the signed checkpoint that first contains its commitment. Pure: the same task and root give the same
 * result.
 */
export function drawTask(task: InspectionTask, checkpointRoot: Uint8Array): DrawResult {
  const digest = taskDigest(task);
  const seed = drawSeed(digest, checkpointRoot);
  const hasher = new SeededHasher(seed);
  const recused = recusedByEntity(task);
  const ids = task.inspectors.map((p) => ({ p, utf8: Buffer.from(p.id, 'utf8') }));
  const k = task.inspectorsPerTarget;

  const byGrade = new Map<GradeLetter, Scored<DrawCandidate>[]>();
  for (const c of task.candidates) {
    let list = byGrade.get(c.grade);
    if (list === undefined) {
      list = [];
      byGrade.set(c.grade, list);
    }
    hasher.prefix(`entity:${c.creditCode}`);
    list.push(scored(c, hasher.digest(EMPTY)));
  }

  const grades: GradeDraw[] = [];
  const drawn: DrawnEntity[] = [];
  for (const grade of DRAW_GRADES) {
    const list = byGrade.get(grade);
    if (list === undefined) continue;
    const ratio = task.ratios[grade] ?? 0;
    const n = drawCount(ratio, list.length);
    list.sort(compareScored);
    grades.push({ grade, ratioBasisPoints: ratio, count: list.length, drawn: n });
    for (const entity of list.slice(0, n)) {
      const code = entity.item.creditCode;
      // the k smallest hashes among the inspectors not recused, kept sorted (k is small)
      const best: Scored<DrawInspector>[] = [];
      const out = recused.get(code);
      hasher.prefix(`inspector:${code}:`);
      for (const { p, utf8 } of ids) {
        if (out?.has(p.id)) continue;
        const s = scored(p, hasher.digest(utf8));
        if (best.length === k && compareScored(s, best[k - 1] as Scored<DrawInspector>) >= 0) continue;
        let at = best.length;
        while (at > 0 && compareScored(s, best[at - 1] as Scored<DrawInspector>) < 0) at--;
        best.splice(at, 0, s);
        if (best.length > k) best.pop();
      }
      drawn.push({
        creditCode: code,
        grade,
        score: entity.digest.toString('hex'),
        inspectors: best.map((b) => b.item.id),
      });
    }
  }
  return {
    procedure: DRAW_PROCEDURE,
    taskId: task.taskId,
    taskDigest: digest.toString('hex'),
    checkpointRoot: Buffer.from(checkpointRoot).toString('hex'),
    seed: seed.toString('hex'),
    grades,
    drawn,
  };
}

/** A signed checkpoint the service verified: its tree size (leaves) and whatever else the caller keeps with it. */
export interface SizedCheckpoint {
  readonly size: number;
}

/**
 * The checkpoint that seeds the draw of a task whose commitment is leaf `leafIndex` of the audit log: the first
 * (smallest) verified checkpoint whose tree contains it (`size > leafIndex`), with the checkpoint before it (size at
 * most `leafIndex`, when the service knows one), which shows that no earlier checkpoint contained the commitment.
 * Throws INSPECTION_NOT_CHECKPOINTED when no checkpoint contains it yet.
 */
export function seedCheckpoint<C extends SizedCheckpoint>(
  leafIndex: number,
  checkpoints: readonly C[],
): { readonly checkpoint: C; readonly previous: C | undefined } {
  let first: C | undefined;
  let previous: C | undefined;
  for (const c of checkpoints) {
    if (c.size > leafIndex) {
      if (first === undefined || c.size < first.size) first = c;
    } else if (previous === undefined || c.size > previous.size) {
      previous = c;
    }
  }
  if (first === undefined) {
    throw new AppError(
      'INSPECTION_NOT_CHECKPOINTED',
      `the task's commitment (leaf ${leafIndex}) is in no signed checkpoint yet: draw after the next checkpoint`,
    );
  }
  return { checkpoint: first, previous };
}
