/**
 * Log key rotation on Kafka and PostgreSQL (services/audit README, "Rotating the log key"): a log signs with key A,
 * restarts with B and A as the previous key, announces B in one checkpoint signed by A and B, then signs with B only;
 * a verifier that pinned A follows the announcement in a bundle and in a replay, and refuses a bundle whose
 * announcement was removed or forged.
 */
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { openNote, parseCheckpoint, parseSignerKey, parseVerifierKey, signNote } from '@onceonly/merkle';
import { divergences } from '@onceonly/replay';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointStore } from '../src/adapters/db/audit-store.js';
import { databaseExportSource } from '../src/adapters/db/export-source.js';
import { databaseLogSource } from '../src/adapters/db/replay-source.js';
import type { SignedCheckpoint } from '../src/app/checkpointer.js';
import { exportBundle } from '../src/app/export-bundle.js';
import { replay } from '../src/app/replay.js';
import { type AuditBundle, verifyBundle } from '../src/domain/bundle.js';
import { announcedKey } from '../src/domain/key-rotation.js';
import {
  type AuditHost,
  auditClient,
  leafCount,
  registry as newRegistry,
  type Producer,
  startAuditHost,
  startProducer,
  testNoteKey,
} from './support.js';

const HOLDER = '91350100M000100Y43';
const OTHER = '91350100M000200Y21';

