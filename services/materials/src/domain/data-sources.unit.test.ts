import { describe, expect, it } from 'vitest';
import { SEEDED_ITEMS } from './catalogue.js';
import type { Owner } from './library.js';
import { assistanceItemsOf, creditFactsOf, type DataLookup, resolveItem } from './resolution.js';

const liquor = SEEDED_ITEMS.find((i) => i.code === 'liquor-retail-new')!;
const applicant: Owner = { kind: 'organisation', key: '91310107MA1G8K2D3X', display: '91310107MA1G8K2D3X' };
const at = new Date('2026-03-04T02:00:00Z');
const context = { id: 'r1', applicationId: 'LQ-1', applicant, resolvedBy: 'D', resolvedAt: at };
const KEY = 'credit:no-serious-dishonesty-listing';

function credit(lookup?: DataLookup) {
  const resolution = resolveItem(
    liquor,
    {
      certificates: new Map(),
      library: [],
      today: '2026-03-04',
      ...(lookup ? { data: new Map([[KEY, lookup]]) } : {}),
    },
    context,
  );
  return resolution.materials.find((m) => m.materialCode === 'credit-commitment')!;
}

const answer = (kind: 'satisfied' | 'not-satisfied'): Extract<DataLookup, { kind: typeof kind }> => ({
  kind,
  provider: 'credit',
  value: 'grade B (grades/2026-2), not on the serious-dishonesty list',
  asOf: '2026-03-04',
  checkedAt: at,
});

describe('a material replaced by a fact of the credit profile', () => {
  it('names the facts an item asks the credit service about', () => {
    expect(creditFactsOf(liquor)).toEqual(['no-serious-dishonesty-listing']);
  });

  it('is exempt with the provider, the fact and what the answer said', () => {
    expect(credit(answer('satisfied'))).toMatchObject({
      decision: 'exempt',
      evidence: { kind: 'data', provider: 'credit', reference: 'no-serious-dishonesty-listing', asOf: '2026-03-04' },
    });
  });

  it('is required with the reason the provider gave', () => {
    expect(credit(answer('not-satisfied'))).toMatchObject({ decision: 'required', reason: 'data-not-satisfied' });
    expect(credit({ kind: 'unavailable' })).toMatchObject({ reason: 'provider-unavailable' });
    expect(credit()).toMatchObject({ reason: 'source-not-connected' });
  });
});

describe('a material replaced by an assistance catalogue item (PT-XZ-07)', () => {
  const cafe = SEEDED_ITEMS.find((i) => i.code === 'internet-cafe-new')!;
  const safety = (lookup?: DataLookup) =>
    resolveItem(
      cafe,
      {
        certificates: new Map(),
        library: [],
        today: '2026-03-04',
        ...(lookup ? { data: new Map([['assistance:PT-XZ-07', lookup]]) } : {}),
      },
      context,
    ).materials.find((m) => m.materialCode === 'safety-record')!;

  it('names the catalogue items an item asks the assistance service about', () => {
    expect(assistanceItemsOf(cafe)).toEqual(['PT-XZ-07']);
    expect(assistanceItemsOf(liquor)).toEqual([]);
  });

  it("is exempt with the provider's answer as evidence", () => {
    const lookup: DataLookup = { ...answer('satisfied'), provider: 'assistance', value: 'serious_violation=无' };
    expect(safety(lookup)).toMatchObject({
      decision: 'exempt',
      evidence: { kind: 'data', provider: 'assistance', reference: 'PT-XZ-07', value: 'serious_violation=无' },
    });
  });

  it('is required while the request is unanswered, naming the request', () => {
    expect(safety({ kind: 'requested', reference: 'req-1' })).toMatchObject({
      decision: 'required',
      reason: 'data-requested',
      tried: [{ reason: 'data-requested', reference: 'req-1' }],
    });
    expect(safety({ ...answer('not-satisfied'), provider: 'assistance' })).toMatchObject({
      reason: 'data-not-satisfied',
    });
  });
});
