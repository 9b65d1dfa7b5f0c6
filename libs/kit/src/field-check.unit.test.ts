import { computeCitizenIdCheck } from '@onceonly/ids';
import { describe, expect, it } from 'vitest';
import { FieldCheck } from './field-check.js';

const CITIZEN_ID = `11010119900307451${computeCitizenIdCheck('11010119900307451')}`;

function thrown(check: FieldCheck): { code: string; fields: { field: string; reason: string }[]; message: string } {
  try {
    check.done();
  } catch (err) {
    return err as never;
  }
  throw new Error('expected done() to throw');
}

describe('FieldCheck', () => {
  it('returns checked values and throws nothing when every field is fine', () => {
    const check = new FieldCheck();
    expect(check.text('name', '  张小明 ', { max: 10, trim: true })).toBe('张小明');
    expect(check.instant('at', '2025-03-10T08:00:00+08:00')).toEqual(new Date('2025-03-10T00:00:00Z'));
    expect(check.count('size', '42')).toBe(42);
    expect(check.pageSize('page.page_size', undefined)).toBe(100);
    expect(() => check.done()).not.toThrow();
  });

  it('throws TEXT_INVALID when every fault is a text fault, naming each field', () => {
    const check = new FieldCheck();
    check.text('holder.name', 'a\u202eb', { max: 10 });
    check.text('reason', 'a\u0000b', { max: 10 });
    const err = thrown(check);
    expect(err.code).toBe('TEXT_INVALID');
    expect(err.fields).toEqual([
      expect.objectContaining({ field: 'holder.name', reason: 'BIDI_CONTROL' }),
      expect.objectContaining({ field: 'reason', reason: 'CONTROL_CHARACTER' }),
    ]);
  });

  it('throws PERSONAL_DATA_IN_TEXT for a citizen ID in free text, without repeating it', () => {
    const check = new FieldCheck();
    check.text('reason', `持证人身份证号${CITIZEN_ID}`, { max: 100 });
    const err = thrown(check);
    expect(err.code).toBe('PERSONAL_DATA_IN_TEXT');
    expect(err.fields).toEqual([expect.objectContaining({ field: 'reason', reason: 'CITIZEN_ID' })]);
    expect(JSON.stringify(err.fields) + err.message).not.toContain(CITIZEN_ID);
  });

  it('lets a holder code carry a citizen ID', () => {
    const check = new FieldCheck();
    check.text('holder.code', CITIZEN_ID, { max: 256, mayHoldCitizenId: true });
    expect(() => check.done()).not.toThrow();
  });

  it('throws the general INVALID_ARGUMENT when the faults call for different codes', () => {
    const check = new FieldCheck();
    check.text('name', 'x'.repeat(11), { max: 10 });
    check.text('reason', 'a\u200bb', { max: 10 });
    check.text('note', '', { max: 10, required: true });
    const err = thrown(check);
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.fields.map((f) => f.reason)).toEqual(['TOO_LONG', 'INVISIBLE_CHARACTER', 'REQUIRED']);
  });

  it('refuses a timestamp without an offset or on a day that does not exist', () => {
    const check = new FieldCheck();
    expect(check.instant('from', '2025-03-10T08:00:00')).toBeUndefined();
    check.instant('to', '2027-02-30T00:00:00Z', 'NOT_RFC3339');
    expect(thrown(check).fields.map((f) => [f.field, f.reason])).toEqual([
      ['from', 'TIMESTAMP'],
      ['to', 'NOT_RFC3339'],
    ]);
  });
});
