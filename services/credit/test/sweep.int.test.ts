import { creditV1 as cv, creditEventsV1 as ev } from '@onceonly/contracts';
import { waitFor } from '@onceonly/testing';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARKET_REGULATION, uscc } from './records.js';
import { type CreditHost, startCreditHost } from './support.js';

// The grade sweep every 100 ms while the test's clock moves: two heavy fines make a subject C; the day the first
// leaves the 12-month window the sweep recomputes it, B, with `credit.grade.changed` (no cause) and a history entry.

let hub: CreditHost;
let now = new Date('2026-03-04T02:00:00Z');
const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const subject = uscc(`91310107MB${Array.from({ length: 7 }, () => alphabet[Math.floor(Math.random() * 31)]).join('')}`);

beforeAll(async () => {
  hub = await startCreditHost({
    name: 'credit-sweep',
    env: { ONCEONLY_HOLDER_HASH_KEY: 'credit-sweep-holder-hash-key-0123456789', ONCEONLY_CREDIT_SWEEP_MS: '100' },
    clock: () => now,
  });
});

afterAll(async () => {
  await hub?.stop();
});

function fine(decisionDate: string, n: number): Partial<cv.RecordPenaltyRequest> {
  return {
    idempotencyKey: `sweep-${subject}-${n}`,
    subject: { subject: { $case: 'creditCode', value: subject } },
    partyName: '上海示范咖啡有限公司',
    authorityCode: MARKET_REGULATION,
    penalty: {
      decisionNumber: `沪市监普处〔2026〕S${subject.slice(10)}-${n}号`,
      name: '未按规定公示食品经营许可证',
      kinds: [cv.PenaltyKind.PENALTY_KIND_FINE],
      regime: cv.Regime.REGIME_SAMR,
      sector: cv.Sector.SECTOR_GENERAL,
      facts: '当事人未在经营场所显著位置悬挂许可证',
      legalBasis: '《中华人民共和国食品安全法》第一百二十六条',
      result: '罚款五万元',
      amountFen: '5000000',
      decisionDate,
      simpleProcedure: false,
    },
  };
}

async function storedGrade(): Promise<{ grade: string; review_on: string | null }> {
  const { rows } = await hub.db.query<{ grade: string; review_on: string | null }>(
    `SELECT grade, to_char(review_on, 'YYYY-MM-DD') AS review_on FROM credit.grades WHERE subject_key = $1`,
    [subject],
  );
  return rows[0]!;
}

describe('the grade sweep', () => {
  it('recomputes a grade the day a record leaves its rule window, once, as an event without a cause', async () => {
    const market = hub.as(MARKET_REGULATION);
    await market.recordPenalty(fine('2026-03-02', 1));
    const { grade } = await market.recordPenalty(fine('2026-03-03', 2));
    expect(grade).toMatchObject({ grade: cv.GradeLetter.GRADE_LETTER_C, reviewOn: '2027-03-02' });

    now = new Date('2027-03-01T02:00:00Z');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await storedGrade()).grade).toBe('C');

    now = new Date('2027-03-02T02:00:00Z');
    await waitFor(async () => (await storedGrade()).grade === 'B', { timeoutMs: 20_000, message: 'grade B' });
    // the next day the second fine leaves the window too: recomputed, still B, no new event
    now = new Date('2027-03-03T02:00:00Z');
    await waitFor(async () => (await storedGrade()).review_on === '2029-03-02', { timeoutMs: 20_000 });

    const events = (await waitFor(
      () => {
        const mine = hub.seen.filter((m) => m.key?.toString() === subject);
        return mine.length >= 5 ? mine : undefined;
      },
      { timeoutMs: 30_000 },
    )) as KafkaMessage[];
    await new Promise((resolve) => setTimeout(resolve, 500));
    const types = hub.seen.filter((m) => m.key?.toString() === subject).map((m) => m.headers?.ce_type?.toString());
    expect(types).toEqual([
      'credit.record.recorded',
      'credit.grade.changed',
      'credit.record.recorded',
      'credit.grade.changed',
      'credit.grade.changed',
    ]);
    const last = ev.GradeChanged.decode(events[4]!.value!);
    expect(last).toMatchObject({
      previous: cv.GradeLetter.GRADE_LETTER_C,
      causeRecordId: '',
      grade: { grade: cv.GradeLetter.GRADE_LETTER_B, asOf: '2027-03-02', reasons: [{ ruleId: 'general' }] },
    });
    const { history } = await market.getCreditProfile({
      subject: { subject: { $case: 'creditCode', value: subject } },
      purpose: '复核信用等级',
    });
    expect(history.map((h) => [h.grade?.grade, h.causeRecordId === ''])).toEqual([
      [cv.GradeLetter.GRADE_LETTER_B, false],
      [cv.GradeLetter.GRADE_LETTER_C, false],
      [cv.GradeLetter.GRADE_LETTER_B, true],
    ]);
  });
});
