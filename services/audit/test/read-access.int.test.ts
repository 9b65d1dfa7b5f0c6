import { auditEventsV1 } from '@onceonly/contracts';
import type { AppError } from '@onceonly/errors';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

// Least privilege on Kafka and PostgreSQL: the parties an event names in its extension attributes (actor, issuer,
// secretuntil) travel through Kafka into the log's columns, decide who reads it, and each read comes back through
// Kafka as a leaf of its own. The role matrix under mTLS is in services/hub/src/commands/audit-access.int.test.ts.

const MARKET = '11310107MB2F09911X';
const HEALTH = '11310107MB2F09922X';

describe('read access on Kafka and PostgreSQL', () => {
  let testDb: TestDatabase;
  let db: Database;
  let transport: EventTransport;
  let producer: Producer;
  let host: AuditHost;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    testDb = await freshDatabase('audit_read_access');
    db = await openDatabase({ url: testDb.url, poolSize: 8 });
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'audit-read-access' });
    const registry = newRegistry();
    producer = await startProducer(db, transport, registry);
    host = await startAuditHost(db, transport, registry, {
      ONCEONLY_AUDIT_NOTE_KEY: testNoteKey().signerKey,
      ONCEONLY_AUDIT_CHECKPOINT_MS: '200',
    });
    const publish = async (name: string, subject: string, extensions?: Record<string, string>) => {
      ids[name] = (await producer.publish([subject], extensions))[0]!.id;
    };
    await publish('byMarket', 'holder-1', { actor: MARKET, issuer: MARKET });
    await publish('byHealthOnMarkets', 'holder-1', { actor: HEALTH, issuer: MARKET });
    await publish('byHealth', 'holder-2', { actor: HEALTH, issuer: HEALTH });
    await publish('secretStill', 'holder-1', { issuer: MARKET, secretuntil: '2999-01-01T00:00:00Z' });
    await publish('secretPassed', 'holder-1', { issuer: MARKET, secretuntil: '2001-01-01T00:00:00Z' });
    await publish('unattributed', 'holder-1');
    // for the map proofs: a holder with nothing secret, and one with an entry still secret
    await publish('mapOpen', 'holder-3');
    await publish('mapSecret', 'holder-4', { secretuntil: '2999-01-01T00:00:00Z' });
    await waitFor(async () => (await leafCount(db)).leaves === 8, { timeoutMs: 30_000, message: 'eight leaves' });
  });

  afterAll(async () => {
    await host?.stop();
    await producer?.relay.stop();
    await transport?.close();
    await db?.close();
    await testDb?.drop();
  });

  const searchAs = async (code: string, role: string, subject = '') => {
    const client = auditClient(host.address, { code, role });
    try {
      const page = { pageSize: 100, pageToken: '' };
      const { entries } = await client.searchEvents({
        purpose: 'test',
        subject,
        type: '',
        source: '',
        timeFrom: '',
        timeTo: '',
        page,
        omitData: false,
      });
      return entries.map((e) => e.event!.id).filter((id) => id !== '' && Object.values(ids).includes(id));
    } finally {
      client.close();
    }
  };
  const named = (...names: string[]) => names.map((n) => ids[n]).sort();

  it('keeps the parties named by the extension attributes beside each leaf', async () => {
    const { rows } = await db.query<{ event_id: string; actor: string | null; issuer: string | null }>(
      'SELECT event_id, actor, issuer FROM audit.leaves WHERE event_id = ANY($1)',
      [[ids.byHealthOnMarkets, ids.unattributed]],
    );
    const byId = new Map(rows.map((r) => [r.event_id, r]));
    expect(byId.get(ids.byHealthOnMarkets!)).toMatchObject({ actor: HEALTH, issuer: MARKET });
    expect(byId.get(ids.unattributed!)).toMatchObject({ actor: null, issuer: null });
  });

  it('lets a department read what it did and what is about its certificates, nothing else', async () => {
    expect((await searchAs(MARKET, 'department')).sort()).toEqual(
      named('byMarket', 'byHealthOnMarkets', 'secretStill', 'secretPassed'),
    );
    expect((await searchAs(HEALTH, 'department')).sort()).toEqual(named('byHealthOnMarkets', 'byHealth'));
  });

  it('shows the portal a holder’s entries but those a law keeps secret until their time has passed', async () => {
    expect((await searchAs('PORTAL-1', 'portal', 'holder-1')).sort()).toEqual(
      named('byMarket', 'byHealthOnMarkets', 'secretPassed', 'unattributed'),
    );
  });

  it('lets an auditor read every entry', async () => {
    expect((await searchAs('AUDITOR-1', 'auditor')).sort()).toEqual(Object.values(ids).sort());
  });

  it('logs every read as a leaf that came back through Kafka, from its own source', async () => {
    const client = auditClient(host.address);
    try {
      const reads = await waitFor(
        async () => {
          const page = { pageSize: 100, pageToken: '' };
          const { entries } = await client.searchEvents({
            purpose: '',
            subject: '',
            type: 'audit.entries-read',
            source: '',
            timeFrom: '',
            timeTo: '',
            page,
            omitData: false,
          });
          const bodies = entries.map((e) => ({ entry: e, body: auditEventsV1.EntriesRead.decode(e.event!.data) }));
          return bodies.some((b) => b.body.role === 'portal') ? bodies : undefined;
        },
        { timeoutMs: 20_000, message: 'the records of the reads' },
      );
      const portal = reads!.find((r) => r.body.role === 'portal')!;
      expect(portal.entry.topic).toMatch(/^onceonly\.audittest\.reads/);
      // keyed by the holder whose entries were read (not by the reader): one record per subject, issuer, secrecy
      expect(portal.entry.event).toMatchObject({ source: '/onceonly/audit/reads', subject: 'holder-1' });
      expect(portal.body).toMatchObject({
        readerCode: 'PORTAL-1',
        method: 'SearchEvents',
        subject: 'holder-1',
        entriesSubject: 'holder-1',
        purpose: 'test',
        authenticatedBy: 'dev-metadata',
        records: 3,
      });
      const parts = await waitFor(
        async () => {
          const all = (await readRecords(client)).filter((r) => r.body.readId === portal.body.readId);
          return all.length === 3 ? all : undefined;
        },
        { timeoutMs: 20_000, message: 'the three records of the portal’s read' },
      );
      // what it read of holder-1 (the records of earlier reads of holder-1's entries are holder-1's entries too):
      // byMarket and byHealthOnMarkets (issuer MARKET) together, secretPassed (MARKET, its own secrecy) apart,
      // unattributed in the record with no issuer
      const { rows } = await db.query<{ event_id: string; leaf_index: string }>(
        'SELECT event_id, leaf_index FROM audit.leaves WHERE event_id = ANY($1)',
        [[ids.byMarket, ids.byHealthOnMarkets, ids.secretPassed, ids.unattributed]],
      );
      const at = Object.fromEntries(rows.map((r) => [r.event_id, r.leaf_index]));
      const partOf = (name: string) => parts!.find((p) => p.body.leafIndexes.includes(at[ids[name]!]!))?.body;
      expect(partOf('byMarket')).toMatchObject({ entriesSubject: 'holder-1', entriesIssuer: MARKET });
      expect(partOf('byHealthOnMarkets')).toBe(partOf('byMarket'));
      const secret = partOf('secretPassed');
      expect(secret).toMatchObject({ entriesIssuer: MARKET });
      expect(secret).not.toBe(partOf('byMarket'));
      // beside secretPassed, only records of the earlier reads, when they were in the log by the time of this read
      const others = secret!.leafIndexes.filter((i) => i !== at[ids.secretPassed!]);
      const { rows: earlier } = await db.query<{ type: string }>(
        'SELECT type FROM audit.leaves WHERE leaf_index = ANY($1::bigint[])',
        [others],
      );
      expect(earlier.map((r) => r.type)).toEqual(others.map(() => 'audit.entries-read'));
      expect(partOf('unattributed')).toMatchObject({ entriesIssuer: '' });
      for (const p of parts!) expect(p.entry.event!.subject).toBe('holder-1');
    } finally {
      client.close();
    }
  });

  it('shows the holder, through the portal, who read their entries, and the issuer who read its certificates’', async () => {
    // the reads of the tests above: the market read holder-1's entries (one of them still secret), health read
    // its own and holder-1's, the auditor read everything
    const recordsAs = async (code: string, role: string, subject = '') => {
      const client = auditClient(host.address, { code, role });
      try {
        return await readRecords(client, subject);
      } finally {
        client.close();
      }
    };
    const portal = await waitFor(
      async () => {
        const seen = await recordsAs('PORTAL-1', 'portal', 'holder-1');
        const readers = new Set(seen.map((r) => r.body.readerCode));
        return readers.has(MARKET) && readers.has('AUDITOR-1') ? seen : undefined;
      },
      { timeoutMs: 20_000, message: 'the reads of holder-1’s entries, as the portal sees them' },
    );
    for (const r of portal!) {
      expect(r.entry.event!.subject).toBe('holder-1');
      expect(r.body.entriesSubject).toBe('holder-1');
    }
    // the market's read of the entry still kept secret is as secret as that entry
    const secret = await db.query<{ leaf_index: string }>('SELECT leaf_index FROM audit.leaves WHERE event_id = $1', [
      ids.secretStill,
    ]);
    const secretIndex = secret.rows[0]!.leaf_index;
    expect(portal!.flatMap((r) => r.body.leafIndexes)).not.toContain(secretIndex);
    const all = await recordsAs('AUDITOR-1', 'auditor');
    expect(all.some((r) => r.body.readerCode === MARKET && r.body.leafIndexes.includes(secretIndex))).toBe(true);

    // a department sees the reads of its certificates' entries by others (the auditor's read of holder-2's)
    const health = await waitFor(
      async () => {
        const seen = await recordsAs(HEALTH, 'department');
        return seen.some((r) => r.body.readerCode === 'AUDITOR-1' && r.body.entriesSubject === 'holder-2')
          ? seen
          : undefined;
      },
      { timeoutMs: 20_000, message: 'the auditor’s read of health’s certificate entries, as health sees it' },
    );
    for (const r of health!) expect([r.body.readerCode, r.body.entriesIssuer]).toContain(HEALTH);
    // …and no record lists another subject's entries than its own key
    for (const r of all) {
      if (r.body.entriesSubject !== '') expect(r.entry.event!.subject).toBe(r.body.entriesSubject);
    }
  });

  describe('GetSubjectMapProof', () => {
    const proofAs = async (code: string, role: string, subject: string, treeSize?: string) => {
      const client = auditClient(host.address, { code, role });
      try {
        return await client.getSubjectMapProof({ subject, purpose: 'test', ...(treeSize ? { treeSize } : {}) });
      } finally {
        client.close();
      }
    };
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: AppError) => e.code,
      );

    beforeAll(async () => {
      await waitFor(async () => (await db.query('SELECT 1 FROM audit.checkpoints WHERE size >= 8')).rowCount, {
        timeoutMs: 20_000,
        message: 'a checkpoint of the eight events',
      });
    });

    it('answers an auditor and the portal for a holder with nothing secret, from the stored map', async () => {
      const auditor = await proofAs('AUDITOR-1', 'auditor', 'holder-4');
      expect(Number(auditor.chain?.count)).toBeGreaterThanOrEqual(1);
      const portal = await proofAs('PORTAL-1', 'portal', 'holder-3');
      expect(Number(portal.chain?.count)).toBeGreaterThanOrEqual(1);
      expect(portal.bitmap).toHaveLength(32);
      // a subject the log never mentions: a proof of absence
      expect((await proofAs('AUDITOR-1', 'auditor', 'nobody')).chain).toBeUndefined();
    });

    it('refuses the portal for a holder with an entry still secret, departments and platforms: AUDIT_READ_DENIED', async () => {
      expect(await refusal(proofAs('PORTAL-1', 'portal', 'holder-4'))).toBe('AUDIT_READ_DENIED');
      expect(await refusal(proofAs(MARKET, 'department', 'holder-1'))).toBe('AUDIT_READ_DENIED');
      expect(await refusal(proofAs(HEALTH, 'department', 'holder-3'))).toBe('AUDIT_READ_DENIED');
      expect(await refusal(proofAs('PLATFORM-1', 'platform', 'PLATFORM-1'))).toBe('AUDIT_READ_DENIED');
    });

    it('refuses a size no checkpoint signs a map of, and a citizen ID as the subject', async () => {
      expect(await refusal(proofAs('AUDITOR-1', 'auditor', 'holder-1', '100000'))).toBe('AUDIT_CHECKPOINT_NOT_FOUND');
      expect(await refusal(proofAs('AUDITOR-1', 'auditor', '310107199003071239'))).toBe('PERSONAL_DATA_IN_TEXT');
    });

    it('records each answered proof as a read of the subject', async () => {
      const client = auditClient(host.address);
      try {
        const reads = await waitFor(
          async () => {
            const found = (await readRecords(client)).filter((r) => r.body.method === 'GetSubjectMapProof');
            const subjects = new Set(found.map((r) => r.entry.event!.subject));
            return ['holder-3', 'holder-4', 'nobody'].every((x) => subjects.has(x)) ? found : undefined;
          },
          { timeoutMs: 20_000, message: 'the records of the map proof reads' },
        );
        for (const r of reads!) expect(r.body.entriesSubject).toBe(r.entry.event!.subject);
      } finally {
        client.close();
      }
    });
  });
});

/** Every `audit.entries-read` record the client may read (a subject: the portal's holder), with its body. */
async function readRecords(client: ReturnType<typeof auditClient>, subject = '') {
  const { entries } = await client.searchEvents({
    purpose: '',
    subject,
    type: 'audit.entries-read',
    source: '',
    timeFrom: '',
    timeTo: '',
    page: { pageSize: 500, pageToken: '' },
    omitData: false,
  });
  return entries.map((e) => ({ entry: e, body: auditEventsV1.EntriesRead.decode(e.event!.data) }));
}
