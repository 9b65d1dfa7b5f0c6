/**
 * Hostile input at the edge of the credit service, through gRPC to the service on PostgreSQL: every case answers a
 * coded error (status, ErrorInfo reason, field) and writes nothing. Raw bytes go through a raw client, so that
 * invalid UTF-8, field number 0 and oversized messages reach the server as they are.
 */
import { status } from '@grpc/grpc-js';
import { creditV1 as cv } from '@onceonly/contracts';
import type { AppError } from '@onceonly/errors';
import {
  type ExpectedRefusal,
  oversizedRequest,
  refusal,
  refusalOf,
  refusedRawCall,
  withRawBytes,
} from '@onceonly/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAKERY, MARKET_REGULATION } from './records.js';
import { CITIZEN_ID, type CreditHost, startCreditHost } from './support.js';

const RECORD = '/onceonly.credit.v1.CreditService/RecordPenalty';
let hub: CreditHost;
let keys = 0;

function request(more: Partial<cv.RecordPenaltyRequest> = {}, penalty: Partial<cv.Penalty> = {}) {
  return cv.RecordPenaltyRequest.fromPartial({
    idempotencyKey: `hostile-${++keys}`,
    subject: { subject: { $case: 'creditCode', value: BAKERY } },
    partyName: '上海示范烘焙有限公司',
    authorityCode: MARKET_REGULATION,
    penalty: {
      decisionNumber: `沪市监普处〔2026〕H${keys}号`,
      name: '销售超过保质期的食品',
      kinds: [cv.PenaltyKind.PENALTY_KIND_FINE],
      regime: cv.Regime.REGIME_SAMR,
      sector: cv.Sector.SECTOR_GENERAL,
      facts: '当事人销售超过保质期的面包',
      legalBasis: '《中华人民共和国食品安全法》第一百二十四条',
      result: '罚款',
      amountFen: '5000000',
      decisionDate: '2026-03-02',
      ...penalty,
    },
    ...more,
  });
}

async function refused(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('the call was not refused');
}

async function counts() {
  const { rows } = await hub.db.query<{ records: number; outbox: number; keys: number; grades: number }>(
    `SELECT (SELECT count(*)::int FROM credit.records) AS records, (SELECT count(*)::int FROM credit.outbox) AS outbox,
            (SELECT count(*)::int FROM credit.idempotency_keys) AS keys, (SELECT count(*)::int FROM credit.grades) AS grades`,
  );
  return rows[0]!;
}

beforeAll(async () => {
  hub = await startCreditHost({
    name: 'credit-hostile',
    env: { ONCEONLY_HOLDER_HASH_KEY: 'credit-hostile-hash-key-0123456789', ONCEONLY_CREDIT_SWEEP_MS: '0' },
    clock: () => new Date('2026-03-04T02:00:00Z'),
  });
  // one record, so that the outbox holds events to search
  await hub.as(MARKET_REGULATION).recordPenalty(request());
});

afterAll(async () => {
  await hub?.stop();
});

type Expected = ExpectedRefusal;
const bad = refusal;
const record = (r: cv.RecordPenaltyRequest) => () => refused(hub.as(MARKET_REGULATION).recordPenalty(r));
const raw = (bytes: Buffer) =>
  refusedRawCall(hub.host.address, RECORD, bytes, { code: MARKET_REGULATION, role: 'department' });

