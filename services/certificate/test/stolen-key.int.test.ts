/**
 * The known limit of offline verification, and what the online path does about it: a thief of a seal key can seal
 * a licence with any sealing time, backdated before the compromise time the hub will later record. Offline, the
 * seal checks pass; online, VerifyCertificate compares the licence with the hub's record (it must exist, with the
 * same payload, seal and sealing time) and refuses it.
 */
import { certificateV1 as cv } from '@onceonly/contracts';
import { sealPayload } from '@onceonly/seal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE_CODES } from '../src/domain/catalogue.js';
import { PUTUO_HEALTH, PUTUO_MARKET_REGULATION } from '../src/domain/departments.js';
import { ENTERPRISE_CODE, FOOD_FIELDS } from './fixtures.js';
import { type Harness, holderRef, type Identity, startHarness } from './service-harness.js';

const MARKET: Identity = { code: PUTUO_MARKET_REGULATION.code };
const HEALTH: Identity = { code: PUTUO_HEALTH.code };
const R = cv.VerificationReason;

describe('a licence sealed with a stolen key and a backdated sealing time, verified online', () => {
  let hub: Harness;
  let issued: cv.Certificate;
  let payload: Record<string, unknown>;

  beforeAll(async () => {
    hub = await startHarness();
    const response = await hub.call<cv.IssueCertificateResponse>(
      'issueCertificate',
      cv.IssueCertificateRequest.fromPartial({
        typeCode: TYPE_CODES.FOOD_BUSINESS,
        holder: holderRef(ENTERPRISE_CODE, '上海普陀小笼包餐饮有限公司'),
        fields: FOOD_FIELDS,
      }),
      MARKET,
    );
    issued = response.certificate!;
    payload = JSON.parse(Buffer.from(issued.jws.split('.')[1]!, 'base64url').toString('utf8'));
  });
  afterAll(async () => {
    await hub?.stop();
  });

  const thief = () => hub.seals.signers.get(MARKET.code)!;
  const byJws = (jws: string) =>
    hub.call<cv.VerifyCertificateResponse>('verifyCertificate', { subject: { $case: 'jws', value: jws } }, HEALTH);

  it('refuses the recorded licence re-sealed with an earlier sealing time (RECORD_MISMATCH)', async () => {
    const backdated = await sealPayload({ ...payload, iat: (payload.iat as number) - 60 }, thief());
    const result = await byJws(backdated);
    expect(result.valid).toBe(false);
    expect(result.reasons).toContain(R.VERIFICATION_REASON_RECORD_MISMATCH);
  });

  it('refuses a licence the hub never issued (NOT_FOUND)', async () => {
    const invented = { ...payload, licenceId: `${String(payload.licenceId).slice(0, -5)}999.T` };
    const result = await byJws(await sealPayload(invented, thief()));
    expect(result.valid).toBe(false);
    expect(result.reasons).toContain(R.VERIFICATION_REASON_NOT_FOUND);
  });

  it('still accepts the licence as the hub sealed it', async () => {
    expect(await byJws(issued.jws)).toMatchObject({ valid: true, reasons: [] });
  });
});
