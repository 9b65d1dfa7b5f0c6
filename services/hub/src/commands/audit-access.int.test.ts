/**
 * Least privilege over the audit log (issue 9, finding 1), under mTLS identities of each role, through gRPC and
 * through the CLI, against a hub in this process on PostgreSQL (its events on the embedded log in that database):
 * who may read which entries, that every read is itself logged, and that VerifyCertificate by id shows no more than
 * the QR text would.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { status } from '@grpc/grpc-js';
import { auditModule } from '@onceonly/audit';
import { certificateModule } from '@onceonly/certificate';
import { auditEventsV1, auditV1, certificateV1 as cv, HolderCodeType } from '@onceonly/contracts';
import { type ErrorCode, isAppError } from '@onceonly/errors';
import { computeUsccCheck } from '@onceonly/ids';
import { createLogger } from '@onceonly/kit';
import { formatCheckpoint, parseSignerKey, signNote } from '@onceonly/merkle';
import { freshDatabase, type TestDatabase, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueClient, issueServer, makeCa } from '../../../../libs/kit/test/certs.js';
import { runInProcess as cli } from '../../test/cli-harness.js';
import { type ClientOptions, call, serverStream, withClient } from '../client.js';
import { loadHubConfig } from '../config.js';
import { type RunningHub, startHub } from '../start.js';

const MERCHANT = `91310107MA1P3Q4R5${computeUsccCheck('91310107MA1P3Q4R5')}`;
/** A citizen ID (Putuo, born 1990-03-07; check character 9). */
const CITIZEN_ID = '310107199003071239';
const HASH_KEY = 'audit-access-holder-hash-key-0123456789';
const PURPOSE = 'merchant-onboarding';
/** The verifier written from ADR 006 alone, with node:crypto (in this repository's test tree). */
const INDEPENDENT_VERIFIER = fileURLToPath(
  new URL('../../../../libs/merkle/test/independent/verify-subject-bundle.mjs', import.meta.url),
);
const FOOD_FIELDS = JSON.stringify({
  legal_representative: '张小明',
  premises: '上海市普陀区长寿路100号',
  main_format: '餐饮服务经营者',
  business_items: '热食类食品制售',
});

const holderType = (code: string) =>
  code === CITIZEN_ID ? HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID : HolderCodeType.HOLDER_CODE_TYPE_USCC;

type Role = 'market' | 'health' | 'platform' | 'portal' | 'auditor';

interface Exported {
  subject: string;
  events: number;
  pending: number;
}