const cases: [string, () => Promise<AppError>, Expected][] = [
  [
    'a NUL byte in the facts',
    record(request({}, { facts: '销售\u0000面包' })),
    bad('TEXT_INVALID', 'penalty.facts', 'CONTROL_CHARACTER'),
  ],
  [
    'a right-to-left override in the decision number',
    record(request({}, { decisionNumber: '沪\u202e处1号' })),
    bad('TEXT_INVALID', 'penalty.decision_number', 'BIDI_CONTROL'),
  ],
  [
    'a citizen ID in the party name',
    record(request({ partyName: `张三 ${CITIZEN_ID}` })),
    bad('PERSONAL_DATA_IN_TEXT', 'party_name', 'CITIZEN_ID'),
  ],
  [
    'a citizen ID with a wrong check character as the subject',
    record(request({ subject: { subject: { $case: 'citizenId', value: '110105194912310021' } } })),
    bad('CITIZEN_ID_INVALID', 'subject.citizen_id', 'CITIZEN_ID'),
  ],
  [
    'an authority code with a wrong check character',
    record(
      request({ authorityCode: `${MARKET_REGULATION.slice(0, 17)}${MARKET_REGULATION.endsWith('1') ? '2' : '1'}` }),
    ),
    bad('USCC_INVALID', 'authority_code', 'USCC_CHECK_CHARACTER'),
  ],
  ['no subject', record(request({ subject: undefined })), bad('INVALID_ARGUMENT', 'subject', 'REQUIRED')],
  [
    'a decision date that is not a date',
    record(request({}, { decisionDate: '2026-02-30' })),
    bad('INVALID_ARGUMENT', 'penalty.decision_date', 'DATE'),
  ],
  [
    'an amount that is not a number',
    record(request({}, { amountFen: '-5' })),
    bad('INVALID_ARGUMENT', 'penalty.amount_fen', 'OUT_OF_RANGE'),
  ],
  [
    'an unknown kind of penalty',
    record(request({}, { kinds: [99 as cv.PenaltyKind] })),
    bad('INVALID_ARGUMENT', 'penalty.kinds', 'KIND'),
  ],
  [
    'no regime',
    record(request({}, { regime: cv.Regime.REGIME_UNSPECIFIED })),
    bad('INVALID_ARGUMENT', 'penalty.regime', 'REQUIRED'),
  ],
  [
    'invalid UTF-8 bytes sent raw in the legal basis',
    () =>
      raw(
        withRawBytes(
          (legalBasis) => cv.RecordPenaltyRequest.encode(request({}, { legalBasis })).finish(),
          Buffer.from([0x41, 0xff, 0xfe, 0x42]),
        ),
      ),
    bad('TEXT_INVALID', 'penalty.legal_basis', 'INVALID_UTF8'),
  ],
  [
    'a message over the 4 MiB receive limit',
    () => raw(oversizedRequest(4 * 1024 * 1024 + 64)),
    { status: status.RESOURCE_EXHAUSTED, code: 'REQUEST_TOO_LARGE', field: 'request', reason: 'TOO_LARGE' },
  ],
  [
    'a protobuf field number 0',
    () =>
      raw(
        Buffer.concat([
          Buffer.from(cv.RecordPenaltyRequest.encode(request()).finish()),
          Buffer.from([0x02, 0x01, 0x41]),
        ]),
      ),
    bad('REQUEST_MALFORMED', 'request', 'FIELD_NUMBER_ZERO'),
  ],
];

describe('hostile input at the credit service edge', () => {
  it.each(cases)('refuses %s with a coded error and writes nothing', async (_name, send, expected) => {
    const before = await counts();
    const err = await send();
    expect(refusalOf(err, expected.field)).toEqual(expected);
    expect(await counts()).toEqual(before);
  });

  it('keeps the citizen ID out of the error, the tables, the outbox and the logs', async () => {
    const err = await record(request({}, { facts: `当事人 ${CITIZEN_ID}` }))();
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain(CITIZEN_ID);
    await hub
      .as(MARKET_REGULATION)
      .recordPenalty(request({ subject: { subject: { $case: 'citizenId', value: CITIZEN_ID } }, partyName: '张三' }));
    expect(hub.host.logText()).not.toContain(CITIZEN_ID);
    for (const table of ['records', 'grades', 'grade_history', 'outbox', 'idempotency_keys']) {
      const { rows } = await hub.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM credit.${table} t WHERE position($1 in t::text) > 0`,
        [CITIZEN_ID],
      );
      expect(rows[0]!.n, table).toBe(0);
    }
    const { rows } = await hub.db.query<{ n: number; events: number }>(
      `SELECT count(*) FILTER (WHERE position(convert_to($1, 'UTF8') in body) > 0)::int AS n, count(*)::int AS events
       FROM credit.outbox`,
      [CITIZEN_ID],
    );
    expect(rows[0]).toMatchObject({ n: 0 });
    expect(rows[0]!.events).toBeGreaterThan(2);
  });
});
