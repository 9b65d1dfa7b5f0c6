import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { auditV1 } from '@onceonly/contracts';
import { canonicalTask, type DrawResult, drawTask, type InspectionTaskInput, taskDocument } from '@onceonly/credit';
import { inspectionV1 as iv } from '@onceonly/credit/client';
import { AppError, toAppError } from '@onceonly/errors';
import { openCheckpoint, parseVerifierKey, verifyInclusion } from '@onceonly/merkle';
import type { Command } from 'commander';
import { call, cliOptions, toJson as json, withClient, writeLine as write } from '../client.js';

/**
 * `onceonly inspect task|draw|result|verify-draw` (issue 13, item 5; ADR 019, ADR 025): commit a task, draw it once its
 * commitment is in a signed audit checkpoint, record an assigned inspector's result, and recompute a published draw
 * from what it publishes (the task document, the signed checkpoints, the commitment's inclusion proof, the result),
 * from a file or from the audit log's copy of its event (`--from-events`). verify-draw exits 0 only when the
 * checkpoints are signed by the key, the commitment is proved in the first of them and the draw recomputes exactly.
 */

export interface PublishedDraw {
  readonly task: InspectionTaskInput & { readonly procedure?: string };
  readonly checkpoint: { readonly note: string };
  readonly result: DrawResult;
  /** From `inspection.draw.completed` (ADR 025): the checkpoint before the seeding one, when there was one. */
  readonly previousCheckpoint?: { readonly note: string } | null;
  /** From `inspection.draw.completed`: the commitment's leaf and its inclusion proof in the checkpoint's tree. */
  readonly commitment?: PublishedCommitment;
}

/** The commitment as the verifier reads it: hashes in hex, the leaf and the body in base64. */
export interface PublishedCommitment {
  readonly eventId: string;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: string;
  readonly hashes: readonly string[];
  readonly leafCanonical: string;
  readonly body: string;
}

/** The draw's event body (`inspection.draw.completed`) as the verifiers read it. */
export function publishedDrawOf(d: iv.PublishedDraw): PublishedDraw {
  const p = d.proof;
  return {
    task: JSON.parse(d.documentJson),
    checkpoint: { note: d.checkpointNote },
    previousCheckpoint: d.previousCheckpointNote ? { note: d.previousCheckpointNote } : null,
    result: JSON.parse(d.resultJson),
    ...(p
      ? {
          commitment: {
            eventId: p.eventId,
            leafIndex: Number(p.leafIndex),
            treeSize: Number(p.treeSize),
            leafHash: Buffer.from(p.leafHash).toString('hex'),
            hashes: p.hashes.map((h) => Buffer.from(h).toString('hex')),
            leafCanonical: Buffer.from(p.leafCanonical).toString('base64'),
            body: Buffer.from(p.commitmentBody).toString('base64'),
          },
        }
      : {}),
  };
}

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return h.digest();
};

