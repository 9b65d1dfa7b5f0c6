import { describe, expect, it } from 'vitest';
import { type ConsentFact, evolveConsent, type ReplayedRequest } from './consent.js';

const APPLICANT = '91310107MA1H7Q2W3G';
const DEPT = '12310107MB2F05636F';
const scope = { eventSubject: APPLICANT, requestId: 'q-1', applicationId: 'A-1', applicantKey: APPLICANT };
const requested: ConsentFact = {
  kind: 'requested',
  ...scope,
  departmentCode: DEPT,
  pieces: [
    { id: 'p-1', status: 'pending' },
    { id: 'p-2', status: 'pending' },
  ],
};
const previewed: ConsentFact = { kind: 'previewed', ...scope, pieceIds: ['p-1', 'p-2'] };
const decided = (decision: 'accepted' | 'rejected' | 'expired', id = 'p-1'): ConsentFact => ({
  kind: 'decided',
  ...scope,
  decision,
  departmentCode: DEPT,
  pieces: [{ id, status: decision }],
});
const reused = (more: Partial<ConsentFact & { kind: 'reused' }> = {}): ConsentFact => ({
  kind: 'reused',
  ...scope,
  departmentCode: DEPT,
  pieceId: 'p-1',
  ...more,
});

/** Every problem of a log, in order. */
function fold(...facts: ConsentFact[]): string[] {
  const state = new Map<string, ReplayedRequest>();
  return facts.flatMap((f) => evolveConsent(state, f).problems);
}

describe('evolveConsent', () => {
  it('finds nothing wrong with a request previewed, decided piece by piece and an accepted piece reused', () => {
    const state = new Map<string, ReplayedRequest>();
    for (const f of [requested, previewed, decided('accepted'), decided('rejected', 'p-2'), reused(), reused()]) {
      expect(evolveConsent(state, f)).toEqual({ problems: [], key: 'q-1' });
    }
    expect(state.get('q-1')?.pieces.get('p-1')).toEqual({ status: 'accepted', previewed: true, reuses: 2 });
    expect(state.get('q-1')?.pieces.get('p-2')?.status).toBe('rejected');
  });

  describe('a reuse without consent', () => {
    it('is found when no request was logged', () => {
      expect(fold(reused())).toEqual([expect.stringContaining('no reuse without consent')]);
    });

    it.each([
      ['pending', [requested, previewed]],
      ['rejected', [requested, previewed, decided('rejected')]],
      ['expired', [requested, decided('expired')]],
    ] as const)('is found when the piece is %s', (_, log) => {
      expect(fold(...log, reused())).toEqual([expect.stringContaining('MATERIALS_EVIDENCE_NOT_ACCEPTED')]);
    });

    it('is found when another department, or another application, reuses the accepted piece', () => {
      const log = [requested, previewed, decided('accepted')];
      expect(fold(...log, reused({ departmentCode: '11310107MB2F03587N' }))).toEqual([
        expect.stringContaining('MATERIALS_ACCESS_DENIED'),
      ]);
      expect(fold(...log, reused({ applicationId: 'A-2' }))).toEqual([expect.stringContaining('application A-2')]);
    });
  });

  describe('a decision that is not a valid transition', () => {
    it('is found when a piece is accepted without a preview', () => {
      expect(fold(requested, decided('accepted'))).toEqual([expect.stringContaining('MATERIALS_PREVIEW_NOT_SHOWN')]);
    });

    it('is found when a decided piece is decided again, or expires after a decision', () => {
      expect(fold(requested, previewed, decided('rejected'), decided('accepted'))).toEqual([
        expect.stringContaining('MATERIALS_PREVIEW_DECIDED'),
      ]);
      expect(fold(requested, previewed, decided('accepted'), decided('expired'))).toEqual([
        expect.stringContaining('MATERIALS_PREVIEW_DECIDED'),
      ]);
    });

    it("is found when the event's piece status is not its decision, or names a piece not requested", () => {
      const odd: ConsentFact = {
        ...(decided('rejected') as ConsentFact & { kind: 'decided' }),
        pieces: [{ id: 'p-1', status: 'accepted' }],
      };
      expect(fold(requested, odd)).toEqual([expect.stringContaining('accepted in a rejected event')]);
      expect(fold(requested, decided('rejected', 'p-9'))).toEqual(['piece p-9 is not in the request']);
    });
  });

  it('finds a request made twice, a preview after the decision and an event about another applicant', () => {
    expect(fold(requested, requested)).toEqual([expect.stringContaining('a request is made once')]);
    expect(fold(requested, decided('rejected'), previewed)).toEqual(['piece p-1 was shown once rejected']);
    expect(fold(requested, { ...previewed, eventSubject: 'someone-else' })).toEqual([
      "the event's subject is not the applicant's key",
    ]);
  });
});
