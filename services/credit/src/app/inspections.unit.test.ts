import { createHash } from 'node:crypto';
import { inspectionV1 } from '@onceonly/contracts';
import { isAppError } from '@onceonly/errors';
import {
  formatCheckpoint,
  generateNoteKey,
  inclusionProof,
  leafHash,
  MemoryTree,
  parseSignerKey,
  signNote,
} from '@onceonly/merkle';
import type { Database, Transaction } from '@onceonly/store';
import { describe, expect, it } from 'vitest';
import { ORGANISER, taskInput } from '../../test/draws.js';
import { logKeyOf } from '../adapters/audit/audit-log.js';
import { drawTask, taskDocument } from '../domain/draw.js';
import {
  type CommitmentProof,
  commitTaskCase,
  drawTaskCase,
  type InspectionDeps,
  type InspectionResultFact,
  type InspectionStore,
  type KeptCheckpoint,
  keepCheckpointCase,
  type PublishedDraw,
  recordResultCase,
  type StoredTask,
} from './inspections.js';

// The draw's use case with the audit log played by a real Merkle tree of 20 leaves, the commitment leaf 9, and
// in-memory storage: what is refused (and then written: nothing), and which checkpoint seeds the draw.

const ORIGIN = 'onceonly.test/audit-unit';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest();

async function world() {
  const key = generateNoteKey(ORIGIN);
  const logKey = logKeyOf(key.verifierKey);
  const tasks = new Map<string, StoredTask>();
  const draws = new Map<string, PublishedDraw>();
  const results = new Map<string, InspectionResultFact>();
  let checkpoints: KeptCheckpoint[] = [];
  const published: string[] = [];
  const store: InspectionStore = {
    task: async (_db, id) => tasks.get(id),
    insertTask: async (_tx, t) => {
      if (tasks.has(t.taskId)) return false;
      tasks.set(t.taskId, t);
      return true;
    },
    checkpoints: async () => checkpoints,
    keepCheckpoint: async (_tx, c) => {
      checkpoints = [...checkpoints, c];
    },
    draw: async (_db, id) => draws.get(id),
    insertDraw: async (_tx, d) => {
      if (draws.has(d.taskId)) return false;
      draws.set(d.taskId, d);
      return true;
    },
    result: async (_db, id, code) => results.get(`${id} ${code}`),
    insertResult: async (_tx, r) => {
      if (results.has(`${r.taskId} ${r.creditCode}`)) return false;
      results.set(`${r.taskId} ${r.creditCode}`, r);
      return true;
    },
  };
  const tx = {} as Transaction;
  const db = { transaction: (fn: (t: Transaction) => Promise<unknown>) => fn(tx) } as unknown as Database;
  const tree = new MemoryTree();
  let proofFor: (eventId: string, size: number | undefined) => Promise<CommitmentProof> = async () => {
    throw new Error('no commitment yet');
  };
  const deps: InspectionDeps = {
    db,
    clock: () => new Date('2026-03-04T02:00:00Z'),
    store,
    outbox: {
      committed: async (_tx, t) => void published.push(`committed ${t.taskId}`),
      drawn: async (_tx, d) => void published.push(`drawn ${d.taskId}`),
      resultRecorded: async (_tx, r) => void published.push(`result ${r.creditCode}`),
    },
    relay: { kick() {} },
    newId: () => 'commitment-event-1',
    audit: { inclusionProof: (eventId, size) => proofFor(eventId, size) },
    logKey: async () => logKey,
    // the credit record of a result is the credit side's (test/inspection-records.int.test.ts); here only the write
    results: {
      record: async (_terms, _ids, write) => ((await write(tx)) ? ({} as never) : undefined),
      find: async () => undefined,
    },
  };
  const actor = { code: ORGANISER, role: 'department' as const };
  const { task } = await commitTaskCase(deps, { taskJson: JSON.stringify(taskInput()), actor });

  // the log: 9 other leaves, the commitment's leaf (its canonical form names the event and its body's hash), 10 more
  const body = Buffer.from(
    inspectionV1.TaskCommitted.encode({
      taskDigest: task.digest,
      taskId: task.taskId,
      documentJson: task.document,
      organiserCode: ORGANISER,
      committedAt: '2026-03-04T02:00:00.000Z',
    }).finish(),
  );
  const canonical = Buffer.from(
    JSON.stringify({
      id: task.commitmentEventId,
      type: 'inspection.task.committed',
      datasha256: sha(body).toString('hex'),
    }),
  );
  for (let i = 0; i < 20; i++) tree.append(i === 9 ? leafHash(canonical) : leafHash(Buffer.from(`leaf ${i}`)));
  const sign = async (size: number) => {
    const note = await signNote(
      formatCheckpoint({ origin: ORIGIN, size, root: tree.root(size) }),
      parseSignerKey(key.signerKey),
    );
    return { origin: ORIGIN, size, root: Buffer.from(tree.root(size)), note };
  };
  proofFor = async (eventId, size) => {
    const at = size ?? 20;
    return {
      eventId,
      leafIndex: 9,
      treeSize: at,
      leafHash: Buffer.from(leafHash(canonical)),
      hashes: (await inclusionProof(tree, 9, at)).map((h) => Buffer.from(h)),
      leafCanonical: canonical,
      commitmentBody: body,
    };
  };
  const honest = proofFor;
  const keep = async (c: Awaited<ReturnType<typeof sign>>) => keepCheckpointCase(deps, logKey, tx, c);
  return {
    deps,
    actor,
    task,
    tasks,
    draws,
    results,
    published,
    sign,
    keep,
    key,
    honest,
    setProof: (f: typeof proofFor) => (proofFor = f),
  };
}

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return isAppError(err) ? err.code : String(err);
  }
};

