import { sealV1 } from '@onceonly/contracts';
import { computeUsccCheck } from '@onceonly/ids';
import { describe, expect, it } from 'vitest';
import type { SealActor } from '../../domain/seals/permissions.js';
import { parseCreateSeal, parseListSeals, parseRevokeSeal, parseRotateSeal } from './seal-service.js';

const MARKET = `11310107MB2F03587${computeUsccCheck('11310107MB2F03587')}`;
const ACTOR: SealActor = { departmentCode: MARKET, role: 'department' };
const KID = 'AbCdEfGhIjKlMnOpQrSt-_';

/** The fields an INVALID_ARGUMENT names, with their reasons. */
function violations(parse: () => unknown): Record<string, string> {
  try {
    parse();
  } catch (err) {
    const e = err as { code: string; fields: { field: string; reason: string }[] };
    expect(e.code).toBe('INVALID_ARGUMENT');
    return Object.fromEntries(e.fields.map((f) => [f.field, f.reason]));
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('parseCreateSeal', () => {
  it('takes an empty request as a licensing seal of the caller with defaults', () => {
    expect(parseCreateSeal(sealV1.CreateSealRequest.fromPartial({}), ACTOR)).toEqual({
      actor: ACTOR,
      departmentCode: undefined,
      name: undefined,
      kind: 'licensing',
      validityDays: undefined,
      pictureRef: undefined,
    });
  });

  it('reads every field', () => {
    const request = sealV1.CreateSealRequest.fromPartial({
      departmentCode: MARKET,
      name: '  上海市普陀区行业综合许可专用章 ',
      kind: sealV1.SealKind.SEAL_KIND_INDUSTRY_LICENCE,
      validityDays: 730,
      pictureRef: 'seal-pictures/310107-H.png',
    });
    expect(parseCreateSeal(request, ACTOR)).toMatchObject({
      departmentCode: MARKET,
      name: '上海市普陀区行业综合许可专用章',
      kind: 'industry-licence',
      validityDays: 730,
      pictureRef: 'seal-pictures/310107-H.png',
    });
  });

  it('names every bad field at once', () => {
    const request = sealV1.CreateSealRequest.fromPartial({
      departmentCode: `${MARKET.slice(0, 17)}${MARKET.endsWith('0') ? '1' : '0'}`,
      name: 'a\u0000b',
      kind: 17 as sealV1.SealKind,
      validityDays: 3651,
      pictureRef: 'x'.repeat(513),
    });
    expect(violations(() => parseCreateSeal(request, ACTOR))).toEqual({
      department_code: 'USCC_CHECK_CHARACTER',
      name: 'CONTROL_CHARACTER',
      kind: 'ENUM',
      validity_days: 'RANGE',
      picture_ref: 'TOO_LONG',
    });
  });

  it('counts a name in characters, not bytes: 64 Chinese characters fit, 65 do not', () => {
    expect(parseCreateSeal(sealV1.CreateSealRequest.fromPartial({ name: '章'.repeat(64) }), ACTOR).name).toHaveLength(
      64,
    );
    expect(
      violations(() => parseCreateSeal(sealV1.CreateSealRequest.fromPartial({ name: '章'.repeat(65) }), ACTOR)),
    ).toEqual({ name: 'TOO_LONG' });
  });

  it('refuses a negative validity and a line separator in a name', () => {
    const request = sealV1.CreateSealRequest.fromPartial({ name: 'a\u2028b', validityDays: -1 });
    expect(violations(() => parseCreateSeal(request, ACTOR))).toEqual({
      name: 'CONTROL_CHARACTER',
      validity_days: 'RANGE',
    });
  });
});

describe('parseRotateSeal', () => {
  it('wants a kid of 22 base64url characters', () => {
    expect(parseRotateSeal(sealV1.RotateSealRequest.fromPartial({ kid: KID }), ACTOR)).toEqual({
      actor: ACTOR,
      kid: KID,
      validityDays: undefined,
    });
    expect(violations(() => parseRotateSeal(sealV1.RotateSealRequest.fromPartial({}), ACTOR))).toEqual({
      kid: 'REQUIRED',
    });
    const bad = sealV1.RotateSealRequest.fromPartial({ kid: `${KID}=`, validityDays: 5000 });
    expect(violations(() => parseRotateSeal(bad, ACTOR))).toEqual({ kid: 'KID_FORMAT', validity_days: 'RANGE' });
  });
});

describe('parseRevokeSeal', () => {
  it('reads an RFC 3339 compromise time with an offset', () => {
    const request = sealV1.RevokeSealRequest.fromPartial({
      kid: KID,
      compromisedAt: '2025-03-10T08:00:00+08:00',
      reason: 'USB key lost',
    });
    expect(parseRevokeSeal(request, ACTOR)).toEqual({
      actor: ACTOR,
      kid: KID,
      compromisedAt: new Date('2025-03-10T00:00:00Z'),
      reason: 'USB key lost',
    });
  });

  it('leaves an empty compromise time to mean now', () => {
    const request = sealV1.RevokeSealRequest.fromPartial({ kid: KID, reason: 'r' });
    expect(parseRevokeSeal(request, ACTOR).compromisedAt).toBeUndefined();
  });

  it.each(['2025-03-10', '2025-03-10T08:00:00', 'yesterday', '2025-02-30T00:00:00Zjunk'])(
    'refuses %s as a compromise time',
    (compromisedAt) => {
      const request = sealV1.RevokeSealRequest.fromPartial({ kid: KID, reason: 'r', compromisedAt });
      expect(violations(() => parseRevokeSeal(request, ACTOR))).toEqual({ compromised_at: 'TIMESTAMP' });
    },
  );

  it('wants a reason of at most 500 characters', () => {
    expect(
      violations(() => parseRevokeSeal(sealV1.RevokeSealRequest.fromPartial({ kid: KID, reason: '  ' }), ACTOR)),
    ).toEqual({
      reason: 'REQUIRED',
    });
    const long = sealV1.RevokeSealRequest.fromPartial({ kid: KID, reason: 'r'.repeat(501) });
    expect(violations(() => parseRevokeSeal(long, ACTOR))).toEqual({ reason: 'TOO_LONG' });
  });
});

describe('parseListSeals', () => {
  it('takes an empty request as the first page of the caller', () => {
    expect(parseListSeals(sealV1.ListSealsRequest.fromPartial({}), ACTOR)).toEqual({
      actor: ACTOR,
      departmentCode: undefined,
      includeInactive: false,
      pageSize: 0,
      pageToken: undefined,
    });
  });

  it('refuses a negative page size, a bad department code and an overlong token', () => {
    const request = sealV1.ListSealsRequest.fromPartial({
      departmentCode: 'market',
      page: { pageSize: -1, pageToken: 't'.repeat(201) },
    });
    expect(violations(() => parseListSeals(request, ACTOR))).toEqual({
      department_code: 'USCC_LENGTH',
      'page.page_size': 'RANGE',
      'page.page_token': 'PAGE_TOKEN',
    });
  });
});
