import { creditV1 as cv, creditEventsV1 as ev } from '@onceonly/contracts';
import type { AppError } from '@onceonly/errors';
import { waitFor } from '@onceonly/testing';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDIT_TOPIC } from '../src/topics.js';
import { EMERGENCY, MARKET_REGULATION, PORTAL, uscc } from './records.js';
import { CITIZEN_ID, type CreditHost, startCreditHost } from './support.js';

// The credit service on PostgreSQL and Kafka through gRPC, as the hub hosts it: penalties change grades with their
// reasons and `credit.grade.changed` on the topic; bad input answers a code and writes nothing; profiles are read
// with role checks and every read recorded; repair takes a record out of the feed and the grade follows.

// a key per run: a person's subject key (and so its events on the kept topic) is new each run
const HASH_KEY = `credit-test-holder-hash-key-${Date.now()}`;
let hub: CreditHost;
// 2026-03-04 10:00 in Shanghai; tests move it on
let now = new Date('2026-03-04T02:00:00Z');

beforeAll(async () => {
  hub = await startCreditHost({ name: 'credit', env: { ONCEONLY_HOLDER_HASH_KEY: HASH_KEY }, clock: () => now });
});

afterAll(async () => {
  await hub?.stop();
});

const market = () => hub.as(MARKET_REGULATION);
let serial = 0;

function penalty(subject: string, more: Partial<cv.Penalty> = {}, key?: string): Partial<cv.RecordPenaltyRequest> {
  serial++;
  return {
    idempotencyKey: key ?? `k-${serial}`,
    subject: { subject: { $case: 'creditCode', value: subject } },
    partyName: '上海示范烘焙有限公司',
    authorityCode: MARKET_REGULATION,
    penalty: {
      decisionNumber: `沪市监普处〔2026〕${serial}号`,
      name: '销售超过保质期的食品',
      kinds: [cv.PenaltyKind.PENALTY_KIND_FINE],
      regime: cv.Regime.REGIME_SAMR,
      sector: cv.Sector.SECTOR_GENERAL,
      facts: '当事人销售超过保质期的面包',
      legalBasis: '《中华人民共和国食品安全法》第一百二十四条',
      result: '罚款五万元',
      amountFen: '5000000',
      decisionDate: '2026-03-02',
      simpleProcedure: false,
      ...more,
    },
  };
}

