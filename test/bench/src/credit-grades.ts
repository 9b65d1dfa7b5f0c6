import { randomBytes } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { type CreditRecord, creditGradeSweep, creditModule, gradeOf } from '@onceonly/credit';
import { type CreditClient, creditClient, creditV1 as cv } from '@onceonly/credit/client';
import { createKafkaTransport } from '@onceonly/events';
import { computeUsccCheck } from '@onceonly/ids';
import { DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import { hostModules } from '@onceonly/kit/testing';
import type { Database } from '@onceonly/store';
import { chinaDateOf, type PlainDate } from '@onceonly/workdays';
import { benchLogger } from './certificate-host.js';
import { countingDatabase, kindsSince } from './counting-database.js';
import { fmt, type Ratio, type Suite } from './suite.js';

const ROUNDS = 3;
const CONCURRENCY = 8;
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function uscc(n: number, prefix = '913101070'): string {
  const body = `${prefix}${String(n).padStart(8, '0')}`;
  return body + computeUsccCheck(body);
}

const MARKET = uscc(1, '113101070');
/** Decisions of early March 2026; the records are made on 2026-03-04 and regraded on 2027-03-10. */
const RECORDED_AT = new Date('2026-03-04T02:00:00Z');
const REGRADED_AT = new Date('2027-03-10T02:00:00Z');

/**
 * The mix, per ten subjects: four with one warning (B, reviewed in 36 months), three with two non-minor fines 1
 * day apart (C; on 2027-03-10 both have left the 12-month window: B, a change with its event), one on the
 * serious-dishonesty list (D), two with a commendation only (A).
 */
type Mix = 'warning' | 'fines' | 'listed' | 'commended';
const mixOf = (i: number): Mix =>
  (
    ['warning', 'warning', 'warning', 'warning', 'fines', 'fines', 'fines', 'listed', 'commended', 'commended'] as const
  )[i % 10]!;

let serial = 0;
function requests(code: string, mix: Mix): (() => (c: CreditClient) => Promise<unknown>)[] {
  const subject = { subject: { $case: 'creditCode' as const, value: code } };
  const base = { subject, partyName: '上海示范企业有限公司', authorityCode: MARKET };
  const penalty = (kind: cv.PenaltyKind, amountFen: string, decisionDate: string) => () => {
    const n = ++serial;
    return (c: CreditClient) =>
      c.recordPenalty({
        ...base,
        idempotencyKey: `bench-${n}`,
        penalty: {
          decisionNumber: `沪市监普处〔2026〕${n}号`,
          name: '销售超过保质期的食品',
          kinds: [kind],
          regime: cv.Regime.REGIME_SAMR,
          sector: cv.Sector.SECTOR_GENERAL,
          facts: '当事人销售超过保质期的食品',
          legalBasis: '《中华人民共和国食品安全法》第一百二十四条',
          result: '处罚',
          amountFen,
          decisionDate,
          simpleProcedure: false,
        },
      });
  };
  switch (mix) {
    case 'warning':
      return [penalty(cv.PenaltyKind.PENALTY_KIND_WARNING, '0', '2026-03-02')];
    case 'fines':
      return [
        penalty(cv.PenaltyKind.PENALTY_KIND_FINE, '5000000', '2026-03-02'),
        penalty(cv.PenaltyKind.PENALTY_KIND_FINE, '5000000', '2026-03-03'),
      ];
    case 'listed':
      return [
        () => {
          const n = ++serial;
          return (c) =>
            c.recordListing({
              ...base,
              idempotencyKey: `bench-${n}`,
              exit: false,
              listing: {
                decisionNumber: `沪市监普列〔2026〕${n}号`,
                reasons: '一年内三次较重行政处罚',
                legalBasis: '《市场监督管理严重违法失信名单管理办法》',
                decisionDate: '2026-03-03',
                entryRecordId: '',
              },
            });
        },
      ];
    case 'commended':
      return [
        () => {
          const n = ++serial;
          return (c) =>
            c.recordCommendation({
              ...base,
              idempotencyKey: `bench-${n}`,
              commendation: {
                decisionNumber: `沪表〔2026〕${n}号`,
                title: '守信激励',
                legalBasis: '《上海市社会信用条例》',
                decisionDate: '2026-03-02',
              },
            });
        },
      ];
  }
}

export interface GradeCosts {
  subjects: number;
  records: number;
  /** Round 1: the subjects due as time passed (their fines left the window: each grade changes). */
  due: { regraded: number; changed: number; ms: number; statements: number; kinds: [string, number][] };
  /** Rounds 2–: every subject made due again (`review_on` set to today): each regraded, none changes. */
  forcedMs: number[];
  forcedStatements: number;
  forcedKinds: [string, number][];
  /** Baselines per round, over every subject: the pure `gradeOf` on the same records; a bare read and update. */
  pureMs: number[];
  bareMs: number[];
  bareStatements: number;
}

async function seed(db: Database, brokers: string[], subjects: number): Promise<number> {
  const { log } = benchLogger();
  const transport = await createKafkaTransport({ brokers, clientId: 'bench-credit', log });
  const host = await hostModules({
    db,
    transport,
    log,
    graceMs: 5_000,
    clock: () => RECORDED_AT,
    env: { ONCEONLY_HOLDER_HASH_KEY: randomBytes(32).toString('hex'), ONCEONLY_CREDIT_SWEEP_MS: '0' },
    modules: [creditModule],
  });
  const metadata = new Metadata();
  metadata.set(DEV_CALLER_HEADER, MARKET);
  metadata.set(DEV_ROLE_HEADER, 'department');
  const client = creditClient(host.address, { metadata: () => metadata });
  // one subject's records in order (its second fine must count the first); subjects side by side
  const queue = Array.from({ length: subjects }, (_, i) => requests(uscc(100_000 + i), mixOf(i)));
  let records = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        for (const make of next) {
          await make()(client);
          records++;
        }
      }
    }),
  );
  client.close();
  await host.stop('seeded');
  await transport.close();
  return records;
}

