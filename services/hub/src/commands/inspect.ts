import { readFileSync } from 'node:fs';
import { canonicalTask, type DrawResult, drawTask, type InspectionTaskInput, taskDocument } from '@onceonly/credit';
import { AppError, toAppError } from '@onceonly/errors';
import { openCheckpoint, parseVerifierKey } from '@onceonly/merkle';
import type { Command } from 'commander';
import { cliOptions, toJson as json, writeLine as write } from '../client.js';

/**
 * `onceonly inspect verify-draw <draw.json> --vkey <key>`: recomputes a published 双随机 draw offline (ADR 019)
 * from what it publishes: the task document, the signed audit checkpoint (a C2SP note), the result. Exit 0 only when
 * the checkpoint is signed by the key and the draw recomputes exactly. (`inspect task|draw|result`, and reading the
 * draw from its events, come with the service wiring.)
 */

export interface PublishedDraw {
  readonly task: InspectionTaskInput & { readonly procedure?: string };
  readonly checkpoint: { readonly note: string };
  readonly result: DrawResult;
}

export interface DrawVerdict {
  readonly match: boolean;
  readonly taskId: string;
  readonly checkpoint?: { readonly origin: string; readonly size: number };
  readonly problems: readonly string[];
}

/** The verdict on a published draw: every difference between it and its recomputation, in words. */
export function verifyPublishedDraw(published: PublishedDraw, verifierKey: string): DrawVerdict {
  const problems: string[] = [];
  const taskId = String(published?.task?.taskId ?? '');
  let opened: ReturnType<typeof openCheckpoint>;
  try {
    opened = openCheckpoint(published.checkpoint.note, [parseVerifierKey(verifierKey)]);
  } catch (err) {
    return { match: false, taskId, problems: [`the checkpoint: ${toAppError(err).message}`] };
  }
  const { origin, size, root } = opened.checkpoint;
  let mine: DrawResult;
  try {
    const task = taskDocument(published.task);
    // a genuine document is already normalised: its canonical text is the one that was committed
    if (canonicalTask(task) !== canonicalTask(published.task as typeof task)) {
      problems.push('the task document is not in its normalised form');
    }
    mine = drawTask(task, root);
  } catch (err) {
    return { match: false, taskId, checkpoint: { origin, size }, problems: [`the task: ${toAppError(err).message}`] };
  }
  const theirs = published.result;
  for (const field of ['taskDigest', 'checkpointRoot', 'seed'] as const) {
    if (theirs?.[field] !== mine[field])
      problems.push(`${field}: published ${theirs?.[field]}, recomputed ${mine[field]}`);
  }
  const drawn = (d: DrawResult['drawn'][number] | undefined) =>
    d === undefined ? 'nothing' : JSON.stringify([d.creditCode, d.grade, d.inspectors]);
  const length = Math.max(theirs?.drawn?.length ?? 0, mine.drawn.length);
  for (let i = 0; i < length; i++) {
    const a = drawn(theirs?.drawn?.[i]);
    const b = drawn(mine.drawn[i]);
    if (a !== b) problems.push(`drawn[${i}]: published ${a}, recomputed ${b}`);
  }
  return { match: problems.length === 0, taskId, checkpoint: { origin, size }, problems };
}

export function registerInspectCommands(program: Command): void {
  const inspect = program.command('inspect').description('双随机、一公开: random inspection draws (issue 13)');
  inspect
    .command('verify-draw')
    .description(
      'recompute a published draw offline from its task, its signed checkpoint and its result; exit 0 only on a match',
    )
    .argument('<draw>', 'the published draw as JSON: { task, checkpoint: { note }, result }')
    .requiredOption('--vkey <vkey>', "the audit log's published verifier key")
    .action((file: string, opts: { vkey: string }, cmd: Command) => {
      const o = cliOptions(cmd);
      let published: PublishedDraw;
      try {
        published = JSON.parse(readFileSync(file, 'utf8'));
      } catch (cause) {
        throw new AppError('INVALID_ARGUMENT', `cannot read ${file} as JSON`, { cause });
      }
      const verdict = verifyPublishedDraw(published, opts.vkey);
      if (o.json) write(json(verdict));
      else if (verdict.match)
        write(
          `draw ${verdict.taskId}: recomputed, it matches (checkpoint ${verdict.checkpoint?.origin} at ${verdict.checkpoint?.size})`,
        );
      else for (const p of verdict.problems) process.stderr.write(`${p}\n`);
      if (!verdict.match) {
        throw new AppError(
          'INSPECTION_DRAW_MISMATCH',
          `draw ${verdict.taskId}: ${verdict.problems.length} difference(s)`,
        );
      }
    });
}
