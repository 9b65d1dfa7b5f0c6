import { hash } from 'node:crypto';
import { inspectionV1 as iv } from '@onceonly/contracts';
import {
  formatCheckpoint,
  generateNoteKey,
  inclusionProof,
  leafHash,
  MemoryTree,
  parseSignerKey,
  signNote,
} from '@onceonly/merkle';
import type { Finding, ReplayEvent } from '@onceonly/replay';
import { describe, expect, it } from 'vitest';
import { taskInput } from '../../../test/draws.js';
import { canonicalTask, type DrawResult, drawTask, taskDocument } from '../../domain/draw.js';
import { type ReplayedTask, taskDifferences } from '../../domain/replay/draw-replay.js';
import { INSPECTION_EVENT_TYPES as T } from '../../topics.js';
import { inspectionDrawProjection } from './draw-replay.js';

let n = 0;
function event(type: string, subject: string, data: Uint8Array, id = `e${++n}`): ReplayEvent {
  return {
    id,
    source: '/onceonly/credit',
    type,
    subject,
    time: '2026-03-04T02:00:00Z',
    specversion: '1.0',
    datacontenttype: 'application/protobuf',
    dataschema: 'proto:x',
    sequence: String(n),
    data,
  };
}

/** A committed task, a log of 12 leaves with its commitment at 5, a signed checkpoint, and the honest draw. */
async function makeWorld() {
  const task = taskDocument(taskInput());
  const document = canonicalTask(task);
  const digest = hash('sha256', Buffer.from(document), 'buffer');
  const commitmentId = `commit-${++n}`;
  const body = Buffer.from(
    iv.TaskCommitted.encode({
      taskDigest: digest,
      taskId: task.taskId,
      documentJson: document,
      organiserCode: task.department,
      committedAt: '2026-03-04T02:00:00.000Z',
    }).finish(),
  );
  const canonical = Buffer.from(
    JSON.stringify({ id: commitmentId, type: T.taskCommitted, datasha256: hash('sha256', body, 'hex') }),
  );
  const tree = new MemoryTree();
  for (let i = 0; i < 12; i++) tree.append(i === 5 ? leafHash(canonical) : leafHash(Buffer.from(`leaf ${i}`)));
  const key = generateNoteKey('onceonly.test/draw-replay');
  const root = Buffer.from(tree.root(12));
  const note = await signNote(
    formatCheckpoint({ origin: 'onceonly.test/draw-replay', size: 12, root }),
    parseSignerKey(key.signerKey),
  );
  const result = drawTask(task, root);
  const proof = {
    eventId: commitmentId,
    leafIndex: '5',
    treeSize: '12',
    leafHash: Buffer.from(leafHash(canonical)),
    hashes: (await inclusionProof(tree, 5, 12)).map((h) => Buffer.from(h)),
    leafCanonical: canonical,
    commitmentBody: body,
  };
  const committed = event(T.taskCommitted, task.taskId, body, commitmentId);
  const drawn = (r: DrawResult = result, changes: Partial<iv.PublishedDraw> = {}) =>
    event(
      T.drawCompleted,
      task.taskId,
      iv.DrawCompleted.encode({
        draw: {
          taskId: task.taskId,
          documentJson: document,
          checkpointNote: note,
          previousCheckpointNote: '',
          proof,
          resultJson: JSON.stringify(r),
          drawnBy: task.department,
          drawnAt: '2026-03-04T03:00:00.000Z',
          ...changes,
        },
      }).finish(),
    );
  const resultEvent = (creditCode: string, inspectorId: string) =>
    event(
      T.resultRecorded,
      task.taskId,
      iv.ResultRecorded.encode({
        result: {
          taskId: task.taskId,
          creditCode,
          inspectorId,
          outcome: iv.InspectionOutcome.INSPECTION_OUTCOME_COMPLIANT,
          findings: '未发现问题',
          inspectedOn: '2026-03-04',
          recordedBy: task.department,
          recordedAt: '2026-03-04T04:00:00.000Z',
          recordId: 'r1',
        },
      }).finish(),
    );
  /** The same checkpoint (the honest root) signed by `signerKey` instead of the log's key. */
  const signedBy = (signerKey: string) =>
    signNote(formatCheckpoint({ origin: 'onceonly.test/draw-replay', size: 12, root }), parseSignerKey(signerKey));
  return { task, result, committed, drawn, resultEvent, note, signedBy, vkey: key.verifierKey };
}

/** The events folded by the projection that trusts `verifierKeys` (default: the world's log key). */
function replay(events: ReplayEvent[], verifierKeys: readonly string[] = [currentKey]) {
  const projection = inspectionDrawProjection(verifierKeys);
  const state = new Map<string, ReplayedTask>();
  const findings: Finding[] = [];
  for (const e of events) findings.push(...(projection.apply(state, e) ?? []));
  return { state, findings, messages: findings.map((f) => f.message) };
}

/** The log key of the latest world (each test builds one first). */
let currentKey = '';
async function world() {
  const w = await makeWorld();
  currentKey = w.vkey;
  return w;
}