/** ADR 025's checks of the commitment: this task's leaf, proved in the checkpoint's tree, first checkpoint. */
function commitmentProblems(
  c: PublishedCommitment,
  checkpoint: { size: number; root: Uint8Array },
  previous: { size: number } | undefined,
  taskDigest: string,
): string[] {
  const problems: string[] = [];
  const canonical = Buffer.from(c.leafCanonical, 'base64');
  const body = Buffer.from(c.body, 'base64');
  const leafHash = Buffer.from(c.leafHash, 'hex');
  if (!sha256(Buffer.from([0]), canonical).equals(leafHash)) problems.push('the leaf hash is not SHA-256(0x00 ‖ leaf)');
  let leaf: { id?: unknown; type?: unknown; datasha256?: unknown } = {};
  try {
    leaf = JSON.parse(canonical.toString('utf8'));
  } catch {
    problems.push('the leaf is not JSON');
  }
  if (leaf.id !== c.eventId) problems.push(`the leaf is event ${String(leaf.id)}, not the commitment ${c.eventId}`);
  if (leaf.type !== 'inspection.task.committed') problems.push(`the leaf is a ${String(leaf.type)}, not a commitment`);
  if (leaf.datasha256 !== sha256(body).toString('hex'))
    problems.push("the leaf names another body than the commitment's");
  if (!body.subarray(0, 34).equals(Buffer.concat([Buffer.from([0x0a, 0x20]), Buffer.from(taskDigest, 'hex')]))) {
    problems.push("the commitment's body does not begin with this task's digest");
  }
  if (c.treeSize !== checkpoint.size) problems.push("the proof is not for the checkpoint's tree size");
  let included = false;
  try {
    const hashes = c.hashes.map((h) => Buffer.from(h, 'hex'));
    included = verifyInclusion(leafHash, c.leafIndex, checkpoint.size, hashes, checkpoint.root);
  } catch {
    included = false;
  }
  if (!included) problems.push("the inclusion proof does not lead to the checkpoint's root");
  if (previous && !(previous.size <= c.leafIndex)) {
    problems.push(`not the first checkpoint: the previous one (size ${previous.size}) contains leaf ${c.leafIndex}`);
  }
  return problems;
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
  let previous: { size: number } | undefined;
  if (published.previousCheckpoint?.note) {
    try {
      previous = openCheckpoint(published.previousCheckpoint.note, [parseVerifierKey(verifierKey)], origin).checkpoint;
    } catch (err) {
      problems.push(`the previous checkpoint: ${toAppError(err).message}`);
    }
  }
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
  if (published.commitment)
    problems.push(...commitmentProblems(published.commitment, { size, root }, previous, mine.taskDigest));
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

/** A draw file: the verifier's JSON, or the `inspection.draw.completed` body as JSON (`{ "draw": { … } }`). */
export function readDrawFile(text: string): PublishedDraw {
  const parsed = JSON.parse(text);
  if (parsed && typeof parsed === 'object' && parsed.draw && typeof parsed.draw.documentJson === 'string') {
    return publishedDrawOf(iv.PublishedDraw.fromJSON(parsed.draw));
  }
  return parsed as PublishedDraw;
}

/**
 * The draw of `taskId` as its events published it, read back from the audit log's copy of `onceonly.inspection.v1`
 * (SearchEvents by the task id and the type: the caller reads what it may, an auditor everything).
 */
async function drawFromEvents(o: ReturnType<typeof cliOptions>, taskId: string): Promise<PublishedDraw> {
  const found = await withClient(auditV1.AuditServiceClient, o, (c) =>
    call(
      c.searchEvents.bind(c),
      auditV1.SearchEventsRequest.fromPartial({
        subject: taskId,
        type: 'inspection.draw.completed',
        page: { pageSize: 10 },
        purpose: 'verify-draw',
      }),
      o,
    ),
  );
  const entry = found.entries[0];
  if (!entry?.event) {
    throw new AppError('INSPECTION_TASK_NOT_FOUND', `no inspection.draw.completed of task ${taskId} in the audit log`);
  }
  const draw = iv.DrawCompleted.decode(entry.event.data).draw;
  if (!draw) throw new AppError('EVENT_MALFORMED', `the draw event of ${taskId} has no draw`);
  return publishedDrawOf(draw);
}

function drawText(d: iv.PublishedDraw): string {
  const result = JSON.parse(d.resultJson) as DrawResult;
  return [
    `task        ${d.taskId}  (digest ${result.taskDigest})`,
    `checkpoint  size ${d.proof?.treeSize}, root ${result.checkpointRoot}; commitment leaf ${d.proof?.leafIndex}`,
    `seed        ${result.seed}`,
    ...result.grades.map((g) => `grade ${g.grade}     ${g.drawn} of ${g.count} (${g.ratioBasisPoints} bp)`),
    ...result.drawn.map((e) => `  ${e.creditCode}  ${e.grade}  ${e.inspectors.join(', ')}`),
  ].join('\n');
}

export function registerInspectCommands(program: Command): void {
  const inspect = program.command('inspect').description('双随机、一公开: random inspection draws (issue 13)');
  inspect
    .command('task')
    .description('commit an inspection task of your department (its draw is seeded by the next signed checkpoint)')
    .argument('<task>', 'the task as JSON (taskId, department, title, items, candidates, ratios, inspectors, …)')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const o = cliOptions(cmd);
      let taskJson: string;
      try {
        taskJson = readFileSync(file, 'utf8');
      } catch (cause) {
        throw new AppError('INVALID_ARGUMENT', `cannot read ${file}`, { cause });
      }
      const r = await withClient(iv.InspectionServiceClient, o, (c) =>
        call(c.commitInspectionTask.bind(c), { taskJson }, o),
      );
      if (o.json) write(json(iv.CommitInspectionTaskResponse.toJSON(r)));
      else
        write(
          `task ${r.taskId} ${r.replayed ? 'was committed already' : 'committed'}: digest ${Buffer.from(r.taskDigest).toString('hex')}, event ${r.commitmentEventId}`,
        );
    });
  inspect
    .command('draw')
    .description("draw a committed task, once its commitment is in the audit log's signed checkpoint")
    .argument('<task id>', 'the task id')
    .option('--out <file>', 'also write the published draw as the verifiers read it (JSON)')
    .action(async (taskId: string, opts: { out?: string }, cmd: Command) => {
      const o = cliOptions(cmd);
      const r = await withClient(iv.InspectionServiceClient, o, (c) =>
        call(c.drawInspectionTask.bind(c), { taskId }, o),
      );
      const draw = r.draw as iv.PublishedDraw;
      if (opts.out) writeFileSync(opts.out, `${JSON.stringify(publishedDrawOf(draw), null, 2)}\n`);
      if (o.json) write(json({ replayed: r.replayed, published: publishedDrawOf(draw) }));
      else write(drawText(draw));
    });
  inspect
    .command('result')
    .description(
      'record the result of a drawn entity’s inspection (一公开), as the department of an inspector assigned to it',
    )
    .argument('<task id>', 'the task id')
    .argument('<credit code>', 'the entity inspected')
    .requiredOption('--inspector <id>', 'the inspector’s id in the task (执法证号), assigned to the entity by the draw')
    .requiredOption('--result <outcome>', 'compliant, ordered-to-correct, case-opened or not-located')
    .requiredOption('--findings <text>', 'what was found, in words')
    .option('--date <YYYY-MM-DD>', 'the day of the inspection (default: today)')
    .action(
      async (
        taskId: string,
        creditCode: string,
        opts: { inspector: string; result: string; findings: string; date?: string },
        cmd: Command,
      ) => {
        const o = cliOptions(cmd);
        let outcome: iv.InspectionOutcome;
        try {
          outcome = iv.inspectionOutcomeFromJSON(
            `INSPECTION_OUTCOME_${opts.result.toUpperCase().replaceAll('-', '_')}`,
          );
        } catch {
          throw new AppError('INVALID_ARGUMENT', `--result: unknown outcome ${opts.result}`);
        }
        const request = {
          taskId,
          creditCode,
          inspectorId: opts.inspector,
          outcome,
          findings: opts.findings,
          // today in China (UTC+8), as the service counts days
          inspectedOn: opts.date ?? new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10),
        };
        const r = await withClient(iv.InspectionServiceClient, o, (c) =>
          call(c.recordInspectionResult.bind(c), request, o),
        );
        if (o.json) write(json(iv.RecordInspectionResultResponse.toJSON(r)));
        else write(resultText(r, taskId, creditCode, opts.result));
      },
    );
  inspect
    .command('verify-draw')
    .description(
      'recompute a published draw offline from its task, its signed checkpoint and its result; exit 0 only on a match',
    )
    .argument(
      '[draw]',
      'the published draw as JSON: { task, checkpoint: { note }, result[, previousCheckpoint, commitment] }, or the inspection.draw.completed body ({ draw })',
    )
    .option('--from-events <task id>', "read the task's inspection.draw.completed from the audit log instead of a file")
    .requiredOption('--vkey <vkey>', "the audit log's published verifier key")
    .action(async (file: string | undefined, opts: { vkey: string; fromEvents?: string }, cmd: Command) => {
      const o = cliOptions(cmd);
      let published: PublishedDraw;
      if (opts.fromEvents !== undefined) {
        published = await drawFromEvents(o, opts.fromEvents);
      } else {
        if (file === undefined) throw new AppError('INVALID_ARGUMENT', 'a draw file or --from-events <task id>');
        try {
          published = readDrawFile(readFileSync(file, 'utf8'));
        } catch (cause) {
          throw new AppError('INVALID_ARGUMENT', `cannot read ${file} as JSON`, { cause });
        }
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

/** A recorded result and the credit record it became (一公开), in words. */
export function resultText(
  r: iv.RecordInspectionResultResponse,
  taskId: string,
  creditCode: string,
  outcome: string,
): string {
  const lines = [
    `result of ${creditCode} in task ${taskId} ${r.replayed ? 'was recorded already' : 'recorded'}: ${outcome}`,
  ];
  const p = r.record?.publicity;
  if (r.record && p) {
    const window = p.published ? `public ${p.publicFrom} to ${p.publicUntil}` : 'not published';
    lines.push(`credit record ${r.record.id} (inspection), ${window} (${p.rule}, ${p.ruleSet})`);
  }
  if (r.grade) {
    const letter = ['', 'A', 'B', 'C', 'D'][r.grade.grade] ?? '?';
    lines.push(`grade ${letter}  (${r.grade.reasons.map((x) => x.wordsEn).join('; ')}; ${r.grade.ruleSet})`);
  }
  return lines.join('\n');
}
