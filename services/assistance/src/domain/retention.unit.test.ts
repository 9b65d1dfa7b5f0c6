import { CHINA_WORKDAYS as cal, type PlainDate } from '@onceonly/workdays';
import { describe, expect, it } from 'vitest';
import { findItem, SEEDED_ITEMS } from './catalogue.js';
import { JUSTICE } from './departments.js';
import { submit, withdraw } from './request.js';
import { purgeDue, purgePersonalData } from './retention.js';

const d = (s: string) => s as PlainDate;
const item = findItem(SEEDED_ITEMS, 'PT-XZ-04');

describe('retention of personal data', () => {
  const open = submit(
    item,
    {
      id: 'r',
      actor: { department: JUSTICE.code },
      caseId: 'c',
      legalBasis: 'b',
      purpose: 'p',
      subject: { kind: 'person', key: 'k'.repeat(64), masked: '110105********002X' },
      fields: { aid_case_no: 'A1' },
    },
    d('2026-03-02'),
    cal,
  ).request;
  const withdrawn = withdraw(
    open,
    { actor: { department: JUSTICE.code }, expectedVersion: 1, reason: '撤回' },
    d('2026-03-03'),
  ).request;

  it('purges 183 days after closing, not before, not twice, never an open request', () => {
    expect(purgeDue(open, d('2027-01-01'))).toBe(false);
    expect(purgeDue(withdrawn, d('2026-09-01'))).toBe(false);
    expect(purgeDue(withdrawn, d('2026-09-02'))).toBe(true);
    const purged = purgePersonalData(withdrawn, d('2026-09-02'));
    expect(purged).toMatchObject({ fields: {}, personalDataPurgedOn: '2026-09-02', version: withdrawn.version + 1 });
    expect(purged.subject).toBeUndefined();
    expect(purgeDue(purged, d('2027-01-01'))).toBe(false);
  });
});
