/**
 * 告知承诺 across services, by events only (issue 13 items 1 and 4, ADR 024), on PostgreSQL and Kafka: the
 * certificate, credit and audit modules as the hub hosts them. A licence issued on commitment becomes a licensing
 * record (双公示) and a tracked commitment in the credit service; the issuing department records a broken post-check;
 * the credit service publishes `credit.commitment.broken`, and the certificate service withdraws (撤销) the licence
 * with its legal basis. Every step names its cause (`causationid`), so the audit log shows the chain; the replay
 * checks it. Bad input: a post-check of an unknown commitment, by another department, twice; a due date in the
 * past: each coded, nothing written.
 */
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { auditModule } from '@onceonly/audit';
import { certificateModule } from '@onceonly/certificate';
import { auditV1, certificateV1, HolderCodeType } from '@onceonly/contracts';
import { creditModule } from '@onceonly/credit';
import { creditClient, creditV1 as cv } from '@onceonly/credit/client';
import { AppError } from '@onceonly/errors';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { computeUsccCheck } from '@onceonly/ids';
import { createLogger, DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import { type HostedModules, hostModules, uniqueNamespace } from '@onceonly/kit/testing';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess as cli } from '../test/cli-harness.js';
import { call, withClient } from './client.js';
import { auditChain } from './commands/audit-chain.js';

/** A credit code of this run's own: a business licence's number is its holder's code (see below). */
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const first17 = `91310107MA${Array.from({ length: 7 }, () => USCC_CHARS[randomInt(USCC_CHARS.length)]).join('')}`;
const HOLDER = `${first17}${computeUsccCheck(first17)}`;
/** A second holder of this run's own, for a food licence changed and renewed (双公示 of every version). */
const other17 = `91310107MB${first17.slice(10)}`;
const SHOP = `${other17}${computeUsccCheck(other17)}`;
const FOOD_FIELDS = {
  legal_representative: '李娜',
  premises: '上海市普陀区长寿路200号',
  main_format: '餐饮服务经营者',
  business_items: '热食类食品制售',
};
const AUDITOR = `11310000MB2F09990${computeUsccCheck('11310000MB2F09990')}`;
const LICENCE_FIELDS = {
  entity_type: '有限责任公司',
  legal_representative: '王芳',
  established_on: '2026-01-05',
  address: '上海市普陀区长寿路100号1层',
  business_scope: '餐饮服务；食品销售',
};

/** A date `days` after today in China Standard Time, YYYY-MM-DD. */
const inDays = (days: number) => new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);