describe('who may read the audit log, under mTLS identities of each role', () => {
  let hub: RunningHub;
  let db: TestDatabase;
  let dir = '';
  let addr = '';
  const codes = {} as Record<Role, string>;
  const files = {} as Record<Role, { cert: string; key: string }>;
  let caFile = '';
  let foodType = '';
  let certificateId = '';
  let citizenCertificateId = '';
  let issuedEventId = '';
  const saved = { ...process.env };

  /** The CLI as `who`, over mTLS. */
  const as = (who: Role) => ['--addr', addr, '--ca', caFile, '--cert', files[who].cert, '--key', files[who].key];
  const options = (who: Role): ClientOptions => ({ addr, ca: caFile, ...files[who], timeoutMs: 10_000 });
  const audit = <T>(who: Role, fn: (c: auditV1.AuditServiceClient, o: ClientOptions) => Promise<T>) =>
    withClient(auditV1.AuditServiceClient, options(who), (c) => fn(c, options(who)));
  const search = (who: Role, filter: Partial<auditV1.SearchEventsRequest>) =>
    audit(who, (c, o) =>
      call(c.searchEvents.bind(c), auditV1.SearchEventsRequest.fromPartial({ page: { pageSize: 500 }, ...filter }), o),
    );
  const getEvent = (who: Role, eventId: string) =>
    audit(who, (c, o) => call(c.getEvent.bind(c), { eventId, purpose: '' }, o));
  const verifyById = (who: Role, id: string) =>
    withClient(cv.CertificateServiceClient, options(who), (c) =>
      call(
        c.verifyCertificate.bind(c),
        cv.VerifyCertificateRequest.fromPartial({ subject: { $case: 'id', value: id } }),
        options(who),
      ),
    );

  async function exported(
    who: Role,
    subject: string,
    why = '',
  ): Promise<{ code: number; out: string; err: string; file: string }> {
    const file = path.join(dir, `${who}-${Math.random().toString(36).slice(2)}.json`);
    const whyArgs = why ? ['--why', why] : [];
    const run = await cli([
      ...as(who),
      '--json',
      'audit',
      'export',
      '--subject',
      subject,
      '--out',
      file,
      ...whyArgs,
      '--hash-key-file',
      path.join(dir, 'hash.key'),
    ]);
    return { ...run, file };
  }

  const getCertificate = (who: Role, id: string, holder?: string) =>
    withClient(cv.CertificateServiceClient, options(who), (c) =>
      call(
        c.getCertificate.bind(c),
        cv.GetCertificateRequest.fromPartial({
          ref: { $case: 'id', value: id },
          ...(holder === undefined ? {} : { holderCode: holder, holderCodeType: holderType(holder) }),
        }),
        options(who),
      ),
    );

  async function expectDenied(call: Promise<unknown>, code: ErrorCode = 'AUDIT_READ_DENIED'): Promise<void> {
    const err = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAppError(err, code), String(err)).toBe(true);
    // the status on the wire, as any gRPC client sees it
    expect((err as { cause?: { code?: number } }).cause?.code).toBe(status.PERMISSION_DENIED);
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'onceonly-audit-access-'));
    writeFileSync(path.join(dir, 'hash.key'), HASH_KEY);
    Object.assign(process.env, {
      ONCEONLY_KEY_PASSPHRASE: 'audit-access-passphrase-0123456789',
      ONCEONLY_HOLDER_HASH_KEY: HASH_KEY,
      ONCEONLY_AUDIT_CHECKPOINT_MS: '200',
      // a consumer group of its own: other test files run audit logs on the shared broker at the same time
      ONCEONLY_AUDIT_GROUP: `onceonly-audit-access-${process.pid}-${Date.now()}`,
    });
    const log = createLogger({ level: 'silent', process: 'hub' });
    const modules = [certificateModule, auditModule];
    // an embedded start generates the hub CA and the log key that the PostgreSQL start then names
    const keysDir = path.join(dir, 'embedded');
    const first = await startHub({
      config: loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: keysDir }),
      log,
      modules,
    });
    await first.stop();
    Object.assign(process.env, {
      ONCEONLY_CA_CERT: path.join(keysDir, 'keys', 'ca.pem'),
      ONCEONLY_CA_KEY: path.join(keysDir, 'keys', 'ca.key.pem'),
      ONCEONLY_AUDIT_NOTE_KEY: readFileSync(path.join(keysDir, 'keys', 'audit-note.key'), 'utf8').trim(),
    });

    // mTLS: client certificates with CN = code, O = name, OU = role
    const ca = makeCa('OnceOnly test client CA');
    const server = issueServer(ca);
    caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, ca.cert);
    writeFileSync(path.join(dir, 'server.pem'), server.cert);
    writeFileSync(path.join(dir, 'server.key'), server.key);

    db = await freshDatabase('hub_audit_access');
    hub = await startHub({
      config: loadHubConfig({
        ONCEONLY_GRPC_ADDR: '127.0.0.1:0',
        ONCEONLY_DATA_DIR: path.join(dir, 'hub'),
        DATABASE_URL: db.url,
        ONCEONLY_TLS_CA: caFile,
        ONCEONLY_TLS_CERT: path.join(dir, 'server.pem'),
        ONCEONLY_TLS_KEY: path.join(dir, 'server.key'),
      }),
      log,
      modules,
    });
    // the server certificate names localhost
    addr = `localhost:${hub.address.split(':').at(-1)}`;

    const departments = (await withCertificateDepartments(ca)) as { code: string; role: string; nameEn: string }[];
    codes.market = departments.find((d) => d.nameEn.includes('Market Regulation'))!.code;
    codes.health = departments.find((d) => d.nameEn.includes('Health'))!.code;
    codes.platform = departments.find((d) => d.role === 'platform')!.code;
    codes.portal = departments.find((d) => d.role === 'portal')!.code;
    codes.auditor = 'AUDITOR-TEST-1';
    const roles: Record<Role, string> = {
      market: 'department',
      health: 'department',
      platform: 'platform',
      portal: 'portal',
      auditor: 'auditor',
    };
    for (const who of Object.keys(roles) as Role[]) {
      const pem = issueClient(ca, { code: codes[who], name: who, role: roles[who] });
      files[who] = { cert: path.join(dir, `${who}.pem`), key: path.join(dir, `${who}.key`) };
      writeFileSync(files[who].cert, pem.cert);
      writeFileSync(files[who].key, pem.key);
    }

    const types = JSON.parse((await cli([...as('market'), '--json', 'cert', 'types'])).out) as {
      types: { typeCode: string; nameZh: string }[];
    };
    foodType = types.types.find((t) => t.nameZh === '食品经营许可证')!.typeCode;
    const issue = (holder: string, name: string) =>
      cli([
        ...as('market'),
        '--json',
        'cert',
        'issue',
        '--type',
        foodType,
        '--holder',
        holder,
        '--holder-name',
        name,
        '--fields',
        FOOD_FIELDS,
      ]);
    const sealed = await cli([...as('market'), '--json', 'seal', 'create']);
    expect(sealed, sealed.err).toMatchObject({ code: 0 });
    const issued = await issue(MERCHANT, '上海长寿路小吃有限公司');
    expect(issued, issued.err).toMatchObject({ code: 0 });
    certificateId = (JSON.parse(issued.out) as { certificate: { id: string } }).certificate.id;
    const citizen = await issue(CITIZEN_ID, '张小明');
    expect(citizen, citizen.err).toMatchObject({ code: 0 });
    citizenCertificateId = (JSON.parse(citizen.out) as { certificate: { id: string } }).certificate.id;

    // the portal records the merchant's consent, the platform checks, the consent is revoked (the finding's story)
    const granted = await cli([
      ...as('portal'),
      '--json',
      ...['consent', 'grant', '--holder', MERCHANT, '--holder-name', '上海长寿路小吃有限公司'],
      ...['--platform', codes.platform, '--types', foodType, '--purpose', PURPOSE],
      ...['--expires-at', new Date(Date.now() + 30 * 86_400_000).toISOString()],
    ]);
    expect(granted, granted.err).toMatchObject({ code: 0 });
    const checked = await cli([
      ...as('platform'),
      '--json',
      ...['platform', 'check', '--holder', MERCHANT, '--types', foodType, '--purpose', PURPOSE],
    ]);
    expect(checked, checked.err).toMatchObject({ code: 0 });
    const consentId = (JSON.parse(granted.out) as { consent: { id: string } }).consent.id;
    expect((await cli([...as('portal'), 'consent', 'revoke', consentId, '--reason', '商家退出平台'])).code).toBe(0);

    // every one of these events in a signed checkpoint
    await waitFor(
      async () => {
        const run = await exported('auditor', MERCHANT);
        const value = run.code === 0 ? (JSON.parse(run.out) as Exported) : undefined;
        return value !== undefined && value.events >= 1 && value.pending === 0;
      },
      { timeoutMs: 30_000, intervalMs: 300, message: 'the merchant’s events in a checkpoint' },
    );
    const { entries } = await search('auditor', { subject: MERCHANT, type: 'certificate.issued' });
    issuedEventId = entries[0]!.event!.id;
    await waitFor(async () => (await search('auditor', { type: 'certificate.licences-checked' })).entries.length > 0, {
      timeoutMs: 30_000,
      message: 'the platform’s check in the log',
    });
  }, 120_000);

  afterAll(async () => {
    await hub?.stop();
    await db?.drop();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The departments the hub knows (any caller may list them). */
  async function withCertificateDepartments(_ca: unknown) {
    // the auditor's certificate is not issued yet: ask with a throw-away identity of the same CA
    const tmp = issueClient(_ca as ReturnType<typeof makeCa>, { code: 'LISTER', name: 'lister', role: 'auditor' });
    const cert = path.join(dir, 'lister.pem');
    const key = path.join(dir, 'lister.key');
    writeFileSync(cert, tmp.cert);
    writeFileSync(key, tmp.key);
    const run = await cli(['--addr', addr, '--ca', caFile, '--cert', cert, '--key', key, '--json', 'departments']);
    expect(run, run.err).toMatchObject({ code: 0 });
    return (JSON.parse(run.out) as { departments: unknown[] }).departments;
  }

  describe('a platform', () => {
    it('cannot export a merchant’s entries: the repro now exits 1 with AUDIT_READ_DENIED', async () => {
      const run = await exported('platform', MERCHANT);
      expect(run.code).toBe(1);
      expect(JSON.parse(run.err)).toMatchObject({ error: { code: 'AUDIT_READ_DENIED' } });
    });

    it('cannot search, fetch, range-read or prove by id another party’s entries', async () => {
      await expectDenied(search('platform', { subject: MERCHANT }));
      await expectDenied(search('platform', { type: 'certificate.issued' }));
      await expectDenied(getEvent('platform', issuedEventId));
      await expectDenied(
        audit('platform', (c, o) =>
          call(c.getEntries.bind(c), { start: '0', end: '1', omitData: false, purpose: '' }, o),
        ),
      );
      const prove = await cli([...as('platform'), '--json', 'audit', 'prove', issuedEventId]);
      expect(prove.code).toBe(1);
      expect(JSON.parse(prove.err)).toMatchObject({ error: { code: 'AUDIT_READ_DENIED' } });
    });

    it('gets the proof of a leaf by index but not the entry it does not own', async () => {
      const leaf = (await getEvent('auditor', issuedEventId)).entry!.leafIndex;
      const proof = await audit('platform', (c, o) =>
        call(
          c.getInclusionProof.bind(c),
          auditV1.GetInclusionProofRequest.fromPartial({ leaf: { $case: 'leafIndex', value: leaf } }),
          o,
        ),
      );
      expect(proof.hashes.length).toBeGreaterThan(0);
      expect(proof.entry).toBeUndefined();
    });

    it('reads its own licence checks, through gRPC and the CLI', async () => {
      const { entries } = await search('platform', {});
      expect(entries.length).toBeGreaterThan(0);
      for (const e of entries)
        expect(e.event).toMatchObject({ type: 'certificate.licences-checked', subject: codes.platform });
      const run = await exported('platform', codes.platform);
      expect(run, run.err).toMatchObject({ code: 0 });
      expect((JSON.parse(run.out) as Exported).events).toBeGreaterThan(0);
    });

    it('gets only the verdict when it verifies by id after its consent was revoked, through gRPC and the CLI', async () => {
      const answer = await verifyById('platform', certificateId);
      expect(answer).toMatchObject({ valid: true, certificateId, sealKid: '' });
      expect(answer.metadata).toBeUndefined();
      const run = await cli([...as('platform'), '--json', 'cert', 'verify', certificateId]);
      expect(run, run.err).toMatchObject({ code: 0 });
      expect(JSON.parse(run.out)).not.toHaveProperty('metadata');
    });
  });

  describe('a department', () => {
    it('reads the entries of the certificates it issued, and exports them', async () => {
      const { entries } = await search('market', { subject: MERCHANT });
      expect(entries.map((e) => e.event!.type)).toContain('certificate.issued');
      const run = await exported('market', MERCHANT);
      expect(run, run.err).toMatchObject({ code: 0 });
      const value = JSON.parse(run.out) as Exported;
      // (the verifications of the tests above may still be arriving: at least what the search found)
      expect(value.events + value.pending).toBeGreaterThanOrEqual(entries.length);
      // (and the records of others' reads of those entries, keyed by the holder with the market as issuer)
      for (const e of entries)
        expect(['certificate.issued', 'certificate.verified', 'audit.entries-read']).toContain(e.event!.type);
      expect((await verifyById('market', certificateId)).metadata?.holder?.holderCode).toBe(MERCHANT);
    });

    it('reads nothing of another department’s certificates', async () => {
      expect((await search('health', { subject: MERCHANT })).entries).toEqual([]);
      await expectDenied(getEvent('health', issuedEventId));
      const prove = await cli([...as('health'), '--json', 'audit', 'prove', issuedEventId]);
      expect(JSON.parse(prove.err)).toMatchObject({ error: { code: 'AUDIT_READ_DENIED' } });
      expect((await verifyById('health', certificateId)).metadata).toBeUndefined();
    });
  });

  describe('the portal', () => {
    it('reads a holder’s entries on the holder’s behalf, a citizen’s by keyed hash, and nothing unnamed', async () => {
      const { entries } = await search('portal', { subject: MERCHANT });
      expect(entries.length).toBeGreaterThan(0);
      for (const e of entries) expect(e.event!.subject).toBe(MERCHANT);
      await expectDenied(search('portal', {}));
      await expectDenied(getEvent('portal', issuedEventId));
      const run = await exported('portal', CITIZEN_ID, 'data tracker: the holder asked');
      expect(run, run.err).toMatchObject({ code: 0 });
      expect((JSON.parse(run.out) as Exported).subject).toMatch(/^h:[0-9a-f]{64}$/);
    });

    it('gets a complete bundle of a holder none of whose entries is secret, proven by the stored subject map', async () => {
      const run = await exported('portal', MERCHANT, 'data tracker: my complete record');
      expect(run, run.err).toMatchObject({ code: 0 });
      expect(JSON.parse(run.out)).toMatchObject({ complete: true });
      expect(run.err).not.toContain('FILTERED_VIEW');
      const strict = await cli(['--json', 'audit', 'verify', run.file]);
      expect(strict, strict.out).toMatchObject({ code: 0 });
      expect(JSON.parse(strict.out)).toMatchObject({ ok: true, completeness: 'proven' });
      expect(independentVerdict(run.file)).toMatchObject({ ok: true });
    });

    it('a department gets a filtered view, said so: verify refuses it as a complete bundle and proves it with --filtered-view', async () => {
      const run = await exported('market', MERCHANT);
      expect(run, run.err).toMatchObject({ code: 0 });
      expect(JSON.parse(run.out)).toMatchObject({ complete: false });
      expect(run.err).toContain('WARNING FILTERED_VIEW');
      const strict = await cli(['--json', 'audit', 'verify', run.file]);
      expect(strict.code).toBe(1);
      expect(JSON.parse(strict.out).findings.map((f: { kind: string }) => f.kind)).toContain('MAP_PROOF_MISSING');
      const view = await cli(['--json', 'audit', 'verify', run.file, '--filtered-view']);
      expect(view, view.err).toMatchObject({ code: 0 });
      expect(JSON.parse(view.out)).toMatchObject({ ok: true, completeness: 'not-checked' });
      expect(JSON.parse(view.out).warnings).toContain('COMPLETENESS_NOT_CLAIMED');
      expect(view.err).toContain('WARNING COMPLETENESS_NOT_CLAIMED');
    });
  });

  describe('an auditor', () => {
    it('reads everything, through gRPC and the CLI', async () => {
      const size = Number((await audit('auditor', (c, o) => call(c.getLogInfo.bind(c), {}, o))).treeSize);
      const { entries } = await audit('auditor', (c, o) =>
        call(c.getEntries.bind(c), { start: '0', end: String(size), omitData: false, purpose: '' }, o),
      );
      expect(entries.length).toBe(size);
      const prove = await cli([...as('auditor'), '--json', 'audit', 'prove', issuedEventId]);
      expect(prove, prove.err).toMatchObject({ code: 0 });
    });
  });

  describe('every read of entries', () => {
    it('is itself logged: who, role, what, how many, why, and no citizen ID in clear', async () => {
      const bodies = await waitFor(
        async () => {
          const { entries } = await search('auditor', { type: 'audit.entries-read' });
          const reads = entries.map((e) => auditEventsV1.EntriesRead.decode(e.event!.data));
          const portal = reads.find((r) => r.role === 'portal' && r.purpose === 'data tracker: the holder asked');
          const auditor = reads.find((r) => r.role === 'auditor' && r.method === 'GetEntries');
          return portal && auditor ? { reads, entries, portal } : undefined;
        },
        { timeoutMs: 20_000, message: 'the records of the reads in the log' },
      );
      expect(bodies!.portal).toMatchObject({
        readerCode: codes.portal,
        authenticatedBy: 'mtls',
        method: 'SearchEvents',
      });
      expect(bodies!.portal.subject).toMatch(/^h:[0-9a-f]{64}$/);
      expect(Number(bodies!.portal.entries)).toBeGreaterThan(0);
      const platformRead = bodies!.reads.find((r) => r.role === 'platform' && r.method === 'SearchEvents');
      expect(platformRead).toMatchObject({ readerCode: codes.platform, subject: codes.platform });
      for (const e of bodies!.entries) {
        expect(e.event).toMatchObject({ source: '/onceonly/audit/reads' });
        expect(Buffer.from(e.event!.data).includes(Buffer.from(CITIZEN_ID))).toBe(false);
        expect(Buffer.from(e.canonical).includes(Buffer.from(CITIZEN_ID))).toBe(false);
      }
      // a department reads its own reads and the reads of its certificates' entries (the auditor's exports of the
      // merchant's), no other
      const market = await waitFor(
        async () => {
          const { entries } = await search('market', { type: 'audit.entries-read' });
          const seen = entries.map((e) => auditEventsV1.EntriesRead.decode(e.event!.data));
          return seen.some((r) => r.readerCode === codes.auditor && r.entriesSubject === MERCHANT) ? seen : undefined;
        },
        {
          timeoutMs: 20_000,
          message: 'the auditor’s reads of the market’s certificate entries, as the market sees them',
        },
      );
      for (const r of market!) expect([r.readerCode, r.entriesIssuer]).toContain(codes.market);
    });

    it('is keyed by the holder whose entries were read: the portal shows the holder who read them, a citizen by hash', async () => {
      const tracker = async (holder: string) => {
        const { entries } = await search('portal', { subject: holder, type: 'audit.entries-read' });
        return entries.map((e) => ({
          subject: e.event!.subject,
          body: auditEventsV1.EntriesRead.decode(e.event!.data),
        }));
      };
      // the auditor's exports, the market's search and export, the portal's own reads for the merchant
      const merchant = await waitFor(
        async () => {
          const seen = await tracker(MERCHANT);
          const readers = new Set(seen.map((r) => r.body.readerCode));
          return [codes.auditor, codes.market, codes.portal].every((c) => readers.has(c)) ? seen : undefined;
        },
        { timeoutMs: 20_000, message: 'the reads of the merchant’s entries, as the portal sees them' },
      );
      for (const r of merchant!) expect(r).toMatchObject({ subject: MERCHANT, body: { entriesSubject: MERCHANT } });
      // the citizen's: under the keyed hash the portal's export used, never the ID
      const run = await exported('portal', CITIZEN_ID);
      const hashed = (JSON.parse(run.out) as Exported).subject;
      const citizen = await waitFor(
        async () => {
          const seen = await tracker(hashed);
          return seen.some((r) => r.body.readerCode === codes.portal) ? seen : undefined;
        },
        { timeoutMs: 20_000, message: 'the reads of the citizen’s entries' },
      );
      for (const r of citizen!) {
        expect(r.subject).toBe(hashed);
        expect(JSON.stringify(auditEventsV1.EntriesRead.toJSON(r.body))).not.toContain(CITIZEN_ID);
      }
    });
  });

  describe('GetCertificate shows the licence face only to whom VerifyCertificate by id shows it', () => {
    it('answers the issuing department and an auditor', async () => {
      for (const who of ['market', 'auditor'] as const) {
        const got = await getCertificate(who, certificateId);
        expect(got.certificate?.metadata?.holder?.holderCode, who).toBe(MERCHANT);
        expect(got.history.length).toBeGreaterThan(0);
      }
    });

    it('refuses another department, a platform whose consent was revoked and a portal that names no holder, coded', async () => {
      await expectDenied(getCertificate('health', certificateId), 'CERT_READ_DENIED');
      await expectDenied(getCertificate('platform', certificateId), 'CERT_READ_DENIED');
      await expectDenied(getCertificate('portal', certificateId), 'CERT_READ_DENIED');
      // each of them still gets the verdict (and no face) from VerifyCertificate by id
      for (const who of ['health', 'platform', 'portal'] as const) {
        const verdict = await verifyById(who, certificateId);
        expect(verdict, who).toMatchObject({ valid: true, certificateId });
        expect(verdict.metadata, who).toBeUndefined();
      }
    });

    it('answers the portal for the holder it acts for, and only for that holder', async () => {
      const own = await getCertificate('portal', certificateId, MERCHANT);
      expect(own.certificate?.metadata?.holder?.holderCode).toBe(MERCHANT);
      const citizen = await getCertificate('portal', citizenCertificateId, CITIZEN_ID);
      expect(citizen.certificate?.id).toBe(citizenCertificateId);
      await expectDenied(getCertificate('portal', certificateId, CITIZEN_ID), 'CERT_READ_DENIED');
      await expectDenied(getCertificate('portal', citizenCertificateId, MERCHANT), 'CERT_READ_DENIED');
      // naming the holder makes no other role a portal
      await expectDenied(getCertificate('health', certificateId, MERCHANT), 'CERT_READ_DENIED');
    });

    it('answers a platform while the holder’s consent for the type is active', async () => {
      const granted = await cli([
        ...as('portal'),
        '--json',
        ...['consent', 'grant', '--holder', MERCHANT, '--holder-name', '上海长寿路小吃有限公司'],
        ...['--platform', codes.platform, '--types', foodType, '--purpose', PURPOSE],
        ...['--expires-at', new Date(Date.now() + 30 * 86_400_000).toISOString()],
      ]);
      expect(granted, granted.err).toMatchObject({ code: 0 });
      const consentId = (JSON.parse(granted.out) as { consent: { id: string } }).consent.id;
      try {
        expect((await getCertificate('platform', certificateId)).certificate?.id).toBe(certificateId);
      } finally {
        expect((await cli([...as('portal'), 'consent', 'revoke', consentId, '--reason', '测试结束'])).code).toBe(0);
      }
      await expectDenied(getCertificate('platform', certificateId), 'CERT_READ_DENIED');
    });

    it('through the CLI: `cert get` exits 1 with the code for another department, 0 for the portal naming the holder', async () => {
      const refused = await cli([...as('health'), '--json', 'cert', 'get', certificateId]);
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.err)).toMatchObject({ error: { code: 'CERT_READ_DENIED' } });
      const portal = await cli([...as('portal'), '--json', 'cert', 'get', certificateId, '--holder', MERCHANT]);
      expect(portal, portal.err).toMatchObject({ code: 0 });
      expect(JSON.parse(portal.out)).toMatchObject({ certificate: { id: certificateId } });
    });
  });

  describe('the replay streams (StreamEntries, StreamBusEvents), under mTLS identities', () => {
    /** Every message of a server stream (its coded error thrown, as the CLI sees it). */
    const drained = <T>(who: Role, open: (c: auditV1.AuditServiceClient) => AsyncGenerator<T>) =>
      audit(who, async (c) => {
        const items: T[] = [];
        for await (const item of open(c)) items.push(item);
        return items;
      });
    const entries = (who: Role) =>
      drained(who, (c) =>
        serverStream(c.streamEntries.bind(c), { start: '0', omitData: true, purpose: '' }, options(who)),
      );
    const bus = (who: Role) =>
      drained(who, (c) => serverStream(c.streamBusEvents.bind(c), { topics: [] }, options(who)));

    it('refuse a department, a platform and the portal with AUDIT_READ_DENIED (PERMISSION_DENIED), through gRPC', async () => {
      for (const who of ['market', 'health', 'platform', 'portal'] as const) {
        await expectDenied(entries(who));
        await expectDenied(bus(who));
      }
    });

    it('answer an auditor, through gRPC', async () => {
      expect((await entries('auditor')).flatMap((m) => m.entries).length).toBeGreaterThan(0);
      expect((await bus('auditor')).at(-1)?.item?.$case).toBe('summary');
    });

    it('`audit replay` as a non-auditor exits 1 with the coded refusal on one line; as an auditor it replays', async () => {
      const brokers = process.env.KAFKA_BROKERS;
      delete process.env.KAFKA_BROKERS; // the hub's bus is its embedded log: read it through the hub
      try {
        for (const who of ['market', 'platform', 'portal'] as const) {
          const report = path.join(dir, `replay-${who}`);
          const run = await cli([...as(who), 'audit', 'replay', '--no-projection', '--report', report]);
          expect(run.code, `${who}: ${run.err}`).toBe(1);
          const lines = run.err.trim().split('\n');
          expect(lines, who).toHaveLength(1);
          expect(lines[0], who).toMatch(/^onceonly: AUDIT_READ_DENIED: .*auditors only/);
          expect(run.err).not.toContain('DIVERGENCE');
        }
        const report = path.join(dir, 'replay-auditor');
        const run = await cli([...as('auditor'), '--json', 'audit', 'replay', '--no-projection', '--report', report]);
        expect(run, run.err).toMatchObject({ code: 0 });
        expect(JSON.parse(run.out)).toMatchObject({ ok: true });
      } finally {
        if (brokers !== undefined) process.env.KAFKA_BROKERS = brokers;
      }
    });
  });

  describe('GetSubjectMapProof: complete bundles for whoever may read every entry of the subject', () => {
    const mapProof = (who: Role, subject: string, purpose = '') =>
      audit(who, (c, o) => call(c.getSubjectMapProof.bind(c), { subject, purpose }, o));

    it('answers an auditor from the stored map: the export is proven complete, by the library and the independent verifier', async () => {
      const answer = await mapProof('auditor', MERCHANT);
      expect(Number(answer.chain?.count)).toBeGreaterThan(0);
      expect(answer.bitmap).toHaveLength(32);
      const run = await exported('auditor', MERCHANT, 'audit: complete record of the merchant');
      expect(run, run.err).toMatchObject({ code: 0 });
      expect(JSON.parse(run.out)).toMatchObject({ complete: true });
      const strict = await cli(['--json', 'audit', 'verify', run.file]);
      expect(strict, strict.out).toMatchObject({ code: 0 });
      expect(JSON.parse(strict.out)).toMatchObject({ ok: true, completeness: 'proven' });
      expect(independentVerdict(run.file)).toMatchObject({ ok: true });
      // and the independent verifier refuses the same bundle with one event removed
      const bundle = JSON.parse(readFileSync(run.file, 'utf8')) as { events: unknown[] };
      bundle.events.splice(0, 1);
      const cut = path.join(dir, 'cut.json');
      writeFileSync(cut, JSON.stringify(bundle));
      expect(independentVerdict(cut)).toEqual({ ok: false, reason: 'MISSING_ENTRY' });
    });

    it('answers the portal for the holder it names, a citizen by keyed hash', async () => {
      const answer = await mapProof('portal', MERCHANT);
      expect(Number(answer.chain?.count)).toBeGreaterThan(0);
      const run = await exported('portal', CITIZEN_ID, 'data tracker: my complete record');
      expect(run, run.err).toMatchObject({ code: 0 });
      expect(JSON.parse(run.out)).toMatchObject({ complete: true });
      expect(independentVerdict(run.file)).toMatchObject({ ok: true });
    });

    it('refuses a department and a platform with AUDIT_READ_DENIED (PERMISSION_DENIED), even for their own subjects', async () => {
      for (const who of ['market', 'health', 'platform'] as const) {
        await expectDenied(mapProof(who, MERCHANT));
      }
      await expectDenied(mapProof('platform', codes.platform));
    });

    it('records every map proof read, keyed by the subject', async () => {
      const reads = await waitFor(
        async () => {
          const { entries } = await search('auditor', { subject: MERCHANT, type: 'audit.entries-read' });
          const bodies = entries.map((e) => auditEventsV1.EntriesRead.decode(e.event!.data));
          const proofs = bodies.filter((b) => b.method === 'GetSubjectMapProof');
          const roles = new Set(proofs.map((b) => b.role));
          return roles.has('auditor') && roles.has('portal') ? proofs : undefined;
        },
        { timeoutMs: 20_000, message: 'the records of the map proof reads' },
      );
      for (const r of reads!) expect(r).toMatchObject({ subject: MERCHANT, entriesSubject: MERCHANT });
    });
  });

  describe('audit verify --online: the bundle against the log as the hub serves it now (ADR 009)', () => {
    it('warns offline that a replaced key cannot be ruled out, and checks it online with public RPCs only', async () => {
      const { verifierKey } = await audit('auditor', (c, o) => call(c.getVerifierKey.bind(c), {}, o));
      const run = await exported('auditor', MERCHANT);
      expect(run, run.err).toMatchObject({ code: 0 });
      const offline = await cli(['--json', 'audit', 'verify', run.file, '--vkey', verifierKey]);
      expect(offline, offline.err).toMatchObject({ code: 0 });
      expect(JSON.parse(offline.out)).toMatchObject({ ok: true, keyRotation: 'unchecked' });
      expect(JSON.parse(offline.out).warnings).toContain('KEY_ROTATION_UNCHECKED');
      expect(offline.err).toMatch(/^WARNING KEY_ROTATION_UNCHECKED: /m);
      // any role may ask: announcements, checkpoints and consistency proofs are public
      const online = await cli([
        ...as('platform'),
        '--json',
        'audit',
        'verify',
        run.file,
        '--vkey',
        verifierKey,
        '--online',
      ]);
      expect(online, online.err).toMatchObject({ code: 0 });
      expect(JSON.parse(online.out)).toMatchObject({ ok: true, keyRotation: 'checked-online', warnings: [] });
      const noKey = await cli([...as('platform'), '--json', 'audit', 'verify', run.file, '--online']);
      expect(noKey.code).not.toBe(0);
      expect(JSON.parse(noKey.err)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    });

    it('names a fork signed with the log key, which offline verification cannot see as one', async () => {
      const { verifierKey } = await audit('auditor', (c, o) => call(c.getVerifierKey.bind(c), {}, o));
      const run = await exported('auditor', MERCHANT);
      const bundle = JSON.parse(readFileSync(run.file, 'utf8')) as {
        checkpoint: string;
        rootHash: string;
        treeSize: number;
        origin: string;
      };
      const text = bundle.checkpoint.slice(0, bundle.checkpoint.indexOf('\n\n') + 1);
      const extensions = text.split('\n').slice(3).filter(Boolean);
      const forkRoot = Buffer.alloc(32, 9);
      const signer = parseSignerKey(process.env.ONCEONLY_AUDIT_NOTE_KEY!);
      bundle.checkpoint = await signNote(
        formatCheckpoint({ origin: bundle.origin, size: bundle.treeSize, root: forkRoot, extensions }),
        signer,
      );
      bundle.rootHash = forkRoot.toString('hex');
      const forked = path.join(dir, 'fork.json');
      writeFileSync(forked, JSON.stringify(bundle));
      const kinds = (r: { out: string }) =>
        (JSON.parse(r.out) as { findings: { kind: string }[] }).findings.map((f) => f.kind);
      const offline = await cli(['--json', 'audit', 'verify', forked, '--vkey', verifierKey]);
      expect(kinds(offline)).not.toContain('CHECKPOINT_INCONSISTENT');
      const online = await cli([
        ...as('auditor'),
        '--json',
        'audit',
        'verify',
        forked,
        '--vkey',
        verifierKey,
        '--online',
      ]);
      expect(online.code).toBe(1);
      expect(kinds(online)).toContain('CHECKPOINT_INCONSISTENT');
    });
  });
});

