import { type AppError, isAppError } from '@onceonly/errors';
import { CHINA_WORKDAYS, type PlainDate } from '@onceonly/workdays';
import { describe, expect, it } from 'vitest';
import {
  BAKERY,
  EMERGENCY,
  emergency,
  listingCommand,
  MARKET_REGULATION,
  penaltyCommand,
  recorded,
} from '../../test/records.js';
import { isPublic, openListings, recordDecision } from './records.js';

function failure(run: () => unknown): AppError {
  try {
    run();
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('it succeeded');
}

const today = '2026-03-04' as PlainDate;

describe('recording a penalty', () => {
  it('keeps the decision with its publicity, at version 1, owned by the deciding department', () => {
    const { record, fact } = recordDecision(penaltyCommand(), [], today, CHINA_WORKDAYS);
    expect(fact).toEqual({ type: 'recorded' });
    expect(record).toMatchObject({
      kind: 'penalty',
      subject: { kind: 'organisation', key: BAKERY },
      owner: MARKET_REGULATION,
      decisionDate: '2026-03-02',
      recordedOn: today,
      status: 'active',
      version: 1,
      publicity: { published: true, publicFrom: today, publishBy: '2026-03-11', rules: ['samr/general'] },
    });
  });

  it('refuses a department recording in another department’s name', () => {
    const e = failure(() => recordDecision(penaltyCommand({ authority: EMERGENCY }), [], today, CHINA_WORKDAYS));
    expect(e.code).toBe('CREDIT_NOT_OWNER');
  });

  it('refuses callers that are not departments', () => {
    const platform = { code: BAKERY, role: 'platform' as const };
    const e = failure(() =>
      recordDecision(penaltyCommand({ actor: platform, authority: BAKERY }), [], today, CHINA_WORKDAYS),
    );
    expect(e.code).toBe('PERMISSION_DENIED');
  });

  it('names every missing field at once: no legal basis, no decision number', () => {
    const e = failure(() =>
      recordDecision(penaltyCommand({ legalBasis: ' ', decisionNumber: '' }), [], today, CHINA_WORKDAYS),
    );
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.fields.map((v) => v.field).sort()).toEqual(['penalty.decision_number', 'penalty.legal_basis']);
  });

  it('refuses a decision dated after today, or not a calendar date', () => {
    for (const [date, reason] of [
      ['2026-03-05', 'FUTURE'],
      ['2026-02-30', 'DATE'],
    ] as const) {
      const e = failure(() => recordDecision(penaltyCommand({ decisionDate: date }), [], today, CHINA_WORKDAYS));
      expect(e.fields).toEqual([expect.objectContaining({ field: 'penalty.decision_date', reason })]);
    }
  });

  it('wants an amount with a fine and none without one', () => {
    const noAmount = failure(() =>
      recordDecision(penaltyCommand({ kinds: ['fine'], amountFen: 0 }), [], today, CHINA_WORKDAYS),
    );
    expect(noAmount.fields[0]).toMatchObject({ field: 'penalty.amount_fen', reason: 'REQUIRED' });
    const stray = failure(() =>
      recordDecision(penaltyCommand({ kinds: ['warning'], amountFen: 100 }), [], today, CHINA_WORKDAYS),
    );
    expect(stray.fields[0]).toMatchObject({ field: 'penalty.amount_fen', reason: 'NO_FINE' });
    const empty = failure(() => recordDecision(penaltyCommand({ kinds: [] }), [], today, CHINA_WORKDAYS));
    expect(empty.fields[0]).toMatchObject({ field: 'penalty.kinds', reason: 'REQUIRED' });
  });

  it('refuses the same decision number of the same department twice', () => {
    const first = recorded(penaltyCommand({ decisionNumber: 'D-1' }), today);
    const e = failure(() => recordDecision(penaltyCommand({ decisionNumber: 'D-1' }), [first], today, CHINA_WORKDAYS));
    expect(e.code).toBe('CREDIT_RECORD_EXISTS');
  });
});

describe('the serious-dishonesty list', () => {
  it('takes one open entry at a time, ended by an exit of the same department', () => {
    const entry = recorded(listingCommand('2026-03-02'), today);
    expect(openListings([entry], today)).toEqual([entry]);
    expect(failure(() => recordDecision(listingCommand('2026-03-03'), [entry], today, CHINA_WORKDAYS)).code).toBe(
      'CREDIT_ALREADY_LISTED',
    );
    expect(
      failure(() => recordDecision(listingCommand('2026-03-03', 'r-unknown'), [entry], today, CHINA_WORKDAYS)).code,
    ).toBe('CREDIT_LISTING_NOT_FOUND');
    expect(
      failure(() => recordDecision(listingCommand('2026-03-03', entry.id, emergency), [entry], today, CHINA_WORKDAYS))
        .code,
    ).toBe('CREDIT_NOT_OWNER');
    const exit = recorded(listingCommand('2026-03-04', entry.id), today, [entry]);
    expect(exit.publicity.published).toBe(true);
    expect(openListings([entry, exit], today)).toEqual([]);
  });

  it('lapses after 3 years by itself', () => {
    const entry = recorded(listingCommand('2026-03-02'), today);
    expect(entry.publicity.publicUntil).toBe('2029-03-01');
    expect(openListings([entry], '2029-03-01' as PlainDate)).toHaveLength(1);
    expect(openListings([entry], '2029-03-02' as PlainDate)).toHaveLength(0);
  });
});

describe('the public feed', () => {
  it('shows a record inside its window and not repaired', () => {
    const r = recorded(penaltyCommand(), today);
    expect(isPublic(r, '2026-03-03' as PlainDate)).toBe(false);
    expect(isPublic(r, today)).toBe(true);
    expect(isPublic(r, r.publicity.publicUntil!)).toBe(true);
    expect(isPublic(r, '2029-03-04' as PlainDate)).toBe(false);
    expect(isPublic({ ...r, status: 'repaired' }, today)).toBe(false);
    const warning = recorded(penaltyCommand({ kinds: ['warning'] }), today);
    expect(isPublic(warning, today)).toBe(false);
  });
});
