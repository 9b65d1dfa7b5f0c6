import type { OfflineVerification } from '@onceonly/certificate/client';
import { HolderCodeType } from '@onceonly/contracts';
import { describe, expect, it } from 'vitest';
import { fieldsArgument, holderCodeType, listNumberArgument, liveStatusNotice, statusListLines } from './cert.js';

describe('cert command arguments', () => {
  it('--fields takes a JSON object of strings', () => {
    expect(fieldsArgument('{"premises":"上海市普陀区"}')).toEqual({ premises: '上海市普陀区' });
    for (const bad of ['not json', '[1]', '{"a":1}', 'null']) {
      expect(() => fieldsArgument(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(() => fieldsArgument('@/nonexistent/fields.json')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('the holder code type defaults from the shape of the code, and --holder-type wins', () => {
    expect(holderCodeType('91310107MA1H2B3C44', undefined)).toBe(HolderCodeType.HOLDER_CODE_TYPE_USCC);
    expect(holderCodeType('31010719900307123X', undefined)).toBe(HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID);
    expect(holderCodeType('913101070000000000', '001')).toBe(HolderCodeType.HOLDER_CODE_TYPE_USCC);
  });
});

describe('cert status-list and verify --offline --status-list', () => {
  const ISSUER = '11310107002429311T';
  const verdict = (extra: Partial<OfflineVerification> = {}): OfflineVerification => ({
    valid: true,
    reasons: [],
    genuine: true,
    genuineFindings: [],
    mayOperate: true,
    operationFindings: [],
    sealValid: true,
    payload: { issuerCode: ISSUER, statusListNumber: 2, statusListIndex: 77 },
    statusSlot: { listNumber: 2, index: 77 },
    statusChecked: [],
    statusLists: [],
    warnings: [],
    ...extra,
  });

  it('--list takes a list number', () => {
    expect(listNumberArgument('0')).toBe(0);
    expect(listNumberArgument('12')).toBe(12);
    for (const bad of ['', '-1', '1.5', 'x', '2147483648', '99999999999']) {
      expect(() => listNumberArgument(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('without status lists, a notice says revocation and suspension were not checked offline and how to fetch them', () => {
    const notice = liveStatusNotice(verdict())!;
    expect(notice).toMatch(/^notice: revocation and suspension were not checked offline/);
    expect(notice).toContain(`onceonly cert status-list ${ISSUER} --purpose revocation --list 2`);
    expect(notice).toContain(`onceonly cert status-list ${ISSUER} --purpose suspension --list 2`);
    expect(liveStatusNotice(verdict({ statusChecked: ['revocation'] }))).toMatch(
      /^notice: suspension was not checked offline/,
    );
  });

  it('no notice when both were checked or the seal failed; another one for a licence without a slot', () => {
    expect(liveStatusNotice(verdict({ statusChecked: ['revocation', 'suspension'] }))).toBeUndefined();
    expect(liveStatusNotice(verdict({ valid: false, sealValid: false, reasons: ['CHAIN_UNTRUSTED'] }))).toBeUndefined();
    const { statusSlot: _slot, ...noSlot } = verdict();
    expect(liveStatusNotice(noSlot)).toMatch(/no status-list slot/);
  });

  it('shows each status list: read, refused with its reasons, or left out', () => {
    const until = new Date('2025-03-11T02:00:00Z');
    const seen = { issuerCode: ISSUER, listNumber: 2, validFrom: until, validUntil: until, sealedAt: until };
    const lines = statusListLines(
      verdict({
        statusLists: [
          { position: 0, reasons: [], concernsLicence: true, ...seen, purpose: 'revocation', bit: true },
          {
            position: 1,
            reasons: ['STATUS_LIST_UNTRUSTED'],
            concernsLicence: true,
            sealReasons: ['CHAIN_UNTRUSTED'],
          },
          {
            position: 2,
            reasons: ['STATUS_LIST_ISSUER_MISMATCH'],
            concernsLicence: false,
            ...seen,
            issuerCode: 'OTHER',
            purpose: 'suspension',
          },
        ],
      }),
      ['r.jws', 'x.jws', 'o.jws'],
    );
    expect(lines).toEqual([
      `  status list r.jws: revocation list 2 of ${ISSUER}, valid until 2025-03-11T02:00:00.000Z  read: SET`,
      '  status list x.jws:  refused: STATUS_LIST_UNTRUSTED, CHAIN_UNTRUSTED',
      '  status list o.jws: suspension list 2 of OTHER, valid until 2025-03-11T02:00:00.000Z  left out: STATUS_LIST_ISSUER_MISMATCH',
    ]);
  });
});