describe('a log key rotation', () => {
  let testDb: TestDatabase;
  let db: Database;
  let transport: EventTransport;
  let producer: Producer;
  let host: AuditHost | undefined;
  const [a, b, c] = [testNoteKey(), testNoteKey(), testNoteKey()];
  const registry = newRegistry();
  const common = {
    ONCEONLY_AUDIT_CHECKPOINT_ENTRIES: '1000000',
    ONCEONLY_AUDIT_CHECKPOINT_MS: '100000000',
    ONCEONLY_AUDIT_READS_TOPIC: `onceonly.audittest.reads.rot${Date.now()}`,
    // one consumer group across the restarts (a new one would read the topics again from the start)
    ONCEONLY_AUDIT_GROUP: `onceonly-audit-keyrot-${Date.now()}`,
  };
  const checkpoints: SignedCheckpoint[] = [];
  let bundle: AuditBundle;
  /** The key GetCheckpoint named while the rotation was pending, and after it was announced. */
  const named: string[] = [];

  async function namedKey(): Promise<string> {
    const client = auditClient(host!.address);
    try {
      return (await client.getCheckpoint({})).verifierKey;
    } finally {
      client.close();
    }
  }

  async function appendAndSign(subjects: string[]): Promise<SignedCheckpoint> {
    const before = (await leafCount(db, true)).leaves;
    await producer.publish(subjects);
    await waitFor(async () => (await leafCount(db, true)).leaves >= before + subjects.length, {
      timeoutMs: 30_000,
      message: 'the events logged',
    });
    const signed = await host!.audit.checkpointer.tick(true);
    if (!signed) throw new Error('no checkpoint signed');
    checkpoints.push(signed);
    return signed;
  }

  async function restart(env: Record<string, string>): Promise<void> {
    await host?.stop();
    host = await startAuditHost(db, transport, registry, { ...common, ...env });
  }

  beforeAll(async () => {
    testDb = await freshDatabase('audit_keyrot');
    db = await openDatabase({ url: testDb.url, poolSize: 8 });
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'audit-keyrot-test' });
    producer = await startProducer(db, transport, registry);
    await restart({ ONCEONLY_AUDIT_NOTE_KEY: a.signerKey });
    await appendAndSign([HOLDER, OTHER, HOLDER]);
    await restart({ ONCEONLY_AUDIT_NOTE_KEY: b.signerKey, ONCEONLY_AUDIT_PREVIOUS_NOTE_KEY: a.signerKey });
    named.push(await namedKey());
    await appendAndSign([HOLDER, OTHER]);
    named.push(await namedKey());
    await appendAndSign([HOLDER]);
    bundle = (await exportBundle(databaseExportSource(db, b.verifierKey), HOLDER)).bundle;
  }, 120_000);

  afterAll(async () => {
    await host?.stop();
    await producer?.relay.stop();
    await transport?.close();
    await db?.close();
    await testDb?.drop();
  });

  const signers = (note: string, keys: { verifierKey: string }[]) =>
    keys.filter((k) => {
      try {
        openNote(note, [parseVerifierKey(k.verifierKey)]);
        return true;
      } catch {
        return false;
      }
    });

  it('signs the announcing checkpoint with A and B and the rotation line, and later ones with B only', () => {
    const [first, announcing, later] = checkpoints as [SignedCheckpoint, SignedCheckpoint, SignedCheckpoint];
    expect(signers(first.note, [a, b])).toEqual([a]);
    expect(signers(announcing.note, [a, b])).toEqual([a, b]);
    expect(
      announcedKey(parseCheckpoint(openNote(announcing.note, [parseVerifierKey(a.verifierKey)]).text).extensions),
    ).toBe(b.verifierKey);
    expect(signers(later.note, [a, b])).toEqual([b]);
    expect(later.note).not.toContain('onceonly-key-rotation');
  });

  it('names the key of the latest checkpoint over gRPC: A until the rotation is announced, then B', () => {
    expect(named).toEqual([a.verifierKey, b.verifierKey]);
  });

  it('names both keys over gRPC (GetLogInfo.logKeys), for a replay through the hub', async () => {
    const client = auditClient(host!.address);
    try {
      expect((await client.getLogInfo({})).logKeys).toEqual([a.verifierKey, b.verifierKey]);
    } finally {
      client.close();
    }
  });

  it('replays the log unpinned with the log own keys, before and after the rotation', async () => {
    const report = await replay({ log: databaseLogSource(db) });
    expect(divergences(report.findings)).toEqual([]);
    expect(report.checkpointsVerified).toBe(report.checkpoints);
  });

  it('records both keys in log_keys with the size from which each signs', async () => {
    expect(await checkpointStore.keys(db)).toEqual([
      { verifierKey: a.verifierKey, origin: 'onceonly.test/audit', fromSize: 0 },
      { verifierKey: b.verifierKey, origin: 'onceonly.test/audit', fromSize: checkpoints[1]!.size },
    ]);
  });

  it('does not announce again on a restart with the same keys', async () => {
    await restart({ ONCEONLY_AUDIT_NOTE_KEY: b.signerKey, ONCEONLY_AUDIT_PREVIOUS_NOTE_KEY: a.signerKey });
    expect(host!.audit.checkpointer.rotationPending).toBe(false);
  });

  it('refuses to start with a previous key that is not the log current key', async () => {
    await expect(
      startAuditHost(db, transport, registry, {
        ...common,
        ONCEONLY_AUDIT_NOTE_KEY: c.signerKey,
        ONCEONLY_AUDIT_PREVIOUS_NOTE_KEY: a.signerKey,
      }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('exports the announcement with a bundle signed by B, and a verifier pinned to A accepts it', () => {
    expect(bundle.keyAnnouncements).toEqual([checkpoints[1]!.note]);
    const report = verifyBundle(bundle, { verifierKey: a.verifierKey });
    expect(divergences(report.findings)).toEqual([]);
    expect(report).toMatchObject({ keyPinned: true, completeness: 'proven', treeSize: checkpoints[2]!.size });
  });

  it('proves the bundle signed by B consistent with a checkpoint signed by A before the rotation', async () => {
    const first = checkpoints[0]!;
    const source = databaseExportSource(db, b.verifierKey);
    const since = (await exportBundle(source, HOLDER, { sinceSize: first.size })).bundle;
    const report = verifyBundle(since, { verifierKey: a.verifierKey, earlierCheckpoint: first.note });
    expect(divergences(report.findings)).toEqual([]);
  });

  it('checks a checkpoint from before the rotation with A, and one after it only with B (audit prove --size)', async () => {
    const [first, , later] = checkpoints as [SignedCheckpoint, SignedCheckpoint, SignedCheckpoint];
    const partial = (cp: SignedCheckpoint, note: string) =>
      verifyBundle(
        {
          ...bundle,
          checkpoint: note,
          treeSize: cp.size,
          rootHash: Buffer.from(cp.root).toString('hex'),
          events: [],
          keyAnnouncements: [checkpoints[1]!.note],
        },
        { verifierKey: a.verifierKey, partial: true },
      );
    expect(divergences(partial(first, first.note).findings)).toEqual([]);
    const text = openNote(later.note, [parseVerifierKey(b.verifierKey)]).text;
    const byA = await signNote(text, parseSignerKey(a.signerKey));
    expect(divergences(partial(later, byA).findings).map((f) => f.kind)).toEqual(['CHECKPOINT_SIGNATURE_INVALID']);
  });

  it('refuses a bundle signed by B whose announcement was removed', () => {
    const { keyAnnouncements: _, ...without } = bundle;
    const kinds = divergences(verifyBundle(without, { verifierKey: a.verifierKey }).findings).map((f) => f.kind);
    expect(kinds).toContain('KEY_MISMATCH');
    expect(verifyBundle({ ...bundle, keyAnnouncements: [] }, { verifierKey: a.verifierKey }).findings).toContainEqual(
      expect.objectContaining({ kind: 'KEY_NOT_ANNOUNCED' }),
    );
  });

  it('refuses a bundle whose announcement a key other than the pinned one signed', async () => {
    const text = openNote(checkpoints[1]!.note, [parseVerifierKey(a.verifierKey)]).text;
    const forged = await signNote(text, [parseSignerKey(c.signerKey), parseSignerKey(b.signerKey)]);
    const report = verifyBundle({ ...bundle, keyAnnouncements: [forged] }, { verifierKey: a.verifierKey });
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'KEY_ANNOUNCEMENT_INVALID' }));
    expect(divergences(report.findings).length).toBeGreaterThan(0);
  });

  it('replays the log with A pinned: every checkpoint verifies, before and after the rotation', async () => {
    const report = await replay({ log: databaseLogSource(db), verifierKey: a.verifierKey });
    expect(divergences(report.findings)).toEqual([]);
    expect(report.checkpointsVerified).toBe(report.checkpoints);
    expect(report.checkpoints).toBeGreaterThanOrEqual(3);
  });

  it('names a checkpoint signed by the replaced key alone after the rotation (KEY_RETIRED)', async () => {
    const later = checkpoints[2]!;
    const text = openNote(later.note, [parseVerifierKey(b.verifierKey)]).text;
    const byA = await signNote(text, parseSignerKey(a.signerKey));
    let kinds: string[] = [];
    await db
      .transaction(async (tx) => {
        await tx.query('UPDATE audit.checkpoints SET note = $1 WHERE size = $2', [byA, later.size]);
        const report = await replay({ log: databaseLogSource(tx), verifierKey: a.verifierKey });
        kinds = divergences(report.findings).map((f) => f.kind);
        throw new Error('rollback');
      })
      .catch((err: unknown) => {
        if (!(err instanceof Error && err.message === 'rollback')) throw err;
      });
    expect(kinds).toEqual(['KEY_RETIRED']);
  });
});