/**
 * The verdict of the independent verifier (libs/merkle/test/independent, node:crypto only) on an exported bundle:
 * its entries (index, leaf hash) and map proof, converted from the bundle's hex to the script's base64.
 */
function independentVerdict(file: string): unknown {
  const bundle = JSON.parse(readFileSync(file, 'utf8')) as {
    checkpoint: string;
    subject: string;
    events: { leafIndex: number; leafHash: string }[];
    subjectMap?: {
      chain: { count: number; head: string; lastIndex: number } | null;
      bitmap: string;
      siblings: string[];
    };
  };
  const b64 = (hexText: string) => Buffer.from(hexText, 'hex').toString('base64');
  const map = bundle.subjectMap!;
  const input = {
    checkpoint: bundle.checkpoint.slice(0, bundle.checkpoint.indexOf('\n\n') + 1),
    subject: bundle.subject,
    entries: bundle.events.map((e) => ({ index: e.leafIndex, leafHash: b64(e.leafHash) })),
    mapProof: {
      chain: map.chain && { count: map.chain.count, head: b64(map.chain.head), lastIndex: map.chain.lastIndex },
      bitmap: b64(map.bitmap),
      siblings: map.siblings.map(b64),
    },
  };
  const run = spawnSync(process.execPath, [INDEPENDENT_VERIFIER], { input: JSON.stringify(input), encoding: 'utf8' });
  return JSON.parse(run.stdout);
}