/** A credit code no earlier run used (the test broker keeps the topic between runs; events are found by key). */
function freshSubject(): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const tail = Array.from({ length: 7 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
  return uscc(`91310107MA${tail}`);
}

/** Waits until `pick` answers a list of at least `n`, and returns it. */
async function atLeast<T>(n: number, pick: () => T[]): Promise<T[]> {
  return (await waitFor(() => (pick().length >= n ? pick() : undefined), { timeoutMs: 30_000 })) as T[];
}

function eventsOf(key: string): KafkaMessage[] {
  return hub.seen.filter((m) => m.key?.toString() === key);
}

async function counts(): Promise<{ records: number; outbox: number; keys: number; grades: number }> {
  const { rows } = await hub.db.query<{ records: number; outbox: number; keys: number; grades: number }>(
    `SELECT (SELECT count(*)::int FROM credit.records) AS records, (SELECT count(*)::int FROM credit.outbox) AS outbox,
            (SELECT count(*)::int FROM credit.idempotency_keys) AS keys, (SELECT count(*)::int FROM credit.grades) AS grades`,
  );
  return rows[0]!;
}

async function refused(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('the call was not refused');
}

describe('penalties and grades on PostgreSQL and Kafka', () => {
  it('grades a subject B after one heavy fine and C after a second, each change an event with its reasons', async () => {
    now = new Date('2026-03-04T02:00:00Z');
    const bakery = freshSubject();
    const first = await market().recordPenalty(penalty(bakery));
    expect(first.record).toMatchObject({
      kind: cv.RecordKind.RECORD_KIND_PENALTY,
      ownerCode: MARKET_REGULATION,
      version: 1,
      status: cv.RecordStatus.RECORD_STATUS_ACTIVE,
      publicity: { published: true, publishBy: '2026-03-11', publicFrom: '2026-03-04', rule: 'samr/general' },
    });
    expect(first.grade).toMatchObject({ grade: cv.GradeLetter.GRADE_LETTER_B, ruleSet: 'grades/2026-3', version: 1 });
    const second = await market().recordPenalty(penalty(bakery, { decisionDate: '2026-03-03' }));
    expect(second.grade).toMatchObject({
      grade: cv.GradeLetter.GRADE_LETTER_C,
      version: 2,
      reasons: [
        {
          ruleId: 'non-minor-penalties-12m',
          wordsZh: '12个月内受到2次非轻微行政处罚',
          recordIds: [first.record!.id, second.record!.id],
        },
      ],
    });

    const events = await atLeast(4, () => eventsOf(bakery));
    expect(events.map((m) => m.headers?.ce_type?.toString())).toEqual([
      'credit.record.recorded',
      'credit.grade.changed',
      'credit.record.recorded',
      'credit.grade.changed',
    ]);
    const changed = ev.GradeChanged.decode(events[3]!.value!);
    expect(changed).toMatchObject({
      subject: { subjectKey: bakery, display: { $case: 'creditCode', value: bakery } },
      previous: cv.GradeLetter.GRADE_LETTER_B,
      grade: { grade: cv.GradeLetter.GRADE_LETTER_C, reasons: [{ ruleId: 'non-minor-penalties-12m' }] },
      causeRecordId: second.record!.id,
    });
    expect(ev.GradeChanged.decode(events[1]!.value!).previous).toBe(cv.GradeLetter.GRADE_LETTER_UNSPECIFIED);
    expect(ev.RecordChanged.decode(events[0]!.value!).record?.id).toBe(first.record!.id);
    expect(CREDIT_TOPIC.name).toBe('onceonly.credit.v1');
  });

  it('keeps a person by keyed hash and mask only: the citizen ID is in no table and no event', async () => {
    const { record } = await market().recordPenalty({
      ...penalty(''),
      subject: { subject: { $case: 'citizenId', value: CITIZEN_ID } },
      partyName: '张三',
    });
    expect(record?.subject?.display).toEqual({ $case: 'maskedCitizenId', value: '110105********002X' });
    const key = record!.subject!.subjectKey;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const events = await atLeast(2, () => eventsOf(key));
    for (const m of events) {
      expect(Buffer.concat([m.value!, Buffer.from(JSON.stringify(m.headers))]).includes(CITIZEN_ID)).toBe(false);
    }
    const { rows } = await hub.db.query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM credit.records WHERE state::text LIKE $1)
             + (SELECT count(*) FROM credit.outbox WHERE encode(body, 'escape') LIKE $1))::int AS n`,
      [`%${CITIZEN_ID}%`],
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('answers the first record again for the same idempotency key, and refuses the key for another request', async () => {
    const subject = freshSubject();
    const request = penalty(subject, {}, 'same-key');
    const first = await market().recordPenalty(request);
    const again = await market().recordPenalty(request);
    expect(again.replayed).toBe(true);
    expect(again.record?.id).toBe(first.record?.id);
    const other = await refused(market().recordPenalty({ ...penalty(subject), idempotencyKey: 'same-key' }));
    expect(other.code).toBe('IDEMPOTENCY_CONFLICT');
    const { rows } = await hub.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM credit.records WHERE subject_key = $1',
      [subject],
    );
    expect(rows[0]!.n).toBe(1);
  });

  it('answers concurrent calls with one idempotency key with one record', async () => {
    const subject = freshSubject();
    const request = penalty(subject, {}, `concurrent-${subject}`);
    const answers = await Promise.all([1, 2, 3].map(() => market().recordPenalty(request)));
    expect(new Set(answers.map((a) => a.record!.id)).size).toBe(1);
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
  });

  it('counts every record when several arrive for one subject at once', async () => {
    const subject = freshSubject();
    const all = await Promise.all([1, 2, 3, 4, 5].map(() => market().recordPenalty(penalty(subject))));
    expect(new Set(all.map((r) => r.record!.id)).size).toBe(5);
    const profile = await market().getCreditProfile({
      subject: { subject: { $case: 'creditCode', value: subject } },
      purpose: '监管核查',
    });
    expect(profile.records).toHaveLength(5);
    expect(profile.grade).toMatchObject({ grade: cv.GradeLetter.GRADE_LETTER_C, version: 5 });
    expect(profile.grade!.reasons[0]!.recordIds).toHaveLength(5);
    expect(profile.history.map((h) => h.grade!.grade)).toEqual([
      cv.GradeLetter.GRADE_LETTER_B,
      cv.GradeLetter.GRADE_LETTER_C,
    ]);
  });
});

describe('bad input', () => {
  const subject = freshSubject();
  const cases: [string, () => Partial<cv.RecordPenaltyRequest>, string, string[]][] = [
    [
      'a credit code with a wrong check character',
      () => penalty(`${subject.slice(0, 17)}${subject.endsWith('0') ? '1' : '0'}`),
      'USCC_INVALID',
      ['subject.credit_code'],
    ],
    [
      'a penalty without legal basis or decision number',
      () => penalty(subject, { legalBasis: '', decisionNumber: ' ' }),
      'INVALID_ARGUMENT',
      ['penalty.decision_number', 'penalty.legal_basis'],
    ],
    [
      'a decision after today',
      () => penalty(subject, { decisionDate: '2026-12-01' }),
      'INVALID_ARGUMENT',
      ['penalty.decision_date'],
    ],
    ['no kind of penalty', () => penalty(subject, { kinds: [] }), 'INVALID_ARGUMENT', ['penalty.kinds']],
    [
      'a citizen ID in the facts',
      () => penalty(subject, { facts: `当事人${CITIZEN_ID}销售` }),
      'PERSONAL_DATA_IN_TEXT',
      ['penalty.facts'],
    ],
  ];

  for (const [what, request, code, fields] of cases) {
    it(`refuses ${what} with ${code} and writes nothing`, async () => {
      const before = await counts();
      const err = await refused(market().recordPenalty(request()));
      expect(err.code).toBe(code);
      expect(err.fields.map((f) => f.field).sort()).toEqual(fields);
      expect(await counts()).toEqual(before);
    });
  }

  it('refuses a department recording a penalty in another department’s name, and platforms', async () => {
    const before = await counts();
    expect((await refused(hub.as(EMERGENCY).recordPenalty(penalty(subject)))).code).toBe('CREDIT_NOT_OWNER');
    expect((await refused(hub.as(PORTAL, 'portal').recordPenalty(penalty(subject)))).code).toBe('PERMISSION_DENIED');
    expect(await counts()).toEqual(before);
  });
});

describe('profiles', () => {
  const subject = freshSubject();
  const named = { subject: { $case: 'creditCode' as const, value: subject } };

  it('records every read by a department or an auditor before answering it', async () => {
    await market().recordPenalty(penalty(subject));
    const read = await hub.as(EMERGENCY).getCreditProfile({ subject: named, purpose: '安全生产检查前核查' });
    expect(read.subject).toMatchObject({ subjectKey: subject, name: '上海示范烘焙有限公司' });
    expect(read.records).toHaveLength(1);
    await hub.as(uscc('11310000MB2F09990'), 'auditor').getCreditProfile({ subject: named });
    const { rows } = await hub.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM credit.outbox WHERE type = 'credit.profile.read'`,
    );
    expect(rows[0]!.n).toBeGreaterThanOrEqual(2);
    const events = await atLeast(2, () =>
      eventsOf(subject).filter((m) => m.headers?.ce_type?.toString() === 'credit.profile.read'),
    );
    expect(ev.ProfileRead.decode(events[0]!.value!)).toMatchObject({
      readerCode: EMERGENCY,
      readerRole: 'department',
      purpose: '安全生产检查前核查',
    });
  });

  it('is refused to platforms and the portal, and to a department that gives no purpose, writing nothing', async () => {
    const before = await counts();
    expect((await refused(hub.as(PORTAL, 'portal').getCreditProfile({ subject: named, purpose: 'x' }))).code).toBe(
      'PERMISSION_DENIED',
    );
    expect((await refused(hub.as(EMERGENCY).getCreditProfile({ subject: named }))).code).toBe('INVALID_ARGUMENT');
    expect(await counts()).toEqual(before);
  });
});

