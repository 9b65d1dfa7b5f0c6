import { certificateV1 as cv } from '@onceonly/contracts';
import { sealPayload, toQrPayload } from '@onceonly/seal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireDueCase } from '../src/app/expire-due.js';
import { TYPE_CODES } from '../src/domain/catalogue.js';
import { PUTUO_HEALTH, PUTUO_MARKET_REGULATION } from '../src/domain/departments.js';
import { ENTERPRISE_CODE, FOOD_FIELDS } from './fixtures.js';
import { type Harness, holderRef, type Identity, refused, startHarness } from './service-harness.js';
import { testSeals } from './test-seals.js';

const MARKET: Identity = { code: PUTUO_MARKET_REGULATION.code };
const HEALTH: Identity = { code: PUTUO_HEALTH.code };
const R = cv.VerificationReason;
const DAY = 86_400_000;

/** Flips one character of a base64url part to another valid one. */
function flip(part: string, at: number): string {
  const c = part[at] === 'A' ? 'B' : 'A';
  return `${part.slice(0, at)}${c}${part.slice(at + 1)}`;
}

describe('lifecycle and verification on PostgreSQL and Kafka', () => {
  let hub: Harness;

  beforeAll(async () => {
    hub = await startHarness();
  });
  afterAll(async () => {
    await hub?.stop();
  });

  async function issueFood(fields: Record<string, string> = FOOD_FIELDS, validTo = ''): Promise<cv.Certificate> {
    const response = await hub.call<cv.IssueCertificateResponse>(
      'issueCertificate',
      cv.IssueCertificateRequest.fromPartial({
        typeCode: TYPE_CODES.FOOD_BUSINESS,
        holder: holderRef(ENTERPRISE_CODE, '上海普陀小笼包餐饮有限公司'),
        fields,
        validTo,
      }),
      MARKET,
    );
    return response.certificate!;
  }

  const verify = (subject: cv.VerifyCertificateRequest['subject'], as: Identity = HEALTH) =>
    hub.call<cv.VerifyCertificateResponse>('verifyCertificate', { subject }, as);
  const byId = (id: string) => verify({ $case: 'id', value: id });
  const byJws = (jws: string) => verify({ $case: 'jws', value: jws });
  const byQr = (qr: string) => verify({ $case: 'qrPayload', value: qr });

  it('verifies a fresh certificate by id, JWS and QR', async () => {
    const certificate = await issueFood();
    for (const result of [
      // by id the face is the issuer's to see (another department gets the verdict only: consent.int.test.ts)
      await verify({ $case: 'id', value: certificate.id }, MARKET),
      await byJws(certificate.jws),
      await byQr(certificate.qrPayload),
    ]) {
      expect(result).toMatchObject({
        valid: true,
        reasons: [],
        status: cv.LicenceStatus.LICENCE_STATUS_VALID,
        certificateId: certificate.id,
        sealKid: certificate.sealKid,
      });
      expect(result.metadata?.identifier).toBe(certificate.metadata?.identifier);
    }
  });

  it('revoke → verify says revoked, whichever way the certificate is presented', async () => {
    const certificate = await issueFood();
    const revoked = await hub.call<cv.RevokeCertificateResponse>(
      'revokeCertificate',
      {
        id: certificate.id,
        kind: cv.RevocationKind.REVOCATION_KIND_REVOKED,
        reason: '违法经营',
        legalBasis: '《食品安全法》第一百三十四条',
      },
      MARKET,
    );
    expect(revoked.certificate?.status).toBe(cv.LicenceStatus.LICENCE_STATUS_REVOKED);
    expect(revoked.certificate?.revocation).toMatchObject({ kind: cv.RevocationKind.REVOCATION_KIND_REVOKED });
    for (const result of [
      await byId(certificate.id),
      await byJws(certificate.jws),
      await byQr(certificate.qrPayload),
    ]) {
      expect(result.valid).toBe(false);
      expect(result.reasons).toEqual([R.VERIFICATION_REASON_REVOKED]);
      expect(result.status).toBe(cv.LicenceStatus.LICENCE_STATUS_REVOKED);
    }
  });

  it('suspend → SUSPENDED; resume → valid again', async () => {
    const certificate = await issueFood();
    await hub.call(
      'suspendCertificate',
      { id: certificate.id, reason: '停业整顿', legalBasis: '《食品安全法》' },
      MARKET,
    );
    expect((await byJws(certificate.jws)).reasons).toEqual([R.VERIFICATION_REASON_SUSPENDED]);
    const resumed = await hub.call<cv.ResumeCertificateResponse>(
      'resumeCertificate',
      { id: certificate.id, reason: '整改完毕' },
      MARKET,
    );
    expect(resumed.certificate?.status).toBe(cv.LicenceStatus.LICENCE_STATUS_VALID);
    expect((await byJws(certificate.jws)).valid).toBe(true);
  });

  it('cancel → CANCELLED', async () => {
    const certificate = await issueFood();
    await hub.call('cancelCertificate', { id: certificate.id, reason: '申请注销' }, MARKET);
    expect((await byId(certificate.id)).reasons).toEqual([R.VERIFICATION_REASON_CANCELLED]);
  });

  it('change makes a new sealed version; the old one verifies as superseded and names the current one', async () => {
    const old = await issueFood();
    const changed = await hub.call<cv.ChangeCertificateResponse>(
      'changeCertificate',
      { id: old.id, fields: { premises: '上海市普陀区长寿路300号' }, reason: '经营场所变更' },
      MARKET,
    );
    const next = changed.certificate!;
    expect(next).toMatchObject({ version: 2, previousVersionId: old.id });
    expect(next.metadata?.number).toBe(old.metadata?.number);
    expect(next.metadata?.identifier).toMatch(/\.002\.[0-9A-Z]$/);
    expect(next.metadata?.fields.premises).toBe('上海市普陀区长寿路300号');
    expect(changed.previous).toMatchObject({ supersededById: next.id, status: cv.LicenceStatus.LICENCE_STATUS_OTHER });
    expect(await byJws(next.jws)).toMatchObject({ valid: true, reasons: [] });
    expect(await byJws(old.jws)).toMatchObject({
      valid: false,
      reasons: [R.VERIFICATION_REASON_SUPERSEDED],
      currentCertificateId: next.id,
    });
    const got = await hub.call<cv.GetCertificateResponse>(
      'getCertificate',
      { ref: { $case: 'id', value: next.id } },
      MARKET,
    );
    expect(got.history.map((h) => h.version)).toEqual([1, 2]);
  });

  it('renew and reissue make new versions; a retried renew with its key returns the same version', async () => {
    const old = await issueFood();
    const request = { id: old.id, validTo: '2099-12-31', reason: '延续', idempotencyKey: 'renew-1' };
    const renewed = await hub.call<cv.RenewCertificateResponse>('renewCertificate', request, MARKET);
    expect(renewed.certificate?.metadata?.validTo).toBe('2099-12-31');
    const before = await hub.counts();
    const again = await hub.call<cv.RenewCertificateResponse>('renewCertificate', request, MARKET);
    expect(again.certificate?.id).toBe(renewed.certificate?.id);
    expect(await hub.counts()).toEqual(before);
    const reissued = await hub.call<cv.ReissueCertificateResponse>(
      'reissueCertificate',
      { id: renewed.certificate!.id, reason: '遗失' },
      MARKET,
    );
    expect(reissued.certificate).toMatchObject({ version: 3, previousVersionId: renewed.certificate!.id });
  });

  it('a dispute is a warning; the issuer corrects it with a new version or rejects it', async () => {
    const certificate = await issueFood();
    const raised = await hub.call<cv.RaiseDisputeResponse>(
      'raiseDispute',
      { id: certificate.id, claim: '经营场所门牌号有误', fieldKeys: ['premises'] },
      HEALTH,
    );
    const disputeId = raised.certificate!.dispute!.id;
    expect(await byId(certificate.id)).toMatchObject({ valid: true, reasons: [R.VERIFICATION_REASON_DISPUTED] });
    const resolved = await hub.call<cv.ResolveDisputeResponse>(
      'resolveDispute',
      {
        id: certificate.id,
        disputeId,
        resolution: {
          $case: 'correct',
          value: { fields: { premises: '上海市普陀区长寿路102号' }, clearFields: [], holderName: '', note: '更正' },
        },
      },
      MARKET,
    );
    expect(resolved.certificate).toMatchObject({ version: 2 });
    expect(resolved.certificate?.dispute).toMatchObject({
      open: false,
      outcome: cv.DisputeOutcome.DISPUTE_OUTCOME_CORRECTED,
    });

    const other = await issueFood();
    const second = await hub.call<cv.RaiseDisputeResponse>(
      'raiseDispute',
      { id: other.id, claim: '名称有误', fieldKeys: ['holder.name'] },
      HEALTH,
    );
    const rejected = await hub.call<cv.ResolveDisputeResponse>(
      'resolveDispute',
      {
        id: other.id,
        disputeId: second.certificate!.dispute!.id,
        resolution: { $case: 'reject', value: { reason: '与登记一致' } },
      },
      MARKET,
    );
    expect(rejected.certificate?.dispute).toMatchObject({
      open: false,
      outcome: cv.DisputeOutcome.DISPUTE_OUTCOME_REJECTED,
    });
    expect(rejected.previous).toBeUndefined();
  });

  it('expiry: past its end a certificate verifies as expired, and the sweep records it with its event', async () => {
    const today = new Date(hub.clock().getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    const certificate = await issueFood(FOOD_FIELDS, today);
    hub.clock.advance(2 * DAY);
    try {
      expect(await byId(certificate.id)).toMatchObject({ valid: false, reasons: [R.VERIFICATION_REASON_EXPIRED] });
      const outbox = (await hub.counts()).outbox!;
      expect(await expireDueCase(hub.running.deps)).toBeGreaterThanOrEqual(1);
      const got = await hub.call<cv.GetCertificateResponse>(
        'getCertificate',
        { ref: { $case: 'id', value: certificate.id } },
        MARKET,
      );
      expect(got.certificate?.status).toBe(cv.LicenceStatus.LICENCE_STATUS_EXPIRED);
      expect((await hub.counts()).outbox).toBeGreaterThan(outbox);
      expect(await byId(certificate.id)).toMatchObject({ reasons: [R.VERIFICATION_REASON_EXPIRED] });
    } finally {
      hub.clock.advance(-2 * DAY);
    }
  });

  describe('refusals that write nothing', () => {
    it('a department acting on another department’s certificate (CERT_NOT_ISSUER)', async () => {
      const certificate = await issueFood();
      const before = await hub.counts();
      const calls: [string, object][] = [
        ['suspendCertificate', { id: certificate.id, reason: 'x', legalBasis: 'y' }],
        [
          'revokeCertificate',
          { id: certificate.id, kind: cv.RevocationKind.REVOCATION_KIND_WITHDRAWN, reason: 'x', legalBasis: 'y' },
        ],
        ['cancelCertificate', { id: certificate.id, reason: 'x' }],
        ['changeCertificate', { id: certificate.id, fields: { premises: '别处' } }],
        ['reissueCertificate', { id: certificate.id, reason: '遗失' }],
      ];
      for (const [method, request] of calls) {
        expect((await refused(hub.call(method, request, HEALTH))).code).toBe('CERT_NOT_ISSUER');
      }
      expect(await hub.counts()).toEqual(before);
    });

    it('a revocation without a legal basis, or of an unknown certificate', async () => {
      const certificate = await issueFood();
      const before = await hub.counts();
      const noBasis = await refused(
        hub.call(
          'revokeCertificate',
          { id: certificate.id, kind: cv.RevocationKind.REVOCATION_KIND_REVOKED, reason: 'x' },
          MARKET,
        ),
      );
      expect(noBasis.code).toBe('INVALID_ARGUMENT');
      expect(noBasis.fields.map((f) => f.field)).toEqual(['legal_basis']);
      const missing = await refused(
        hub.call(
          'suspendCertificate',
          { id: '00000000-0000-4000-8000-000000000000', reason: 'x', legalBasis: 'y' },
          MARKET,
        ),
      );
      expect(missing.code).toBe('CERT_NOT_FOUND');
      expect(await hub.counts()).toEqual(before);
    });
  });

  describe('tampered or foreign documents verify as invalid, with reasons', () => {
    it('a changed payload, header or signature', async () => {
      const certificate = await issueFood();
      const [h = '', p = '', s = ''] = certificate.jws.split('.');
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      const forged = Buffer.from(JSON.stringify({ ...payload, validTo: '2099-12-31' })).toString('base64url');
      const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
      const otherTyp = Buffer.from(JSON.stringify({ ...header, typ: 'JWT' })).toString('base64url');
      const otherKid = Buffer.from(JSON.stringify({ ...header, kid: 'AAAAAAAAAAAAAAAAAAAAAA' })).toString('base64url');
      const before = (await hub.counts()).certificates;
      const payloadResult = await byJws(`${h}.${forged}.${s}`);
      expect(payloadResult.valid).toBe(false);
      expect(payloadResult.reasons).toContain(R.VERIFICATION_REASON_SIGNATURE_INVALID);
      expect((await byJws(`${otherTyp}.${p}.${s}`)).reasons).toContain(R.VERIFICATION_REASON_TYP_MISMATCH);
      const kidResult = await byJws(`${otherKid}.${p}.${s}`);
      expect(kidResult.valid).toBe(false);
      expect(kidResult.reasons).toEqual(
        expect.arrayContaining([R.VERIFICATION_REASON_KID_MISMATCH, R.VERIFICATION_REASON_SIGNATURE_INVALID]),
      );
      const signatureResult = await byJws(`${h}.${p}.${flip(s, 10)}`);
      expect(signatureResult.reasons).toEqual([R.VERIFICATION_REASON_SIGNATURE_INVALID]);
      expect((await byJws('not a jws')).reasons).toEqual([R.VERIFICATION_REASON_MALFORMED]);
      expect((await hub.counts()).certificates).toBe(before);
    });

    it('a QR sealed under another trust root (KID_UNKNOWN)', async () => {
      const certificate = await issueFood();
      const stranger = testSeals(hub.clock(), 'Another Root CA');
      const signer = stranger.signers.get(PUTUO_MARKET_REGULATION.code)!;
      const [, p = ''] = certificate.jws.split('.');
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      const qr = toQrPayload(await sealPayload(payload, signer, { embedChain: false }));
      const result = await byQr(qr);
      expect(result).toMatchObject({ valid: false, reasons: [R.VERIFICATION_REASON_KID_UNKNOWN] });
      // with its chain, the same foreign seal does not chain to the hub's root
      const withChain = await byJws(await sealPayload(payload, signer));
      expect(withChain.valid).toBe(false);
      expect(withChain.reasons).toContain(R.VERIFICATION_REASON_CHAIN_UNTRUSTED);
    });

    it('a seal compromised before sealing invalidates the certificate; one compromised later does not', async () => {
      const certificate = await issueFood();
      hub.seals.revoke(PUTUO_MARKET_REGULATION.code, new Date(hub.clock().getTime() + 3_600_000));
      try {
        expect((await byJws(certificate.jws)).valid).toBe(true);
        hub.seals.revoke(PUTUO_MARKET_REGULATION.code, new Date(hub.clock().getTime() - 3_600_000));
        const result = await byJws(certificate.jws);
        expect(result.valid).toBe(false);
        expect(result.reasons).toContain(R.VERIFICATION_REASON_SEAL_REVOKED);
      } finally {
        hub.seals.revoke(PUTUO_MARKET_REGULATION.code, undefined);
      }
    });
  });
});
