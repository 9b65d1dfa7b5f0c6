import { hash } from 'node:crypto';
import { type NoteVerifier, openCheckpoint, verifyInclusion } from '@onceonly/merkle';
import { type Evolved, type Finding, finding } from '@onceonly/replay';
import { canonicalTask, type DrawResult, drawTask, type InspectionTask, taskDocument } from '../draw.js';

/**
 * The replay of 双随机 draws (issue 13 item 8, ADR 029): every task rebuilt from its logged `inspection.task.committed`
 * and every draw recomputed from its logged `inspection.draw.completed` alone: the committed document (its digest,
 * its normalised form), the seeding checkpoint's root read from the published signed note, the commitment's
 * inclusion proof to that root, then `drawTask` again: every entity and inspector must be the published ones. Results
 * must be of a drawn entity by an assigned inspector, once. Compared with GetInspectionTask: the service's draw must
 * be the recomputed one. Pure: the decoder is in `adapters/events/draw-replay.ts`. The published note must be signed
 * by the audit log's key (ADR 040): a root read from a note nobody signed would let a forged checkpoint seed a draw
 * the replay then "recomputes" faithfully.
 */

export const INSPECTION_DRAW = 'inspection-draw';

/** A logged inspection fact, decoded. */
export type DrawReplayFact =
  | {
      readonly type: 'committed';
      readonly eventId: string;
      readonly eventSubject: string;
      readonly taskId: string;
      readonly digest: Buffer;
      readonly document: string;
    }
  | {
      readonly type: 'drawn';
      readonly eventSubject: string;
      readonly taskId: string;
      readonly document: string;
      readonly checkpointNote: string;
      readonly proof: {
        readonly eventId: string;
        readonly leafIndex: number;
        readonly treeSize: number;
        readonly leafHash: Buffer;
        readonly hashes: readonly Buffer[];
        readonly leafCanonical: Buffer;
        readonly commitmentBody: Buffer;
      };
      /** The published result, as its JSON says it (undefined: not JSON). */
      readonly result: DrawResult | undefined;
    }
  | {
      readonly type: 'result';
      readonly eventSubject: string;
      readonly taskId: string;
      readonly creditCode: string;
      readonly inspectorId: string;
    };

/** What the projection keeps per task. */
export interface ReplayedTask {
  readonly digest: string;
  readonly commitmentEventId: string;
  readonly task?: InspectionTask;
  /** The draw recomputed from the logged events (when the draw was logged and could be recomputed). */
  recomputed?: DrawResult;
  drawn: boolean;
  readonly results: Set<string>;
}

const sha256 = (b: Uint8Array) => hash('sha256', b, 'buffer');