async function recordsBySubject(db: Database): Promise<CreditRecord[][]> {
  const { rows } = await db.query<{ state: CreditRecord }>(
    'SELECT state FROM credit.records ORDER BY subject_key, decision_date, id',
  );
  const by = new Map<string, CreditRecord[]>();
  for (const { state } of rows) by.set(state.subject.key, [...(by.get(state.subject.key) ?? []), state]);
  return [...by.values()];
}

export async function measureGrades(db: Database, brokers: string[], subjects: number): Promise<GradeCosts> {
  const records = await seed(db, brokers, subjects);
  const counting = countingDatabase(db);
  const sweep = creditGradeSweep({ db: counting, clock: () => REGRADED_AT });
  const today = chinaDateOf(REGRADED_AT);

  let before = counting.statementsByKind();
  let n0 = counting.statements();
  let start = process.hrtime.bigint();
  const first = await sweep();
  const due = {
    ...first,
    ms: ms(start),
    statements: counting.statements() - n0,
    kinds: kindsSince(before, counting.statementsByKind()),
  };

  const bySubject = await recordsBySubject(db);
  const keys = bySubject.map((rs) => rs[0]!.subject.key);
  const costs: GradeCosts = {
    subjects,
    records,
    due,
    forcedMs: [],
    forcedStatements: 0,
    forcedKinds: [],
    pureMs: [],
    bareMs: [],
    bareStatements: 0,
  };
  // alternating rounds, so that the shared machine's noise falls on all three
  for (let r = 0; r < ROUNDS; r++) {
    start = process.hrtime.bigint();
    let letters = 0;
    for (const rs of bySubject) letters += gradeOf(rs, today as PlainDate).grade.length;
    costs.pureMs.push(ms(start));
    if (letters !== bySubject.length) throw new Error('gradeOf answered no grade');

    await db.query('UPDATE credit.grades SET review_on = $1::date', [today]);
    before = counting.statementsByKind();
    n0 = counting.statements();
    start = process.hrtime.bigint();
    const forced = await sweep();
    costs.forcedMs.push(ms(start));
    if (forced.regraded !== bySubject.length || forced.changed !== 0)
      throw new Error(`forced sweep: ${JSON.stringify(forced)} of ${bySubject.length}`);
    costs.forcedStatements = counting.statements() - n0;
    costs.forcedKinds = kindsSince(before, counting.statementsByKind());

    // the baseline: per subject, read its records' state and update its grade row, on the same pool
    n0 = counting.statements();
    start = process.hrtime.bigint();
    for (const key of keys) {
      await counting.query('SELECT state FROM credit.records WHERE subject_key = $1', [key]);
      await counting.query('UPDATE credit.grades SET updated_at = $2 WHERE subject_key = $1', [key, REGRADED_AT]);
    }
    costs.bareMs.push(ms(start));
    costs.bareStatements = counting.statements() - n0;
  }
  return costs;
}