describe('repair', () => {
  it('is refused before the minimum period, then granted by the owner: the record leaves the feed, the grade follows', async () => {
    now = new Date('2026-03-04T02:00:00Z');
    const subject = freshSubject();
    const a = await market().recordPenalty(penalty(subject));
    const b = await market().recordPenalty(penalty(subject, { decisionDate: '2026-03-03' }));
    expect(b.grade?.grade).toBe(cv.GradeLetter.GRADE_LETTER_C);
    const id = a.record!.id;
    const application = {
      recordId: id,
      expectedVersion: 1,
      conditions: [
        cv.RepairCondition.REPAIR_CONDITION_OBLIGATIONS_FULFILLED,
        cv.RepairCondition.REPAIR_CONDITION_HARM_REMOVED,
        cv.RepairCondition.REPAIR_CONDITION_NOT_REPEATED,
        cv.RepairCondition.REPAIR_CONDITION_NOT_LISTED,
      ],
      statement: '罚款已缴清，问题已整改',
    };
    const before = await counts();
    const early = await refused(hub.as(PORTAL, 'portal').applyForRepair(application));
    expect(early.code).toBe('CREDIT_REPAIR_TOO_EARLY');
    expect(await counts()).toEqual(before);

    now = new Date('2026-09-07T02:00:00Z');
    // the second penalty is later than the first: "not repeated" is contradicted for the first, so repair the second
    const contradicted = await refused(hub.as(PORTAL, 'portal').applyForRepair(application));
    expect(contradicted.code).toBe('CREDIT_REPAIR_CONDITIONS_UNMET');
    const applied = await hub.as(PORTAL, 'portal').applyForRepair({ ...application, recordId: b.record!.id });
    expect(applied.record).toMatchObject({ status: cv.RecordStatus.RECORD_STATUS_REPAIR_PENDING, version: 2 });
    expect(
      (
        await refused(
          hub
            .as(EMERGENCY)
            .decideRepair({ recordId: b.record!.id, expectedVersion: 2, granted: true, reasons: '同意' }),
        )
      ).code,
    ).toBe('CREDIT_NOT_OWNER');
    const decided = await market().decideRepair({
      recordId: b.record!.id,
      expectedVersion: 2,
      granted: true,
      reasons: '符合信用修复条件',
    });
    expect(decided.record).toMatchObject({ status: cv.RecordStatus.RECORD_STATUS_REPAIRED, version: 3 });
    expect(decided.grade?.grade).toBe(cv.GradeLetter.GRADE_LETTER_B);
    const stale = await refused(
      market().decideRepair({ recordId: b.record!.id, expectedVersion: 2, granted: true, reasons: '重复' }),
    );
    expect(stale.code).toBe('CREDIT_VERSION_CONFLICT');

    const types = await atLeast(7, () => eventsOf(subject).map((m) => m.headers?.ce_type?.toString()));
    expect(types.slice(4)).toEqual([
      'credit.record.repair-applied',
      'credit.record.repair-decided',
      'credit.grade.changed',
    ]);
  });
});

