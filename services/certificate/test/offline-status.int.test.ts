/**
 * Offline verification with live status, end to end on real PostgreSQL and Kafka: the verifier holds only the trust
 * bundle and the sealed status lists fetched with GetStatusList, never the hub. Each verification runs at a frozen
 * time taken from the harness clock.
 */
import { certificateV1 as cv } from '@onceonly/contracts';
import { sealPayload } from '@onceonly/seal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_LIST_TYP } from '../src/app/get-status-list.js';
import { verifyOffline } from '../src/app/verify-offline.js';
import { TYPE_CODES } from '../src/domain/catalogue.js';
import { PUTUO_CULTURE_TOURISM, PUTUO_MARKET_REGULATION } from '../src/domain/departments.js';
import { ENTERPRISE_CODE, FOOD_FIELDS } from './fixtures.js';
import { type Harness, holderRef, type Identity, startHarness } from './service-harness.js';
import { testSeals } from './test-seals.js';

const MARKET: Identity = { code: PUTUO_MARKET_REGULATION.code };
const P = cv.StatusPurpose;

describe('offline verification with the issuer’s status lists', () => {
  let hub: Harness;
  let trust = '';

  beforeAll(async () => {
    hub = await startHarness();
    trust = await hub.seals.trustBundle();
  });
  afterAll(async () => {
    await hub?.stop();
  });

  async function food(): Promise<cv.Certificate> {
    const response = await hub.call<cv.IssueCertificateResponse>(
      'issueCertificate',
      {
        typeCode: TYPE_CODES.FOOD_BUSINESS,
        holder: holderRef(ENTERPRISE_CODE, '上海真北便利店有限公司'),
        fields: FOOD_FIELDS,
      },
      MARKET,
    );
    return response.certificate!;
  }

  /** The list number of a certificate, from its status list entry URL (`…/<purpose>/<n>`). */
  const listNumberOf = (certificate: cv.Certificate) =>
    Number(certificate.statusListEntries[0]!.statusListCredential.split('/').pop());

  async function statusList(issuerCode: string, purpose: cv.StatusPurpose, listNumber = 0) {
    return hub.call<cv.GetStatusListResponse>('getStatusList', { issuerCode, purpose, listNumber }, MARKET);
  }

  /** Both sealed lists of the certificate's issuer and list number, as a verifier would fetch them. */
  async function fetchLists(certificate: cv.Certificate): Promise<cv.GetStatusListResponse[]> {
    const issuer = certificate.metadata!.issuerCode;
    const n = listNumberOf(certificate);
    return Promise.all([P.STATUS_PURPOSE_REVOCATION, P.STATUS_PURPOSE_SUSPENSION].map((p) => statusList(issuer, p, n)));
  }
  const listsFor = async (certificate: cv.Certificate) => (await fetchLists(certificate)).map((list) => list.jws);

  const revoke = (id: string) =>
    hub.call(
      'revokeCertificate',
      {
        id,
        kind: cv.RevocationKind.REVOCATION_KIND_REVOKED,
        reason: '违法经营',
        legalBasis: '《食品安全法》第一百三十四条',
      },
      MARKET,
    );

  it('a freshly issued licence verifies offline with both lists checked (JWS and QR)', async () => {
    const certificate = await food();
    const statusLists = await listsFor(certificate);
    const at = hub.clock();
    for (const input of [certificate.jws, certificate.qrPayload]) {
      const result = await verifyOffline(input, trust, { at, statusLists });
      expect(result).toMatchObject({ valid: true, reasons: [], statusChecked: ['revocation', 'suspension'] });
      expect(result.statusSlot?.listNumber).toBe(listNumberOf(certificate));
      expect(result.statusLists.map((l) => l.bit)).toEqual([false, false]);
    }
    // without lists the live status is not checked, and nothing is added
    expect(await verifyOffline(certificate.jws, trust, { at })).toMatchObject({ valid: true, statusChecked: [] });
  });

  it('revoked: the lists fetched after the revocation say REVOKED; those fetched before did not know', async () => {
    const certificate = await food();
    const before = await listsFor(certificate);
    await revoke(certificate.id);
    const after = await listsFor(certificate);
    const at = hub.clock();
    expect(await verifyOffline(certificate.qrPayload, trust, { at, statusLists: after })).toMatchObject({
      valid: false,
      reasons: ['REVOKED'],
      statusChecked: ['revocation', 'suspension'],
    });
    expect((await verifyOffline(certificate.qrPayload, trust, { at, statusLists: before })).valid).toBe(true);
  });

  it('suspended: SUSPENDED while suspended, valid again from the lists fetched after the resumption', async () => {
    const certificate = await food();
    await hub.call(
      'suspendCertificate',
      { id: certificate.id, reason: '停业整顿', legalBasis: '《食品安全法》' },
      MARKET,
    );
    const suspended = await listsFor(certificate);
    expect(await verifyOffline(certificate.jws, trust, { at: hub.clock(), statusLists: suspended })).toMatchObject({
      valid: false,
      reasons: ['SUSPENDED'],
    });
    await hub.call('resumeCertificate', { id: certificate.id }, MARKET);
    const resumed = await listsFor(certificate);
    // given both, the newest suspension list counts
    const result = await verifyOffline(certificate.jws, trust, {
      at: hub.clock(),
      statusLists: [...suspended, ...resumed],
    });
    expect(result).toMatchObject({ valid: true, reasons: [], statusChecked: ['revocation', 'suspension'] });
  });

  it('refuses a list sealed under another trust root (STATUS_LIST_UNTRUSTED, the seal says CHAIN_UNTRUSTED)', async () => {
    const certificate = await food();
    const genuine = await statusList(MARKET.code, P.STATUS_PURPOSE_REVOCATION, listNumberOf(certificate));
    const other = testSeals(hub.clock(), 'Another Root CA');
    const foreign = await sealPayload(JSON.parse(genuine.credentialJson), other.signers.get(MARKET.code)!, {
      typ: STATUS_LIST_TYP,
    });
    const result = await verifyOffline(certificate.jws, trust, { at: hub.clock(), statusLists: [foreign] });
    expect(result).toMatchObject({ valid: false, reasons: ['STATUS_LIST_UNTRUSTED'], statusChecked: [] });
    expect(result.statusLists[0]?.sealReasons).toEqual(['CHAIN_UNTRUSTED']);
  });

  it('refuses a stale list (past its validUntil) with STATUS_LIST_STALE', async () => {
    const certificate = await food();
    const lists = await fetchLists(certificate);
    const statusLists = lists.map((list) => list.jws);
    const validUntil = new Date(
      Math.min(
        ...lists.map((list) => Date.parse((JSON.parse(list.credentialJson) as { validUntil: string }).validUntil)),
      ),
    );
    const at = new Date(validUntil.getTime() + 1_000);
    const result = await verifyOffline(certificate.jws, trust, { at, statusLists });
    expect(result).toMatchObject({ valid: false, reasons: ['STATUS_LIST_STALE'], statusChecked: [] });
    // just before, the same lists are good
    expect((await verifyOffline(certificate.jws, trust, { at: validUntil, statusLists })).valid).toBe(true);
  });

  it('leaves out the lists of another issuer: they are not this licence’s, and its status stays unchecked', async () => {
    const certificate = await food();
    const theirs = await statusList(PUTUO_CULTURE_TOURISM.code, P.STATUS_PURPOSE_REVOCATION, listNumberOf(certificate));
    const result = await verifyOffline(certificate.jws, trust, { at: hub.clock(), statusLists: [theirs.jws] });
    expect(result).toMatchObject({ valid: true, reasons: [], statusChecked: [] });
    expect(result.statusLists[0]).toMatchObject({
      issuerCode: PUTUO_CULTURE_TOURISM.code,
      reasons: ['STATUS_LIST_ISSUER_MISMATCH'],
      concernsLicence: false,
    });
  });
});