function markdown(c: GradeCosts): string {
  const perSec = (count: number, msTotal: number) => (count * 1000) / msTotal;
  const forced = median(c.forcedMs);
  const bare = median(c.bareMs);
  const pure = median(c.pureMs);
  const kinds = (k: [string, number][], per: number) => k.map(([kind, n]) => `${kind} ${fmt(n / per, 2)}`).join(', ');
  return [
    `### Grade recomputations: ${c.subjects.toLocaleString('en')} subjects, ${c.records.toLocaleString('en')} records`,
    '',
    `Recorded through the service's gRPC on 2026-03-04 (per ten subjects: four with a warning, three with two non-minor fines, one on the serious-dishonesty list, two commended), then regraded by the service's sweep (\`creditGradeSweep\`: \`regradeSubject\` per subject, each its own transaction conditional on the subject's version) on 2027-03-10 on PostgreSQL. Round 1: the subjects due as time passed (the fines left the 12-month window: C → B, each with its history entry and \`credit.grade.changed\` in the outbox). Then ${ROUNDS} alternating rounds over every subject made due again (none changes), beside the pure \`gradeOf\` on the same records and a bare read of the subject's records and update of its grade row (2 statements) on the same pool. Median (range).`,
    '',
    '| what | subjects | ms | recomputations/s | statements/recomputation | × bare read+update |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| bare read + update per subject (baseline) | ${c.subjects} | ${fmt(bare, 0)} | ${fmt(perSec(c.subjects, bare), 0)} | ${fmt(c.bareStatements / c.subjects, 2)} | 1 |`,
    `| pure \`gradeOf\` (baseline) | ${c.subjects} | ${fmt(pure, 1)} | ${fmt(perSec(c.subjects, pure), 0)} | 0 | ${fmt(pure / bare, 3)} |`,
    `| sweep, every subject, no change | ${c.subjects} | ${fmt(forced, 0)} (${fmt(Math.min(...c.forcedMs), 0)}–${fmt(Math.max(...c.forcedMs), 0)}) | ${fmt(perSec(c.subjects, forced), 0)} | ${fmt(c.forcedStatements / c.subjects, 2)} | ${fmt(forced / bare, 2)} |`,
    `| sweep, due as time passed (round 1, ${c.due.changed} changed) | ${c.due.regraded} | ${fmt(c.due.ms, 0)} | ${fmt(perSec(c.due.regraded, c.due.ms), 0)} | ${fmt(c.due.statements / c.due.regraded, 2)} | ${fmt(c.due.ms / c.due.regraded / (bare / c.subjects), 2)} |`,
    '',
    `Statements per recomputation, no change: ${kinds(c.forcedKinds, c.subjects)}. Round 1 (changes): ${kinds(c.due.kinds, c.due.regraded)}.`,
  ].join('\n');
}

/** Issue 13's bench row: grade recomputations per second through the service's sweep, beside baselines. */
export const creditGradesSuite: Suite = {
  name: 'credit-grades',
  title: 'Credit: grade recomputations',
  async run({ brokers, withFreshDatabase, scale }) {
    const subjects = Math.max(100, Math.round(1_000 * scale));
    const costs = await withFreshDatabase((db) => measureGrades(db, brokers, subjects));
    const forced = median(costs.forcedMs);
    const bare = median(costs.bareMs);
    const ratios: Ratio[] = [
      {
        name: 'grade recomputation through the sweep / bare read+update of the subject, time',
        value: forced / bare,
        meaning: "what regradeSubject costs beyond one read of the subject's records and one update of its grade row",
      },
      {
        name: 'grade recomputation through the sweep / pure gradeOf, time',
        value: forced / median(costs.pureMs),
        meaning: 'the share of the rules themselves in a recomputation (the rest is PostgreSQL)',
      },
    ];
    return { markdown: markdown(costs), json: costs, ratios };
  },
};