describe('repair of what cannot be repaired', () => {
  it('refuses a commendation and a heavy SAMR sanction (excluded from early repair), writing nothing', async () => {
    now = new Date('2026-03-04T02:00:00Z');
    const subject = freshSubject();
    const commended = await market().recordCommendation({
      idempotencyKey: `commend-${subject}`,
      subject: { subject: { $case: 'creditCode', value: subject } },
      partyName: '上海示范烘焙有限公司',
      authorityCode: MARKET_REGULATION,
      commendation: {
        decisionNumber: `沪市监普表〔2026〕${subject.slice(10)}号`,
        title: '诚信经营示范单位',
        legalBasis: '《上海市社会信用条例》',
        decisionDate: '2026-03-02',
      },
    });
    const revoked = await market().recordPenalty(
      penalty(subject, { kinds: [cv.PenaltyKind.PENALTY_KIND_LICENCE_REVOKED], amountFen: '0' }),
    );
    now = new Date('2029-01-04T02:00:00Z'); // long after any minimum period
    const before = await counts();
    for (const record of [commended.record!, revoked.record!]) {
      const refusal = await refused(
        hub.as(PORTAL, 'portal').applyForRepair({
          recordId: record.id,
          expectedVersion: 1,
          conditions: [
            cv.RepairCondition.REPAIR_CONDITION_OBLIGATIONS_FULFILLED,
            cv.RepairCondition.REPAIR_CONDITION_HARM_REMOVED,
            cv.RepairCondition.REPAIR_CONDITION_NOT_REPEATED,
            cv.RepairCondition.REPAIR_CONDITION_NOT_LISTED,
          ],
          statement: '已整改',
        }),
      );
      expect(refusal.code, record.id).toBe('CREDIT_NOT_REPAIRABLE');
    }
    expect(await counts()).toEqual(before);
  });
});