describe('drawing a committed task', () => {
  it('refuses a draw before a kept checkpoint contains the commitment, and writes nothing', async () => {
    const w = await world();
    expect(await w.keep(await w.sign(5))).toBe('kept');
    expect(await w.keep(await w.sign(9))).toBe('kept'); // leaf 9 is the 10th: not in a tree of 9
    expect(await codeOf(drawTaskCase(w.deps, { taskId: w.task.taskId, actor: w.actor }))).toBe(
      'INSPECTION_NOT_CHECKPOINTED',
    );
    expect(w.draws.size).toBe(0);
    expect(w.published).toEqual([`committed ${w.task.taskId}`]);
  });

  it('draws with the first kept checkpoint containing it, the one before named, the proof at its size', async () => {
    const w = await world();
    for (const size of [20, 5, 12, 9, 15]) await w.keep(await w.sign(size));
    const { draw } = await drawTaskCase(w.deps, { taskId: w.task.taskId, actor: w.actor });
    expect(draw.proof.treeSize).toBe(12);
    expect(draw.checkpointNote).toContain('\n12\n');
    expect(draw.previousCheckpointNote).toContain('\n9\n');
    const root = (await w.sign(12)).root;
    expect(draw.result).toEqual(drawTask(taskDocument(taskInput()), root));
    expect(w.published).toEqual([`committed ${w.task.taskId}`, `drawn ${w.task.taskId}`]);
    const again = await drawTaskCase(w.deps, { taskId: w.task.taskId, actor: w.actor });
    expect(again.replayed).toBe(true);
    expect(w.published.length).toBe(2);
  });

  it("refuses the log's answer when it does not prove the commitment, and writes nothing", async () => {
    const cases: [string, (p: CommitmentProof) => CommitmentProof][] = [
      ['a path that leads elsewhere', (p) => ({ ...p, hashes: [...p.hashes].reverse() })],
      ['another leaf', (p) => ({ ...p, leafCanonical: Buffer.from('{"id":"x"}') })],
      ['another body', (p) => ({ ...p, commitmentBody: Buffer.from('another task') })],
      ['another event', (p) => ({ ...p, eventId: 'another-event' })],
    ];
    for (const [what, tamper] of cases) {
      const w = await world();
      await w.keep(await w.sign(12));
      w.setProof(async (id, size) => tamper(await w.honest(id, size)));
      expect(await codeOf(drawTaskCase(w.deps, { taskId: w.task.taskId, actor: w.actor })), what).toBe(
        'INSPECTION_PROOF_INVALID',
      );
      expect(w.draws.size, what).toBe(0);
    }
  });

  it('keeps only checkpoints signed by the log key: another origin, another key, a body that lies', async () => {
    const w = await world();
    const other = generateNoteKey(ORIGIN);
    const forged = await signNote(
      formatCheckpoint({ origin: ORIGIN, size: 12, root: Buffer.alloc(32, 7) }),
      parseSignerKey(other.signerKey),
    );
    expect(await w.keep({ origin: ORIGIN, size: 12, root: Buffer.alloc(32, 7), note: forged })).toBe('unverified');
    expect(await w.keep({ ...(await w.sign(12)), origin: 'onceonly.other/audit' })).toBe('foreign');
    expect(await w.keep({ ...(await w.sign(12)), size: 13 })).toBe('unverified');
    expect(await w.keep({ ...(await w.sign(12)), root: Buffer.alloc(32) })).toBe('unverified');
    expect(await codeOf(drawTaskCase(w.deps, { taskId: w.task.taskId, actor: w.actor }))).toBe(
      'INSPECTION_NOT_CHECKPOINTED',
    );
  });

  it('commits in the caller’s own name only, once per task id', async () => {
    const w = await world();
    const json = JSON.stringify(taskInput());
    expect(await codeOf(commitTaskCase(w.deps, { taskJson: json, actor: { code: 'X', role: 'department' } }))).toBe(
      'INSPECTION_NOT_ORGANISER',
    );
    expect(await codeOf(commitTaskCase(w.deps, { taskJson: json, actor: { code: ORGANISER, role: 'platform' } }))).toBe(
      'PERMISSION_DENIED',
    );
    expect(await codeOf(commitTaskCase(w.deps, { taskJson: '{', actor: w.actor }))).toBe('INVALID_ARGUMENT');
    const changed = JSON.stringify(taskInput({ title: '另一个标题' }));
    expect(await codeOf(commitTaskCase(w.deps, { taskJson: changed, actor: w.actor }))).toBe('INSPECTION_TASK_EXISTS');
    expect((await commitTaskCase(w.deps, { taskJson: json, actor: w.actor })).replayed).toBe(true);
    expect(w.tasks.size).toBe(1);
    expect(w.key.verifierKey).toContain(ORIGIN);
  });

  it('records a result for a drawn entity by an assigned inspector through their department, once', async () => {
    const w = await world();
    await w.keep(await w.sign(12));
    const { draw } = await drawTaskCase(w.deps, { taskId: w.task.taskId, actor: w.actor });
    const entity = draw.result.drawn[0]!;
    const inspectorId = entity.inspectors[0]!;
    const doc = taskInput();
    const department = doc.inspectors.find((p) => p.id === inspectorId)!.department;
    const notAssigned = doc.inspectors.find((p) => !entity.inspectors.includes(p.id))!;
    const notDrawn = doc.candidates.find((c) => !draw.result.drawn.some((d) => d.creditCode === c.creditCode))!;
    const input = {
      taskId: w.task.taskId,
      creditCode: entity.creditCode,
      inspectorId,
      outcome: 'ordered-to-correct' as const,
      findings: '冷藏柜温度记录缺失，责令三日内整改',
      inspectedOn: '2026-03-04',
      actor: { code: department, role: 'department' as const },
    };
    const refusals: [string, Partial<typeof input>][] = [
      ['INSPECTION_NOT_DRAWN', { creditCode: notDrawn.creditCode }],
      ['INSPECTION_NOT_ASSIGNED', { inspectorId: notAssigned.id }],
      ['INSPECTION_NOT_ASSIGNED', { actor: { code: ORGANISER, role: 'department' } }],
      ['INSPECTION_TASK_NOT_FOUND', { taskId: 'NO-SUCH-TASK' }],
      ['INVALID_ARGUMENT', { inspectedOn: '2026-03-03' }],
      ['INVALID_ARGUMENT', { inspectedOn: '2026-03-05' }],
    ];
    for (const [code, change] of refusals) {
      expect(await codeOf(recordResultCase(w.deps, { ...input, ...change })), JSON.stringify(change)).toBe(code);
    }
    expect(w.results.size).toBe(0);
    expect((await recordResultCase(w.deps, input)).replayed).toBe(false);
    expect((await recordResultCase(w.deps, input)).replayed).toBe(true);
    expect(await codeOf(recordResultCase(w.deps, { ...input, outcome: 'compliant' }))).toBe('INSPECTION_RESULT_EXISTS');
    expect(w.published.filter((p) => p.startsWith('result '))).toEqual([`result ${entity.creditCode}`]);
  });
});