describe('a commitment broken: the licence withdrawn through events, the chain in the audit log', () => {
  let testDb: TestDatabase;
  let db: Database;
  let transport: EventTransport;
  let host: HostedModules | undefined;
  let dataDir = '';
  let market = '';
  let licenceType = '';
  let other = '';
  const namespace = uniqueNamespace('commit');

  const md =
    (code: string, role = 'department') =>
    () => {
      const m = new Metadata();
      m.set(DEV_CALLER_HEADER, code);
      m.set(DEV_ROLE_HEADER, role);
      return m;
    };
  const opts = (as: string, role = 'department') => ({ addr: host!.address, as, role, timeoutMs: 15_000 });
  const certificates = <T>(
    as: string,
    fn: (c: certificateV1.CertificateServiceClient, o: ReturnType<typeof opts>) => Promise<T>,
  ) => withClient(certificateV1.CertificateServiceClient, opts(as), (c) => fn(c, opts(as)));
  const audit = <T>(fn: (c: auditV1.AuditServiceClient, o: ReturnType<typeof opts>) => Promise<T>) =>
    withClient(auditV1.AuditServiceClient, opts(AUDITOR, 'auditor'), (c) => fn(c, opts(AUDITOR, 'auditor')));
  const issue = (commitment?: { postCheckDue: string; terms: string }) =>
    certificates(market, (c, o) =>
      call(
        c.issueCertificate.bind(c),
        certificateV1.IssueCertificateRequest.fromPartial({
          typeCode: licenceType,
          holder: { code: HOLDER, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC, name: '上海承诺餐饮有限公司' },
          fields: LICENCE_FIELDS,
          ...(commitment ? { commitment } : {}),
        }),
        o,
      ),
    );
  const getCertificate = (id: string) =>
    certificates(market, (c, o) =>
      call(
        c.getCertificate.bind(c),
        certificateV1.GetCertificateRequest.fromPartial({ ref: { $case: 'id', value: id } }),
        o,
      ),
    );
  const credit = (code: string) => creditClient(host!.address, { metadata: md(code) });
  const commitmentsOf = async () => {
    const c = credit(market);
    try {
      return (await c.listCommitments({ subject: { subject: { $case: 'creditCode', value: HOLDER } } })).commitments;
    } finally {
      c.close();
    }
  };
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      return err as AppError;
    }
    throw new Error('expected a refusal');
  };
  const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);

  beforeAll(async () => {
    testDb = await freshDatabase('commitments');
    db = await openDatabase({ url: testDb.url });
    dataDir = await mkdtemp(path.join(tmpdir(), 'onceonly-commitments-'));
    const log = createLogger({ level: 'silent', service: 'hub' });
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'commitments-test', log });
    host = await hostModules({
      db,
      transport,
      log,
      graceMs: 2_000,
      mode: 'embedded',
      dataDir,
      // a namespace of its own (ADR 023): its topics and consumer groups are nobody else's on the shared broker
      namespace,
      env: {
        ONCEONLY_EXPIRY_SWEEP_MS: '0',
        ONCEONLY_CREDIT_SWEEP_MS: '0',
        ONCEONLY_AUDIT_CHECKPOINT_MS: '500',
      },
      modules: [certificateModule, creditModule, auditModule],
    });
    const types = await certificates('anyone', (c, o) =>
      call(c.listCertificateTypes.bind(c), certificateV1.ListCertificateTypesRequest.fromPartial({}), o),
    );
    // the business licence (营业执照): its number is the holder's credit code, this run's own, so no other test's
    // licence on the shared broker has the same issuer and number (numbers of other types repeat across databases)
    const licence = types.types.find((t) => t.nameZh === '营业执照')!;
    licenceType = licence.typeCode;
    market = licence.issuerCodes[0]!;
    other = types.types.flatMap((t) => t.issuerCodes).find((code) => code !== market)!;
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
    await transport?.close();
    await db?.close();
    await testDb?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('records a licensing decision (双公示) for every version: the grant, a change (变更) and a renewal (延续); status events follow the latest', async () => {
    const types = await certificates('anyone', (c, o) =>
      call(c.listCertificateTypes.bind(c), certificateV1.ListCertificateTypesRequest.fromPartial({}), o),
    );
    const food = types.types.find((t) => t.nameZh === '食品经营许可证')!;
    const issuer = food.issuerCodes[0]!;
    const act = <T>(fn: (c: certificateV1.CertificateServiceClient, o: ReturnType<typeof opts>) => Promise<T>) =>
      certificates(issuer, fn);
    const granted = await act((c, o) =>
      call(
        c.issueCertificate.bind(c),
        certificateV1.IssueCertificateRequest.fromPartial({
          typeCode: food.typeCode,
          holder: { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC, name: '上海长寿路小吃有限公司' },
          fields: FOOD_FIELDS,
        }),
        o,
      ),
    );
    const changed = await act((c, o) =>
      call(
        c.changeCertificate.bind(c),
        certificateV1.ChangeCertificateRequest.fromPartial({
          id: granted.certificate!.id,
          fields: { premises: '上海市普陀区长寿路202号' },
          holderName: '上海长寿路餐饮有限公司',
          reason: '经营场所变更',
        }),
        o,
      ),
    );
    const renewed = await act((c, o) =>
      call(
        c.renewCertificate.bind(c),
        certificateV1.RenewCertificateRequest.fromPartial({
          id: changed.certificate!.id,
          // five more years after the old end
          validTo: changed.certificate!.metadata!.validTo.replace(/^\d{4}/, (y) => String(Number(y) + 5)),
          reason: '有效期届满延续',
        }),
        o,
      ),
    );
    const ids = [granted, changed, renewed].map((r) => r.certificate!.id);
    const number = granted.certificate!.metadata!.number;

    type Row = { id: string; owner: string; body: { decisionNumber: string; change?: unknown; validTo?: string } };
    const rows = await waitFor(
      async () => {
        const { rows } = await db.query<Row>(
          "SELECT id, owner, state->'body' AS body FROM credit.records WHERE kind = 'licensing' AND subject_key = $1 ORDER BY decision_number",
          [SHOP],
        );
        return rows.length === 3 ? rows : undefined;
      },
      { timeoutMs: 45_000, message: 'a licensing record per version' },
    );
    expect(rows!.map((r) => [r.id, r.owner, r.body.decisionNumber])).toEqual([
      [ids[0], issuer, number],
      [ids[1], issuer, `${number}/v2`],
      [ids[2], issuer, `${number}/v3`],
    ]);
    expect(rows!.map((r) => r.body.change)).toEqual([
      undefined,
      { decision: 'changed', version: 2, previousCertificateId: ids[0] },
      { decision: 'renewed', version: 3, previousCertificateId: ids[1] },
    ]);
    expect(rows![2]!.body.validTo).toBe(renewed.certificate!.metadata!.validTo);

    // the profile answers each decision with its version (the replay maps the same fields)
    const c = credit(market);
    const profile = await c.getCreditProfile({
      subject: { subject: { $case: 'creditCode', value: SHOP } },
      purpose: '双公示核对',
    });
    c.close();
    const decisions = profile.records
      .flatMap((r) => (r.body?.$case === 'licensing' ? [r.body.value] : []))
      .map((l) => [l.decision, l.licenceVersion, l.previousCertificateId])
      .sort((a, b) => Number(a[1]) - Number(b[1]));
    expect(decisions).toEqual([
      ['granted', 1, ''],
      ['changed', 2, ids[0]],
      ['renewed', 3, ids[1]],
    ]);

    // a status change of the version in force is followed on that version's record
    await act((c, o) =>
      call(
        c.suspendCertificate.bind(c),
        certificateV1.SuspendCertificateRequest.fromPartial({
          id: ids[2],
          reason: '责令停业整顿',
          legalBasis: '食品安全法第一百二十六条',
        }),
        o,
      ),
    );
    await waitFor(
      async () => {
        const { rows } = await db.query<{ status: string }>(
          "SELECT state->'body'->>'licenceStatus' AS status FROM credit.records WHERE id = $1",
          [ids[2]],
        );
        return rows[0]?.status === 'suspended';
      },
      { timeoutMs: 45_000, message: 'the latest version’s record suspended' },
    );
  });

  it('refuses a due date in the past, writing nothing', async () => {
    const before = await count('SELECT count(*) AS n FROM certificate.certificates');
    const err = await failure(issue({ postCheckDue: inDays(-1), terms: '承诺具备经营场所' }));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.details.fields?.map((f) => [f.field, f.reason])).toEqual([['commitment.post_check_due', 'PAST']]);
    expect(await count('SELECT count(*) AS n FROM certificate.certificates')).toBe(before);
  });

  it('tracks the commitment, withdraws the licence on a broken post-check, and the audit log shows the chain', async () => {
    const due = inDays(30);
    const issued = await issue({ postCheckDue: due, terms: '承诺经营场所符合食品安全要求（承诺书 CN-2026-001）' });
    const certificateId = issued.certificate!.id;
    expect(issued.certificate?.commitment).toMatchObject({ postCheckDue: due });

    // 双公示 and the commitment, from certificate.issued
    const trackedList = await waitFor(
      async () => {
        const found = (await commitmentsOf()).filter((c) => c.certificateId === certificateId);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 45_000, message: 'the commitment tracked by the credit service' },
    );
    const tracked = trackedList![0]!;
    expect(tracked).toMatchObject({
      status: cv.CommitmentStatus.COMMITMENT_STATUS_OPEN,
      ownerCode: market,
      postCheckDue: due,
    });
    const licensing = await db.query<{ kind: string; owner: string }>(
      'SELECT kind, owner FROM credit.records WHERE id = $1',
      [certificateId],
    );
    expect(licensing.rows).toEqual([{ kind: 'licensing', owner: market }]);

    // the CLI: the commitment listed (--json), a post-check of an unknown one refused with its code
    const asMarket = ['--addr', host!.address, '--as', market, '--role', 'department', '--json'];
    const listed = await cli([...asMarket, 'credit', 'commitment', HOLDER]);
    expect(listed.code, listed.err).toBe(0);
    expect((JSON.parse(listed.out) as { commitments: { id: string }[] }).commitments.map((c) => c.id)).toContain(
      tracked!.id,
    );
    const unknownByCli = await cli([
      ...asMarket,
      ...['credit', 'post-check', 'no-such-commitment', '--result', 'broken', '--findings', '无'],
    ]);
    expect(unknownByCli.code).toBe(1);
    expect((JSON.parse(unknownByCli.err) as { error: { code: string } }).error.code).toBe(
      'CREDIT_COMMITMENT_NOT_FOUND',
    );

    // bad input: unknown commitment, another department: coded, nothing written
    const recordsBefore = await count('SELECT count(*) AS n FROM credit.records');
    const unknown = await failure(
      credit(market).recordPostCheck({
        commitmentId: 'no-such-commitment',
        result: cv.PostCheckResult.POST_CHECK_RESULT_BROKEN,
        findings: '无',
        inspector: '',
      }),
    );
    expect(unknown.code).toBe('CREDIT_COMMITMENT_NOT_FOUND');
    const foreign = await failure(
      credit(other).recordPostCheck({
        commitmentId: tracked!.id,
        result: cv.PostCheckResult.POST_CHECK_RESULT_BROKEN,
        findings: '现场无经营场所',
        inspector: '',
      }),
    );
    expect(foreign.code).toBe('CREDIT_NOT_OWNER');
    expect(await count('SELECT count(*) AS n FROM credit.records')).toBe(recordsBefore);
    expect((await commitmentsOf()).find((c) => c.id === tracked!.id)?.status).toBe(
      cv.CommitmentStatus.COMMITMENT_STATUS_OPEN,
    );

    // the broken post-check: a record, grade C, the commitment broken
    const checked = await credit(market).recordPostCheck({
      commitmentId: tracked!.id,
      result: cv.PostCheckResult.POST_CHECK_RESULT_BROKEN,
      findings: '现场核查：承诺的经营场所不存在',
      inspector: 'INS-0042',
    });
    expect(checked.commitment?.status).toBe(cv.CommitmentStatus.COMMITMENT_STATUS_BROKEN);
    expect(checked.record?.kind).toBe(cv.RecordKind.RECORD_KIND_POST_CHECK);
    expect(checked.grade?.grade).toBe(cv.GradeLetter.GRADE_LETTER_C);
    expect(checked.grade?.reasons.map((r) => r.ruleId)).toEqual(['broken-commitment-12m']);
    const again = await failure(
      credit(market).recordPostCheck({
        commitmentId: tracked!.id,
        result: cv.PostCheckResult.POST_CHECK_RESULT_KEPT,
        findings: '属实',
        inspector: '',
      }),
    );
    expect(again.code).toBe('CREDIT_COMMITMENT_CHECKED');

    // the certificate service withdraws the licence, consuming credit.commitment.broken
    const withdrawn = await waitFor(
      async () => {
        const c = (await getCertificate(certificateId)).certificate;
        return c?.status === certificateV1.LicenceStatus.LICENCE_STATUS_WITHDRAWN ? c : undefined;
      },
      { timeoutMs: 45_000, message: 'the licence withdrawn' },
    );
    expect(withdrawn!.revocation?.legalBasis).toContain('行政许可法》第六十九条');
    expect(withdrawn!.revocation?.reason).toContain('现场核查：承诺的经营场所不存在');

    // the licensing record follows the licence's state (credit.record.updated, caused by certificate.revoked)
    await waitFor(
      async () => {
        const { rows } = await db.query<{ state: { body: { licenceStatus: string } } }>(
          'SELECT state FROM credit.records WHERE id = $1',
          [certificateId],
        );
        return rows[0]?.state.body.licenceStatus === 'withdrawn' ? true : undefined;
      },
      { timeoutMs: 45_000, message: 'the licensing record withdrawn' },
    );

    // the chain in the audit log, walked back from the withdrawal by causation ids
    const revoked = await waitFor(
      async () => {
        const found = await audit((c, o) =>
          call(
            c.searchEvents.bind(c),
            auditV1.SearchEventsRequest.fromPartial({
              type: 'certificate.revoked',
              subject: HOLDER,
              page: { pageSize: 10 },
            }),
            o,
          ),
        );
        return found.entries[0];
      },
      { timeoutMs: 45_000, message: 'certificate.revoked in the audit log' },
    );
    const chain = await waitFor(
      async () => {
        const steps = await auditChain({ ...opts(AUDITOR, 'auditor') }, revoked!.event!.id);
        return steps.length >= 5 ? steps : undefined;
      },
      { timeoutMs: 45_000, message: 'the whole chain in the audit log' },
    );
    const steps = chain!;
    expect(steps.map((s) => s.type)).toEqual([
      'certificate.issued',
      'credit.commitment.tracked',
      'credit.record.recorded',
      'credit.commitment.broken',
      'certificate.revoked',
    ]);
    expect(steps[0]!.causationId).toBe('');
    for (let i = 1; i < steps.length; i++) expect(steps[i]!.causationId).toBe(steps[i - 1]!.eventId);

    // the replay checks every cause across the services (ADR 024 §5): none unknown to the log, none after its effect
    interface Report {
      ok: boolean;
      entries: number;
      findings: { kind: string; severity: string; message: string }[];
    }
    const report = await waitFor(
      async () => {
        const r = await cli([
          ...['--addr', host!.address, '--as', AUDITOR, '--role', 'auditor', '--json'],
          ...['audit', 'replay', '--namespace', namespace, '--no-projection', '--report', path.join(dataDir, 'replay')],
        ]);
        const parsed = JSON.parse(r.out) as Report;
        return parsed.ok ? parsed : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, message: 'a clean replay of the log with the chain' },
    );
    expect(report!.entries).toBeGreaterThanOrEqual(steps.length);
    expect(report!.findings.filter((f) => f.kind.startsWith('CAUSE_') && f.severity === 'divergence')).toEqual([]);
  }, 180_000);
});
