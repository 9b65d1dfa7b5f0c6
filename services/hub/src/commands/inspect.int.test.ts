/**
 * 双随机、一公开 end to end (issue 13, item 5; ADR 019, ADR 025) on PostgreSQL and the test broker: the credit service
 * and the audit log hosted together; a task committed through the CLI; its draw refused until the commitment is in a
 * signed checkpoint, then made; the draw's event read back from Kafka and handed to the independent verifier
 * (verify-draw.mjs, none of OnceOnly's code), which recomputes it and checks the commitment's inclusion proof and the
 * first-checkpoint rule; tampered copies fail. Another log's checkpoints on the checkpoint topic (and a forged one
 * under this log's origin) are ignored. A result becomes a credit record of kind `inspection` on the entity (一公开:
 * its window, its grade, the feed and the profile), whose event names the result's event as its cause. The hub runs
 * in a namespace of its own (ADR 023): its topics and groups are nobody else's on the shared broker.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { auditModule } from '@onceonly/audit';
import { auditEventsV1, creditEventsV1, inspectionV1 } from '@onceonly/contracts';
import { CREDIT_TOPIC, canonicalTask, creditModule, INSPECTION_TOPIC, taskDocument } from '@onceonly/credit';
import {
  createKafkaTransport,
  defineEvent,
  type EventTransport,
  fromKafkaRecord,
  toKafkaRecord,
  withSequence,
} from '@onceonly/events';
import { type HostedModules, hostModules, uniqueNamespace } from '@onceonly/kit/testing';
import {
  formatCheckpoint,
  generateNoteKey,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '@onceonly/merkle';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, testKafka, waitFor } from '@onceonly/testing';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidates, inspectors, usccOf } from '../../../credit/test/draws.js';
import { runInProcess as cli } from '../../test/cli-harness.js';
import { type PublishedDraw, publishedDrawOf } from './inspect.js';

const VERIFIER = fileURLToPath(new URL('../../../../test/e2e/draw-verifier/verify-draw.mjs', import.meta.url));
const ORGANISER = usccOf(1, '310107');
const CHECKPOINTS_TOPIC = 'onceonly.audit.checkpoints.v1';

const checkpointSigned = defineEvent({
  type: 'audit.checkpoint.signed',
  source: '/onceonly/audit',
  dataschema: 'proto:onceonly.audit.v1.CheckpointSigned',
  codec: auditEventsV1.CheckpointSigned,
});

describe('a 双随机 draw from commitment to independent verification, on PostgreSQL and Kafka', () => {
  let target: TestDatabase;
  let db: Database;
  let transport: EventTransport;
  let host: HostedModules;
  let consumer: Consumer;
  let dir = '';
  const seen: KafkaMessage[] = [];
  const log = generateNoteKey(`onceonly.test/audit-${randomUUID().slice(0, 8)}`);
  const taskId = `PT-INT-${randomUUID().slice(0, 8)}`;
  const namespace = uniqueNamespace('insp');
  const onBroker = (topic: string) => `${namespace}.${topic}`;

  const as = ['--addr', '', '--as', ORGANISER, '--role', 'department'];
  const run = (args: string[]) => cli([...as.map((a) => (a === '' ? host.address : a)), ...args]);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'onceonly-inspect-'));
    target = await freshDatabase('inspect');
    db = await openDatabase({ url: target.url });
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'inspect-test' });
    host = await hostModules({
      db,
      transport,
      namespace,
      modules: [creditModule, auditModule],
      logLevel: 'debug',
      env: {
        ONCEONLY_AUDIT_NOTE_KEY: log.signerKey,
        ONCEONLY_AUDIT_CHECKPOINT_MS: '200',
        ONCEONLY_CREDIT_SWEEP_MS: '0',
        ONCEONLY_HOLDER_HASH_KEY: 'inspect-int-holder-hash-key-0123456789',
        // ONCEONLY_AUDIT_VKEY unset: the service asks the log it calls for its key (ADR 025)
      },
    });
    consumer = testKafka('inspect-test').consumer({ groupId: onBroker('inspect-reader'), maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({
      topics: [onBroker(INSPECTION_TOPIC.name), onBroker(CREDIT_TOPIC.name)],
      fromBeginning: true,
    });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
  });
  afterAll(async () => {
    await consumer?.disconnect();
    await host?.stop();
    await transport?.close();
    await db?.close();
    await target?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Publishes a checkpoint event signed by `signer` (another log's key) on the hub's checkpoint topic. */
  async function publishCheckpoint(signerKey: string, origin: string, size: number): Promise<void> {
    const root = Buffer.alloc(32, size % 251);
    const note = await signNote(formatCheckpoint({ origin, size, root }), parseSignerKey(signerKey));
    const draft = checkpointSigned.make({
      subject: origin,
      data: { origin, size: String(size), rootHash: root, signedNote: note, signedAt: new Date().toISOString() },
    });
    await transport.publish([{ topic: onBroker(CHECKPOINTS_TOPIC), ...toKafkaRecord(withSequence(draft, 1n)) }]);
  }

  it('commits a task, refuses bad ones, draws after the first signed checkpoint, and the verifier recomputes it from the events', async () => {
    // a foreign log's checkpoint and a forged one under this log's origin, before anything else
    await publishCheckpoint(generateNoteKey('onceonly.other/audit').signerKey, 'onceonly.other/audit', 5);
    await publishCheckpoint(
      generateNoteKey(parseVerifierKey(log.verifierKey).name).signerKey,
      parseVerifierKey(log.verifierKey).name,
      3,
    );

    // bad tasks: coded, nothing written
    const bad = path.join(dir, 'bad.json');
    const task = {
      taskId,
      department: ORGANISER,
      title: '2026年普陀区食品经营者双随机联合抽查（集成测试）',
      items: ['食品经营许可情况', '消防安全'],
      candidates: candidates(40),
      ratios: { A: 500, B: 1_000, C: 3_000, D: 10_000 },
      inspectors: inspectors(9),
      inspectorsPerTarget: 2,
      recusals: { recentInspections: [], conflicts: [] },
    };
    for (const [broken, code] of [
      [{ ...task, ratios: { ...task.ratios, B: 10_001 } }, 'INSPECTION_RATIO_OUT_OF_RANGE'],
      [{ ...task, candidates: [] }, 'INSPECTION_POOL_EMPTY'],
      [{ ...task, candidates: [{ creditCode: usccOf(5), grade: 'E' }] }, 'INVALID_ARGUMENT'],
      [{ ...task, department: usccOf(2, '310107') }, 'INSPECTION_NOT_ORGANISER'],
    ] as const) {
      writeFileSync(bad, JSON.stringify(broken));
      const r = await run(['--json', 'inspect', 'task', bad]);
      expect(r.code, r.err).not.toBe(0);
      expect(r.err + r.out).toContain(code);
    }
    const { rows: none } = await db.query('SELECT count(*)::int AS n FROM credit.inspection_tasks');
    expect(none[0]).toEqual({ n: 0 });

    // the commitment
    const file = path.join(dir, 'task.json');
    writeFileSync(file, JSON.stringify(task));
    const committed = await run(['--json', 'inspect', 'task', file]);
    expect(committed.code, committed.err).toBe(0);
    const c = JSON.parse(committed.out) as { taskId: string; commitmentEventId: string; taskDigest: string };
    expect(c.taskId).toBe(taskId);
    const again = await run(['--json', 'inspect', 'task', file]);
    expect(JSON.parse(again.out)).toMatchObject({ taskId, commitmentEventId: c.commitmentEventId, replayed: true });

    // drawn once the commitment is in a checkpoint the service kept (INSPECTION_NOT_CHECKPOINTED until then)
    const out = path.join(dir, 'draw.json');
    const drawn = await waitFor(
      async () => {
        const r = await run(['--json', 'inspect', 'draw', taskId, '--out', out]);
        if (r.code === 0) return r;
        expect(r.err + r.out).toMatch(/INSPECTION_NOT_CHECKPOINTED|INSPECTION_AUDIT_UNAVAILABLE/);
        const { rows } = await db.query('SELECT count(*)::int AS n FROM credit.inspection_draws');
        expect(rows[0]).toEqual({ n: 0 });
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    const viaCli = JSON.parse(String(drawn?.out)) as { replayed: boolean; published: PublishedDraw };
    expect(viaCli.replayed).toBe(false);
    expect(viaCli.published.result.drawn.length).toBeGreaterThan(5);

    // the draw's event, read back from Kafka
    const event = await waitFor(() =>
      seen
        .map((m) =>
          fromKafkaRecord({
            key: m.key,
            value: m.value,
            headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
          }),
        )
        .find((e) => e.type === 'inspection.draw.completed' && e.subject === taskId),
    );
    const body = inspectionV1.DrawCompleted.decode((event as { data: Uint8Array }).data).draw;
    expect(body).toBeDefined();
    const published = publishedDrawOf(body as inspectionV1.PublishedDraw);
    expect(published).toEqual(viaCli.published);

    // only checkpoints signed by this log's key were kept
    const { rows: kept } = await db.query<{ origin: string; note: string }>(
      'SELECT origin, note FROM credit.audit_checkpoints',
    );
    expect(kept.length).toBeGreaterThan(0);
    for (const k of kept) expect(() => openCheckpoint(k.note, [parseVerifierKey(log.verifierKey)])).not.toThrow();
    expect(kept.some((k) => k.origin === 'onceonly.other/audit')).toBe(false);
    // both were read before the seeding checkpoint (one partition, published first), and named in the log
    expect(host.logText()).toContain("another log's checkpoint, ignored");
    expect(host.logText()).toContain("a checkpoint not signed by the log's key, ignored");

    // the independent verifier, over the event alone
    const verify = (draw: unknown, key = log.verifierKey) => {
      const r = spawnSync(process.execPath, [VERIFIER, '-', '--key', key, '--require-commitment'], {
        input: JSON.stringify(draw),
        encoding: 'utf8',
      });
      return { status: r.status, out: r.status === 2 ? { problems: [r.stderr] } : JSON.parse(r.stdout) };
    };
    const good = verify(published);
    expect(good.out.problems).toEqual([]);
    expect(good.status).toBe(0);
    expect(good.out.commitment).toEqual({ eventId: c.commitmentEventId, leafIndex: published.commitment?.leafIndex });

    const leaf = structuredClone(published) as PublishedDraw & { commitment: { leafIndex: number } };
    leaf.commitment.leafIndex += 1;
    expect(verify(leaf).status).toBe(1);
    const path2 = structuredClone(published) as PublishedDraw & { commitment: { hashes: string[] } };
    path2.commitment.hashes = [...path2.commitment.hashes, 'ab'.repeat(32)];
    expect(verify(path2).status).toBe(1);
    const other = structuredClone(published) as PublishedDraw & { commitment: { body: string } };
    other.commitment.body = Buffer.from('another task').toString('base64');
    expect(verify(other).status).toBe(1);
    const late = structuredClone(published) as PublishedDraw;
    (late as { previousCheckpoint: unknown }).previousCheckpoint = published.checkpoint;
    expect(verify(late).out.problems).toEqual([expect.stringMatching(/^not the first checkpoint/)]);
    expect(verify(published, generateNoteKey(parseVerifierKey(log.verifierKey).name).verifierKey).status).toBe(1);
    const { commitment: _dropped, ...bare } = published;
    expect(verify(bare).status).toBe(1);

    // the CLI's own verification, from the file and from the audit log's copy of the events
    writeFileSync(out, JSON.stringify({ draw: inspectionV1.PublishedDraw.toJSON(body as inspectionV1.PublishedDraw) }));
    const fromFile = await run(['--json', 'inspect', 'verify-draw', out, '--vkey', log.verifierKey]);
    expect(fromFile.code, fromFile.err).toBe(0);
    const fromEvents = await waitFor(async () => {
      const r = await run(['--json', 'inspect', 'verify-draw', '--from-events', taskId, '--vkey', log.verifierKey]);
      return r.code === 0 ? r : undefined;
    });
    expect(JSON.parse(String(fromEvents?.out))).toMatchObject({ match: true, taskId });

    // a result, by the department of an inspector the draw assigned; refusals write nothing
    const entity = published.result.drawn[0] as { creditCode: string; inspectors: readonly string[] };
    const inspector = task.inspectors.find((p) => p.id === entity.inspectors[0]) as { id: string; department: string };
    const stranger = task.inspectors.find((p) => !entity.inspectors.includes(p.id)) as {
      id: string;
      department: string;
    };
    const notDrawn = task.candidates.find((x) => !published.result.drawn.some((d) => d.creditCode === x.creditCode));
    const result = (who: string, code: string, id: string) =>
      cli([
        ...['--addr', host.address, '--as', who, '--role', 'department', '--json'],
        ...['inspect', 'result', taskId, code, '--inspector', id, '--result', 'ordered-to-correct'],
        ...['--findings', '冷藏柜温度记录缺失，责令三日内整改'],
      ]);
    const refusedNotDrawn = await result(inspector.department, String(notDrawn?.creditCode), inspector.id);
    expect(refusedNotDrawn.err).toContain('INSPECTION_NOT_DRAWN');
    const refusedStranger = await result(stranger.department, entity.creditCode, stranger.id);
    expect(refusedStranger.err).toContain('INSPECTION_NOT_ASSIGNED');
    const { rows: noResults } = await db.query('SELECT count(*)::int AS n FROM credit.inspection_results');
    expect(noResults[0]).toEqual({ n: 0 });
    const recorded = await result(inspector.department, entity.creditCode, inspector.id);
    expect(recorded.code, recorded.err).toBe(0);
    const answer = JSON.parse(recorded.out) as { result: { recordId: string }; record: { id: string } };
    expect(answer).toMatchObject({
      result: {
        creditCode: entity.creditCode,
        inspectorId: inspector.id,
        outcome: 'INSPECTION_OUTCOME_ORDERED_TO_CORRECT',
        recordId: answer.record.id,
      },
      // 一公开: a credit record of kind `inspection` on the entity, owned by the inspector's department, with its
      // window from the rules (publicity/2026-3) and its place in the grade (grades/2026-3: a problem found → not A)
      record: {
        kind: 'RECORD_KIND_INSPECTION',
        subject: { subjectKey: entity.creditCode, creditCode: entity.creditCode },
        ownerCode: inspector.department,
        status: 'RECORD_STATUS_ACTIVE',
        publicity: { published: true, rule: 'inspection', ruleSet: 'publicity/2026-3' },
        inspection: {
          decisionNumber: `inspection/${taskId}/${entity.creditCode}`,
          taskId,
          taskTitle: task.title,
          inspectorId: inspector.id,
          outcome: 'ordered-to-correct',
        },
      },
      grade: { grade: 'GRADE_LETTER_B', ruleSet: 'grades/2026-3' },
    });
    const again2 = await result(inspector.department, entity.creditCode, inspector.id);
    expect(JSON.parse(again2.out)).toMatchObject({ replayed: true, record: { id: answer.record.id } });

    // the result's event, and the record's naming it as its cause (causationid), on the bus
    const events = () =>
      seen.map((m) =>
        fromKafkaRecord({
          key: m.key,
          value: m.value,
          headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
        }),
      );
    const resultEvent = await waitFor(() =>
      events().find((e) => e.type === 'inspection.result.recorded' && e.subject === taskId),
    );
    const recordEvent = await waitFor(() =>
      events().find((e) => e.type === 'credit.record.recorded' && e.subject === entity.creditCode),
    );
    expect(recordEvent?.extensions?.causationid).toBe(resultEvent?.id);
    const changed = creditEventsV1.RecordChanged.decode((recordEvent as { data: Uint8Array }).data);
    expect(changed.record?.id).toBe(answer.record.id);
    expect(inspectionV1.ResultRecorded.decode((resultEvent as { data: Uint8Array }).data).result?.recordId).toBe(
      answer.record.id,
    );

    // in the public feed and in a department's profile, with the grade's reason
    const feed = await run(['--json', 'credit', 'feed', '--code', entity.creditCode, '--kind', 'inspection']);
    expect(feed.code, feed.err).toBe(0);
    expect((JSON.parse(feed.out) as { records: { id: string }[] }).records.map((r) => r.id)).toEqual([
      answer.record.id,
    ]);
    const profile = await run(['--json', 'credit', 'profile', entity.creditCode, '--purpose', '双随机抽查结果核对']);
    expect(profile.code, profile.err).toBe(0);
    expect(JSON.parse(profile.out)).toMatchObject({
      records: [{ id: answer.record.id, kind: 'RECORD_KIND_INSPECTION' }],
      grade: { grade: 'GRADE_LETTER_B', reasons: [{ ruleId: 'general' }] },
      history: [{ causeRecordId: answer.record.id }],
    });

    // a second draw answers the first
    const second = await run(['--json', 'inspect', 'draw', taskId]);
    expect(JSON.parse(second.out)).toMatchObject({ replayed: true, published: { result: published.result } });

    // the replay recomputes the draw from the logged task and checkpoint, rebuilds the inspection record and the
    // entity's grade (grades/2026-3), and finds the service agreeing; then a draw changed behind the service is named
    interface Report {
      ok: boolean;
      projections: { name: string; compared: number }[];
      findings: { kind: string; severity: string; key?: string; message: string }[];
    }
    const divergences = (r: Report) => r.findings.filter((f) => f.severity === 'divergence');
    const replay = async (ok: boolean) => {
      let report: Report | undefined;
      for (let i = 0; i < 60 && report?.ok !== ok; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 300));
        const r = await cli([
          ...['--addr', host.address, '--as', 'auditor-1', '--role', 'auditor', '--json'],
          // the bus read from Kafka in the hub's namespace (KAFKA_BROKERS is the test broker's)
          ...['audit', 'replay', '--namespace', namespace, '--report', path.join(dir, `replay-${ok}.json`)],
        ]);
        expect(r.out, r.err).not.toBe('');
        const parsed = JSON.parse(r.out) as Report;
        const covered = parsed.projections.find((p) => p.name === 'inspection-draw')?.compared === 1;
        report = covered ? parsed : undefined;
      }
      return report as Report;
    };
    const clean = await replay(true);
    expect(divergences(clean)).toEqual([]);
    expect(clean.projections.find((p) => p.name === 'credit-record-status')?.compared).toBe(1);
    await db.query(
      `UPDATE credit.inspection_draws SET published = published #- '{result,drawn,0}' WHERE task_id = $1`,
      [taskId],
    );
    const tampered = await replay(false);
    expect(divergences(tampered)).toEqual([expect.objectContaining({ kind: 'PROJECTION_MISMATCH', key: taskId })]);

    // a draw seeded by a checkpoint the log never signed (the true root, signed under the log's name by another key),
    // put on the bus by someone else: the replay checks the note against the log's key (ADR 040) and names it
    const forgedTask = `${taskId}-F`;
    const document = canonicalTask(taskDocument({ ...task, taskId: forgedTask }));
    const honest = body as inspectionV1.PublishedDraw;
    const text = honest.checkpointNote.slice(0, honest.checkpointNote.indexOf('\n\n') + 1);
    const impostor = generateNoteKey(parseVerifierKey(log.verifierKey).name);
    const forged = { source: '/onceonly/forger', dataschema: 'proto:onceonly.credit.v1.Inspection' };
    const forgedCommit = defineEvent({
      ...forged,
      type: 'inspection.task.committed',
      codec: inspectionV1.TaskCommitted,
    }).make({
      subject: forgedTask,
      data: {
        taskDigest: createHash('sha256').update(document).digest(),
        taskId: forgedTask,
        documentJson: document,
        organiserCode: ORGANISER,
        committedAt: new Date().toISOString(),
      },
    });
    const forgedDraw = defineEvent({
      ...forged,
      type: 'inspection.draw.completed',
      codec: inspectionV1.DrawCompleted,
    }).make({
      subject: forgedTask,
      data: {
        draw: {
          ...honest,
          taskId: forgedTask,
          documentJson: document,
          checkpointNote: await signNote(text, parseSignerKey(impostor.signerKey)),
        },
      },
    });
    await transport.publish(
      [forgedCommit, forgedDraw].map((draft, i) => ({
        topic: onBroker(INSPECTION_TOPIC.name),
        ...toKafkaRecord(withSequence(draft, BigInt(i + 1))),
      })),
    );
    const unsigned = await waitFor(
      async () => {
        const r = await cli([
          ...['--addr', host.address, '--as', 'auditor-1', '--role', 'auditor', '--json'],
          ...['audit', 'replay', '--namespace', namespace, '--report', path.join(dir, 'replay-forged.json')],
        ]);
        return divergences(JSON.parse(r.out) as Report).find(
          (f) => f.key === forgedTask && f.message.includes("not signed by the audit log's key"),
        );
      },
      { timeoutMs: 60_000, intervalMs: 500, message: 'the forged checkpoint named by the replay' },
    );
    expect(unsigned).toMatchObject({ kind: 'PROJECTION_EVENT_INVALID' });
  });

  it('refuses a draw of an unknown task and of another department', async () => {
    const unknown = await run(['inspect', 'draw', 'NO-SUCH-TASK']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toContain('INSPECTION_TASK_NOT_FOUND');
    const other = await cli([
      '--addr',
      host.address,
      '--as',
      usccOf(2, '310107'),
      '--role',
      'department',
      'inspect',
      'draw',
      taskId,
    ]);
    expect(other.code).not.toBe(0);
    expect(other.err).toContain('INSPECTION_NOT_ORGANISER');
  });
});