/** The normalised task of a committed document, or why it is not one. */
function taskOf(document: string): InspectionTask | string {
  try {
    const task = taskDocument(JSON.parse(document));
    return canonicalTask(task) === document ? task : 'the document is not in its normalised RFC 8785 form';
  } catch (err) {
    return `the document is not a valid task: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * The audit log's verifier keys (C2SP note verifiers; more than one after a key rotation), which every published
 * checkpoint note must be signed with. Empty: none known, and every draw is reported as unchecked.
 */
export type LogKeys = readonly NoteVerifier[];

/** The root of a checkpoint note signed by one of the log's keys, for the log the keys name; or why not. */
export function signedRootOf(note: string, keys: LogKeys): Buffer | string {
  if (keys.length === 0) return "no audit log key to check the checkpoint's signature with";
  try {
    const { checkpoint } = openCheckpoint(note, keys);
    if (!keys.some((k) => k.name === checkpoint.origin)) return 'the checkpoint is of another log than the keys name';
    return Buffer.from(checkpoint.root);
  } catch (err) {
    return `the checkpoint note is not signed by the audit log's key: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Entity by entity, what differs between two draws (empty when they are the same). */
export function drawDifferences(expected: DrawResult, actual: DrawResult | undefined): string[] {
  if (!actual) return ['no result'];
  const out: string[] = [];
  for (const field of ['taskDigest', 'checkpointRoot', 'seed'] as const) {
    if (expected[field] !== actual[field]) out.push(`${field} ${actual[field]}, recomputed ${expected[field]}`);
  }
  const theirs = new Map(actual.drawn.map((d) => [d.creditCode, d.inspectors.join(',')]));
  const ours = new Map(expected.drawn.map((d) => [d.creditCode, d.inspectors.join(',')]));
  for (const [code, inspectors] of ours) {
    if (!theirs.has(code)) out.push(`${code} drawn by the recomputation, not published`);
    else if (theirs.get(code) !== inspectors)
      out.push(`${code}: inspectors ${theirs.get(code)} published, ${inspectors} recomputed`);
  }
  for (const code of theirs.keys()) if (!ours.has(code)) out.push(`${code} published, not drawn by the recomputation`);
  return out;
}

function evolveDrawn(
  task: ReplayedTask | undefined,
  fact: Extract<DrawReplayFact, { type: 'drawn' }>,
  keys: LogKeys,
): string[] {
  if (!task) return ['a draw of a task never committed'];
  if (task.drawn) return ['drawn again'];
  task.drawn = true;
  const problems: string[] = [];
  if (sha256(Buffer.from(fact.document, 'utf8')).toString('hex') !== task.digest)
    problems.push('the published document is not the committed one');
  if (!task.task) return [...problems, 'the committed task is not valid: nothing to recompute'];
  const p = fact.proof;
  if (p.eventId !== task.commitmentEventId) problems.push('the proof is of another event than the commitment');
  const tie = Buffer.concat([Buffer.from([0x0a, 0x20]), Buffer.from(task.digest, 'hex')]);
  if (!p.commitmentBody.subarray(0, 34).equals(tie)) problems.push("the commitment's body names another digest");
  if (!sha256(Buffer.concat([Buffer.from([0]), p.leafCanonical])).equals(p.leafHash))
    problems.push('the leaf hash is not the hash of the canonical leaf');
  const root = signedRootOf(fact.checkpointNote, keys);
  if (typeof root === 'string') return [...problems, root];
  if (!verifyInclusion(p.leafHash, p.leafIndex, p.treeSize, p.hashes, root))
    problems.push("the commitment's inclusion proof does not lead to the checkpoint's root");
  task.recomputed = drawTask(task.task, root);
  const differences = drawDifferences(task.recomputed, fact.result);
  if (differences.length > 0) problems.push(`the published draw is not the recomputed one: ${differences.join('; ')}`);
  return problems;
}

/**
 * The draw projection: applies one fact; the problems are the ways the service could not have produced it. A draw's
 * checkpoint note must be signed by one of `keys`, the audit log's.
 */
export function evolveDraw(state: Map<string, ReplayedTask>, fact: DrawReplayFact, keys: LogKeys): Evolved {
  const key = fact.taskId;
  const problems: string[] = [];
  if (fact.eventSubject !== key) problems.push('the event is keyed by another task');
  const task = state.get(key);
  if (fact.type === 'committed') {
    if (task) return { problems: [...problems, 'committed again'], key };
    const parsed = taskOf(fact.document);
    if (typeof parsed === 'string') problems.push(parsed);
    else if (parsed.taskId !== key) problems.push(`the document is of task ${parsed.taskId}`);
    if (!sha256(Buffer.from(fact.document, 'utf8')).equals(fact.digest))
      problems.push('the digest is not the document’s');
    state.set(key, {
      digest: fact.digest.toString('hex'),
      commitmentEventId: fact.eventId,
      ...(typeof parsed === 'string' ? {} : { task: parsed }),
      drawn: false,
      results: new Set(),
    });
    return { problems, key };
  }
  if (fact.type === 'drawn') return { problems: [...problems, ...evolveDrawn(task, fact, keys)], key };
  if (!task?.drawn) return { problems: [...problems, 'a result of a task never drawn'], key };
  const entity = task.recomputed?.drawn.find((d) => d.creditCode === fact.creditCode);
  if (task.recomputed && !entity) problems.push(`a result of ${fact.creditCode}, which the draw did not draw`);
  if (entity && !entity.inspectors.includes(fact.inspectorId))
    problems.push(`a result by inspector ${fact.inspectorId}, not assigned to ${fact.creditCode}`);
  if (task.results.has(fact.creditCode)) problems.push(`a second result of ${fact.creditCode}`);
  task.results.add(fact.creditCode);
  return { problems, key };
}

/** What the service answers for a task: its draw's result (undefined: not drawn), and whether it knows the task. */
export interface LiveTask {
  readonly digest: string;
  readonly draw: DrawResult | undefined;
}

/** The differences between the task rebuilt from the log and the service's answer. */
export function taskDifferences(key: string, rebuilt: ReplayedTask, live: LiveTask | undefined): Finding[] {
  const label = `inspection task ${key}`;
  if (!live)
    return [
      finding('PROJECTION_UNKNOWN_TO_SERVICE', `${label}: committed in the log, unknown to the service`, { key }),
    ];
  const out: Finding[] = [];
  if (live.digest !== rebuilt.digest)
    out.push(
      finding('PROJECTION_MISMATCH', `${label}: another task digest in the service`, {
        key,
        expected: rebuilt.digest,
        actual: live.digest,
      }),
    );
  if (rebuilt.drawn !== (live.draw !== undefined))
    out.push(
      finding(
        'PROJECTION_MISMATCH',
        `${label}: ${rebuilt.drawn ? 'drawn in the log, not in the service' : 'drawn in the service, not in the log'}`,
        { key },
      ),
    );
  if (rebuilt.recomputed && live.draw) {
    const differences = drawDifferences(rebuilt.recomputed, live.draw);
    if (differences.length > 0)
      out.push(
        finding(
          'PROJECTION_MISMATCH',
          `${label}: the service's draw is not the one recomputed from the log: ${differences.join('; ')}`,
          {
            key,
            expected: rebuilt.recomputed.drawn.map((d) => `${d.creditCode}[${d.inspectors.join(' ')}]`).join(', '),
            actual: live.draw.drawn.map((d) => `${d.creditCode}[${d.inspectors.join(' ')}]`).join(', '),
          },
        ),
      );
  }
  return out;
}