describe('the draw replay: every draw recomputed from its logged task and checkpoint', () => {
  it('recomputes an honest draw and its results without a finding', async () => {
    const w = await world();
    const first = w.result.drawn[0]!;
    const { state, findings } = replay([w.committed, w.drawn(), w.resultEvent(first.creditCode, first.inspectors[0]!)]);
    expect(findings).toEqual([]);
    expect(state.get(w.task.taskId)?.recomputed).toEqual(w.result);
  });

  it('finds a draw event whose entities or inspectors are not the recomputed ones', async () => {
    const w = await world();
    const notDrawn = w.task.candidates.find((c) => !w.result.drawn.some((d) => d.creditCode === c.creditCode))!;
    const swapped: DrawResult = {
      ...w.result,
      drawn: [{ ...w.result.drawn[0]!, creditCode: notDrawn.creditCode }, ...w.result.drawn.slice(1)],
    };
    const other = w.task.inspectors.find((p) => !w.result.drawn[1]!.inspectors.includes(p.id))!;
    const reassigned: DrawResult = {
      ...w.result,
      drawn: w.result.drawn.map((d, i) => (i === 1 ? { ...d, inspectors: [other.id, ...d.inspectors.slice(1)] } : d)),
    };
    const dropped: DrawResult = { ...w.result, drawn: w.result.drawn.slice(1) };
    for (const tampered of [swapped, reassigned, dropped]) {
      const { findings, messages } = replay([w.committed, w.drawn(tampered)]);
      expect(findings.map((f) => f.kind)).toEqual(['PROJECTION_EVENT_INVALID']);
      expect(messages[0]).toContain('the published draw is not the recomputed one');
    }
    expect(replay([w.committed, w.drawn(swapped)]).messages[0]).toContain(
      `${notDrawn.creditCode} published, not drawn`,
    );
  });

  it('finds a draw whose proof, checkpoint or document is not the committed one', async () => {
    const w = await world();
    const otherRoot = formatCheckpoint({ origin: 'onceonly.test/draw-replay', size: 12, root: Buffer.alloc(32, 7) });
    const forgedNote = `${otherRoot}\n— onceonly.test/draw-replay AAAA\n`;
    const cases: [Partial<iv.PublishedDraw>, string][] = [
      [{ checkpointNote: forgedNote }, "the checkpoint note is not signed by the audit log's key"],
      [{ documentJson: '{}' }, 'the published document is not the committed one'],
    ];
    for (const [change, words] of cases) {
      const { messages } = replay([w.committed, w.drawn(w.result, change)]);
      expect(messages.join(' | ')).toContain(words);
    }
    expect(replay([w.drawn()]).messages[0]).toContain('a draw of a task never committed');
    expect(replay([w.committed, w.drawn(), w.drawn()]).messages[0]).toContain('drawn again');
  });

  it("finds a draw seeded by a checkpoint the log's key did not sign, even one with the log's true root", async () => {
    const w = await world();
    // the honest root, signed by someone else under the log's name: before ADR 040 the replay recomputed it clean
    const impostor = generateNoteKey('onceonly.test/draw-replay');
    const unsigned = w.note.slice(0, w.note.indexOf('\n\n') + 2);
    for (const note of [await w.signedBy(impostor.signerKey), unsigned]) {
      const { findings, messages, state } = replay([w.committed, w.drawn(w.result, { checkpointNote: note })]);
      expect(findings.map((f) => f.kind)).toEqual(['PROJECTION_EVENT_INVALID']);
      expect(messages[0]).toContain("the checkpoint note is not signed by the audit log's key");
      // nothing recomputed from a root nobody vouched for
      expect(state.get(w.task.taskId)?.recomputed).toBeUndefined();
    }
    // another log's key does not vouch for this log's checkpoints; no key at all checks nothing and says so
    expect(replay([w.committed, w.drawn()], [impostor.verifierKey]).messages[0]).toContain('not signed');
    expect(replay([w.committed, w.drawn()], []).messages[0]).toContain('no audit log key');
    // after a rotation the log has two keys: a note signed by either is the log's
    expect(replay([w.committed, w.drawn()], [impostor.verifierKey, w.vkey]).findings).toEqual([]);
  });

  it('finds a result of an entity not drawn, by an inspector not assigned, or twice', async () => {
    const w = await world();
    const first = w.result.drawn[0]!;
    const notDrawn = w.task.candidates.find((c) => !w.result.drawn.some((d) => d.creditCode === c.creditCode))!;
    const stranger = w.task.inspectors.find((p) => !first.inspectors.includes(p.id))!;
    const { messages } = replay([
      w.committed,
      w.drawn(),
      w.resultEvent(notDrawn.creditCode, stranger.id),
      w.resultEvent(first.creditCode, stranger.id),
      w.resultEvent(first.creditCode, first.inspectors[0]!),
    ]);
    expect(messages).toEqual([
      expect.stringContaining('which the draw did not draw'),
      expect.stringContaining('not assigned to'),
      expect.stringContaining('a second result of'),
    ]);
  });

  it('names a service whose stored draw differs from the recomputed one (a tampered record)', async () => {
    const w = await world();
    const { state } = replay([w.committed, w.drawn()]);
    const rebuilt = state.get(w.task.taskId)!;
    const digest = rebuilt.digest;
    expect(taskDifferences(w.task.taskId, rebuilt, { digest, draw: w.result })).toEqual([]);
    const tampered = { ...w.result, drawn: w.result.drawn.slice(0, -1) };
    const found = taskDifferences(w.task.taskId, rebuilt, { digest, draw: tampered });
    expect(found.map((f) => f.kind)).toEqual(['PROJECTION_MISMATCH']);
    expect(found[0]!.message).toContain('drawn by the recomputation, not published');
    expect(taskDifferences(w.task.taskId, rebuilt, { digest, draw: undefined })[0]!.message).toContain(
      'drawn in the log, not in the service',
    );
    expect(taskDifferences(w.task.taskId, rebuilt, undefined)[0]!.kind).toBe('PROJECTION_UNKNOWN_TO_SERVICE');
  });
});