describe('the serious-dishonesty list', () => {
  it('grades a listed subject D, and an exit lifts it', async () => {
    now = new Date('2026-03-04T02:00:00Z');
    const subject = freshSubject();
    const listing = (exit: boolean, entry = '') => ({
      idempotencyKey: `l-${++serial}`,
      subject: { subject: { $case: 'creditCode' as const, value: subject } },
      partyName: '上海示范烘焙有限公司',
      authorityCode: MARKET_REGULATION,
      exit,
      listing: {
        decisionNumber: `沪市监普列〔2026〕${serial}号`,
        reasons: exit ? '整改完成，提前移出' : '一年内三次较重行政处罚',
        legalBasis: '《市场监督管理严重违法失信名单管理办法》',
        decisionDate: '2026-03-03',
        entryRecordId: entry,
      },
    });
    const entry = await market().recordListing(listing(false));
    expect(entry.grade).toMatchObject({ grade: cv.GradeLetter.GRADE_LETTER_D, reasons: [{ ruleId: 'listed' }] });
    expect((await refused(market().recordListing(listing(false)))).code).toBe('CREDIT_ALREADY_LISTED');
    const exit = await market().recordListing(listing(true, entry.record!.id));
    expect(exit.grade?.grade).toBe(cv.GradeLetter.GRADE_LETTER_B);
  });
});

describe('the public feed', () => {
  it('shows published records inside their window to anyone, never warnings, repaired or expired ones', async () => {
    now = new Date('2026-03-10T02:00:00Z');
    const subject = freshSubject();
    const fines = [];
    for (const date of ['2026-03-02', '2026-03-03', '2026-03-04']) {
      fines.push((await market().recordPenalty(penalty(subject, { decisionDate: date }))).record!);
    }
    const warning = await market().recordPenalty(
      penalty(subject, { kinds: [cv.PenaltyKind.PENALTY_KIND_WARNING], amountFen: '0' }),
    );
    expect(warning.record?.publicity).toMatchObject({ published: false, notPublishedReason: 'warning-only' });
    const platform = hub.as(uscc('91310107MA1G8K2D3'), 'platform');
    const first = await platform.listPublicRecords({ creditCode: subject, pageSize: 2 });
    expect(first.asOf).toBe('2026-03-10');
    expect(first.nextPageToken).not.toBe('');
    const second = await platform.listPublicRecords({
      creditCode: subject,
      pageSize: 2,
      pageToken: first.nextPageToken,
    });
    expect(second.nextPageToken).toBe('');
    const shown = [...first.records, ...second.records].map((r) => r.id);
    expect(shown.sort()).toEqual(fines.map((f) => f.id).sort());

    // a person: by mask and name, never the keyed hash
    const person = await market().recordPenalty({
      ...penalty(''),
      subject: { subject: { $case: 'citizenId', value: CITIZEN_ID } },
      partyName: '李四',
    });
    const all = await platform.listPublicRecords({ kind: cv.RecordKind.RECORD_KIND_PENALTY, pageSize: 200 });
    const seen = all.records.find((r) => r.id === person.record!.id);
    expect(seen?.subject).toEqual({
      subjectKey: '',
      display: { $case: 'maskedCitizenId', value: '110105********002X' },
      name: '李四',
    });

    // after the maximum period (3 years), nothing of it is public any more
    now = new Date('2029-06-01T02:00:00Z');
    expect((await platform.listPublicRecords({ creditCode: subject })).records).toEqual([]);
    expect((await refused(platform.listPublicRecords({ pageToken: 'not-a-token' }))).code).toBe('INVALID_ARGUMENT');
  });

  it('leaves a repaired record out', async () => {
    now = new Date('2026-03-04T02:00:00Z');
    const subject = freshSubject();
    const { record } = await market().recordPenalty(penalty(subject));
    now = new Date('2026-09-07T02:00:00Z');
    const conditions = [
      cv.RepairCondition.REPAIR_CONDITION_OBLIGATIONS_FULFILLED,
      cv.RepairCondition.REPAIR_CONDITION_HARM_REMOVED,
      cv.RepairCondition.REPAIR_CONDITION_NOT_REPEATED,
      cv.RepairCondition.REPAIR_CONDITION_NOT_LISTED,
    ];
    const feed = () => hub.as(PORTAL, 'portal').listPublicRecords({ creditCode: subject });
    expect((await feed()).records.map((r) => r.id)).toEqual([record!.id]);
    await hub
      .as(PORTAL, 'portal')
      .applyForRepair({ recordId: record!.id, expectedVersion: 1, conditions, statement: '已整改' });
    // pending: still public, without the application
    expect((await feed()).records[0]?.repair).toBeUndefined();
    await market().decideRepair({ recordId: record!.id, expectedVersion: 2, granted: true, reasons: '同意修复' });
    expect((await feed()).records).toEqual([]);
    // departments still see it, marked repaired
    const profile = await market().getCreditProfile({
      subject: { subject: { $case: 'creditCode', value: subject } },
      purpose: '核查',
    });
    expect(profile.records[0]?.status).toBe(cv.RecordStatus.RECORD_STATUS_REPAIRED);
  });
});
