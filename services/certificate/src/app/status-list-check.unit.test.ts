import { sealPayload, toQrPayload } from '@onceonly/seal';
import { describe, expect, it } from 'vitest';
import { testSeals } from '../../test/test-seals.js';
import { PUTUO_CULTURE_TOURISM, PUTUO_MARKET_REGULATION } from '../domain/departments.js';
import {
  bitstringWith,
  createBitstring,
  encodeStatusList,
  type StatusPurpose,
  statusListCredential,
  statusListPosition,
} from '../domain/status-list.js';
import { createBrowserVerifier } from '../web.js';
import { STATUS_LIST_TYP } from './get-status-list.js';
import { claimReasons, readStatusListClaims, type StatusListCheck, statusOf } from './status-list-check.js';
import { issuerUrl, statusListUrl } from './status-list-url.js';
import { verifyOffline } from './verify-offline.js';

/**
 * Offline live status from sealed status lists, with real crypto: test seals of the demo departments under one test
 * root, lists built and sealed as GetStatusList does, and a frozen time.
 */

const NOW = new Date('2025-03-10T02:00:00Z');
const HOUR = 3_600_000;
const MARKET = PUTUO_MARKET_REGULATION.code;
const CULTURE = PUTUO_CULTURE_TOURISM.code;
const BASE = 'https://hub.test/status-lists';
const SLOT = statusListPosition(41);

const seals = testSeals(NOW);
const bundle = await seals.trustBundle();
const signer = (code: string, from = seals) => from.signers.get(code)!;

interface ListOptions {
  readonly set?: readonly number[];
  readonly listNumber?: number;
  /** Who the credential names as issuer; the sealer by default. */
  readonly names?: string;
  readonly sealedAt?: Date;
  readonly bits?: Uint8Array;
  readonly from?: typeof seals;
}

function credential(code: string, purpose: StatusPurpose, options: ListOptions = {}) {
  const at = options.sealedAt ?? NOW;
  return statusListCredential({
    id: statusListUrl(BASE, code, purpose, options.listNumber ?? SLOT.listNumber),
    issuer: issuerUrl(BASE, code),
    purpose,
    encodedList: encodeStatusList(options.bits ?? bitstringWith(options.set ?? [])),
    validFrom: at,
    validUntil: new Date(at.getTime() + 24 * HOUR),
  });
}

/** A status list of `code`'s, sealed by `code` (as GetStatusList seals it). */
function sealedList(code: string, purpose: StatusPurpose, options: ListOptions = {}): Promise<string> {
  const at = options.sealedAt ?? NOW;
  const body = credential(options.names ?? code, purpose, options);
  return sealPayload(body, signer(code, options.from), { typ: STATUS_LIST_TYP, clock: () => at });
}

const licencePayload = (extra: Record<string, unknown> = {}) => ({
  licenceName: '食品经营许可证',
  licenceNumber: 'JY13101070000001',
  issuerCode: MARKET,
  validFrom: '2025-03-10',
  validTo: '2030-03-09',
  statusListNumber: SLOT.listNumber,
  statusListIndex: SLOT.index,
  iat: Math.floor(NOW.getTime() / 1000),
  ...extra,
});

const licence = (extra: Record<string, unknown> = {}) => sealPayload(licencePayload(extra), signer(MARKET));

const clean = () => Promise.all([sealedList(MARKET, 'revocation'), sealedList(MARKET, 'suspension')]);

describe('reading a status list credential', () => {
  it('reads what GetStatusList builds: issuer code, purpose, list number, validUntil', () => {
    expect(readStatusListClaims(credential(MARKET, 'suspension', { listNumber: 3 }))).toMatchObject({
      issuerCode: MARKET,
      purpose: 'suspension',
      listNumber: 3,
      validFrom: NOW,
      validUntil: new Date(NOW.getTime() + 24 * HOUR),
    });
  });

  it('refuses anything else: another type, an id that is not <issuer>/<purpose>/<n>, no validUntil, another purpose', () => {
    const good = credential(MARKET, 'revocation');
    const subject = good.credentialSubject as Record<string, unknown>;
    for (const bad of [
      { ...good, type: ['VerifiableCredential'] },
      { ...good, id: `${BASE}/${CULTURE}/revocation/0` },
      { ...good, id: `${BASE}/${MARKET}/suspension/0` },
      { ...good, id: `${BASE}/${MARKET}/revocation/01` },
      { ...good, validUntil: undefined },
      { ...good, validUntil: 'tomorrow' },
      { ...good, validFrom: undefined },
      { ...good, credentialSubject: { ...subject, statusPurpose: 'message' } },
      { ...good, credentialSubject: { ...subject, type: 'StatusList2021' } },
      { ...good, credentialSubject: { ...subject, encodedList: 1 } },
      { ...good, issuer: `${BASE}/` },
    ]) {
      expect(readStatusListClaims(bad)).toBeUndefined();
    }
  });

  it('judges a verified list: issuer named, sealer and licence issuer all one; not past validUntil', () => {
    const claims = readStatusListClaims(credential(MARKET, 'revocation'))!;
    const until = claims.validUntil;
    expect(claimReasons(claims, MARKET, MARKET, until)).toEqual([]);
    expect(claimReasons(claims, MARKET, MARKET, new Date(until.getTime() + 1))).toEqual(['STATUS_LIST_STALE']);
    expect(claimReasons(claims, CULTURE, MARKET, NOW)).toEqual(['STATUS_LIST_ISSUER_MISMATCH']);
    expect(claimReasons(claims, MARKET, CULTURE, NOW)).toEqual(['STATUS_LIST_ISSUER_MISMATCH']);
    expect(claimReasons(claims, undefined, MARKET, NOW)).toEqual(['STATUS_LIST_ISSUER_MISMATCH']);
  });
});

describe('the verdict of the lists', () => {
  const read = (purpose: StatusPurpose, bit: boolean, validFrom: Date, position = 0): StatusListCheck => ({
    position,
    reasons: [],
    concernsLicence: true,
    purpose,
    bit,
    validFrom,
  });

  it('takes the newest list per purpose (by validFrom), and the status is as of the oldest list read', () => {
    const older = new Date(NOW.getTime() - HOUR);
    const status = statusOf([
      read('suspension', true, older, 0),
      read('suspension', false, NOW, 1),
      read('revocation', false, older, 2),
    ]);
    expect(status).toMatchObject({ reasons: [], checked: ['revocation', 'suspension'], asOf: older });
    // a millisecond apart counts; on a tie the set bit wins
    const later = new Date(NOW.getTime() + 1);
    expect(statusOf([read('suspension', false, later), read('suspension', true, NOW)]).reasons).toEqual([]);
    expect(statusOf([read('suspension', false, NOW), read('suspension', true, NOW)]).reasons).toEqual(['SUSPENDED']);
    expect(statusOf([read('suspension', true, NOW), read('suspension', false, NOW)]).reasons).toEqual(['SUSPENDED']);
  });

  it('counts the refusals of lists that concern the licence, once each, and not those of other issuers', () => {
    const refused = (reasons: StatusListCheck['reasons'], concernsLicence: boolean): StatusListCheck => ({
      position: 0,
      reasons,
      concernsLicence,
    });
    const status = statusOf([
      refused(['STATUS_LIST_STALE'], true),
      refused(['STATUS_LIST_STALE'], true),
      refused(['STATUS_LIST_ISSUER_MISMATCH', 'STATUS_LIST_STALE'], false),
      read('revocation', true, NOW),
    ]);
    expect(status).toMatchObject({ reasons: ['STATUS_LIST_STALE', 'REVOKED'], checked: ['revocation'] });
    expect(statusOf([])).toEqual({ reasons: [], checked: [], lists: [] });
  });
});

describe('verifyOffline with status lists', () => {
  it('without lists checks nothing live and says so', async () => {
    const result = await verifyOffline(await licence(), bundle, { at: NOW });
    expect(result).toMatchObject({ valid: true, reasons: [], statusSlot: SLOT, statusChecked: [], statusLists: [] });
    // genuine, but whether the holder may operate is not established offline without the issuer's lists
    expect(result).toMatchObject({ genuine: true, mayOperate: false });
    expect(result.operationFindings).toEqual([{ code: 'STATUS_UNCHECKED', warning: false }]);
    const onlyRevocation = await verifyOffline(await licence(), bundle, {
      at: NOW,
      statusLists: [(await clean())[0]!],
    });
    expect(onlyRevocation.operationFindings.map((f) => f.code)).toEqual(['STATUS_UNCHECKED']);
  });

  it('accepts a licence whose bits are clear in both lists of its issuer (JWS and QR alike)', async () => {
    const lists = await clean();
    const jws = await licence();
    const qr = toQrPayload(await sealPayload(licencePayload(), signer(MARKET), { embedChain: false }));
    for (const input of [jws, qr]) {
      const result = await verifyOffline(input, bundle, { at: NOW, statusLists: lists });
      expect(result).toMatchObject({
        valid: true,
        reasons: [],
        statusChecked: ['revocation', 'suspension'],
        statusAsOf: NOW,
        genuine: true,
        mayOperate: true,
        operationFindings: [],
      });
      expect(result.statusLists.map((l) => [l.purpose, l.bit, l.reasons])).toEqual([
        ['revocation', false, []],
        ['suspension', false, []],
      ]);
    }
  });

  it('says REVOKED when the revocation bit is set and SUSPENDED when the suspension bit is', async () => {
    const revoked = await sealedList(MARKET, 'revocation', { set: [SLOT.index] });
    const suspended = await sealedList(MARKET, 'suspension', { set: [SLOT.index] });
    const [cleanRevocation, cleanSuspension] = await clean();
    const jws = await licence();
    expect(await verifyOffline(jws, bundle, { at: NOW, statusLists: [revoked, cleanSuspension!] })).toMatchObject({
      valid: false,
      reasons: ['REVOKED'],
      genuine: true,
      mayOperate: false,
      operationFindings: [{ code: 'REVOKED', warning: false }],
    });
    expect(await verifyOffline(jws, bundle, { at: NOW, statusLists: [cleanRevocation!, suspended] })).toMatchObject({
      valid: false,
      reasons: ['SUSPENDED'],
    });
    // another certificate's bit is not this one's
    const neighbour = await sealedList(MARKET, 'revocation', { set: [SLOT.index + 1, SLOT.index - 1] });
    expect((await verifyOffline(jws, bundle, { at: NOW, statusLists: [neighbour] })).valid).toBe(true);
  });

  it('reads the newest list of a purpose: a suspension since lifted no longer counts', async () => {
    const earlier = new Date(NOW.getTime() - 2 * HOUR);
    const suspended = await sealedList(MARKET, 'suspension', { set: [SLOT.index], sealedAt: earlier });
    const resumed = await sealedList(MARKET, 'suspension');
    const result = await verifyOffline(await licence(), bundle, { at: NOW, statusLists: [resumed, suspended] });
    expect(result).toMatchObject({ valid: true, statusChecked: ['suspension'], statusAsOf: NOW });
  });

  it('refuses a list sealed under another trust root with STATUS_LIST_UNTRUSTED and the seal’s reason', async () => {
    const other = testSeals(NOW, 'Another Root CA');
    const foreign = await sealedList(MARKET, 'revocation', { from: other });
    const result = await verifyOffline(await licence(), bundle, { at: NOW, statusLists: [foreign] });
    expect(result).toMatchObject({ valid: false, reasons: ['STATUS_LIST_UNTRUSTED'], statusChecked: [] });
    expect(result.statusLists[0]?.sealReasons).toContain('CHAIN_UNTRUSTED');
  });

  it('refuses a tampered list, and a sealed licence passed as a list (typ)', async () => {
    const list = await sealedList(MARKET, 'revocation', { set: [SLOT.index] });
    const [header, , signature] = list.split('.');
    const cleared = Buffer.from(
      JSON.stringify({ ...credential(MARKET, 'revocation'), iat: NOW.getTime() / 1000 }),
    ).toString('base64url');
    const tampered = `${header}.${cleared}.${signature}`;
    const jws = await licence();
    const result = await verifyOffline(jws, bundle, { at: NOW, statusLists: [tampered, jws] });
    expect(result.reasons).toEqual(['STATUS_LIST_UNTRUSTED']);
    expect(result.statusLists.map((l) => l.sealReasons)).toEqual([['SIGNATURE_INVALID'], ['TYP_MISMATCH']]);
  });

  it('refuses a stale list (past validUntil) with STATUS_LIST_STALE and does not read it', async () => {
    const later = new Date(NOW.getTime() + 25 * HOUR);
    const revoked = await sealedList(MARKET, 'revocation', { set: [SLOT.index] });
    const result = await verifyOffline(await licence(), bundle, { at: later, statusLists: [revoked] });
    expect(result).toMatchObject({ valid: false, reasons: ['STATUS_LIST_STALE'], statusChecked: [] });
    expect(result.statusLists[0]).toMatchObject({ reasons: ['STATUS_LIST_STALE'], validUntil: expect.any(Date) });
  });

  it('leaves out a good list of another issuer (not counted, marked), but refuses one that names another issuer than its sealer', async () => {
    const theirs = await sealedList(CULTURE, 'revocation', { set: [SLOT.index] });
    const jws = await licence();
    const result = await verifyOffline(jws, bundle, { at: NOW, statusLists: [theirs] });
    expect(result).toMatchObject({ valid: true, reasons: [], statusChecked: [] });
    expect(result.statusLists[0]).toMatchObject({
      issuerCode: CULTURE,
      reasons: ['STATUS_LIST_ISSUER_MISMATCH'],
      concernsLicence: false,
    });
    const impostor = await sealedList(CULTURE, 'revocation', { names: MARKET });
    expect(await verifyOffline(jws, bundle, { at: NOW, statusLists: [impostor] })).toMatchObject({
      valid: false,
      reasons: ['STATUS_LIST_ISSUER_MISMATCH'],
      statusChecked: [],
    });
  });

  it('reads no list of another list number, and none for a licence that carries no slot', async () => {
    const otherNumber = await sealedList(MARKET, 'revocation', { listNumber: SLOT.listNumber + 1, set: [SLOT.index] });
    expect(await verifyOffline(await licence(), bundle, { at: NOW, statusLists: [otherNumber] })).toMatchObject({
      valid: true,
      statusChecked: [],
    });
    const noSlot = await licence({ statusListNumber: undefined, statusListIndex: undefined });
    const result = await verifyOffline(noSlot, bundle, { at: NOW, statusLists: await clean() });
    expect(result).toMatchObject({ valid: true, statusChecked: [] });
    expect(result.statusSlot).toBeUndefined();
  });

  it('refuses a sealed list that is not a status list, or too short for the index, with STATUS_LIST_MALFORMED', async () => {
    const notAList = await sealPayload({ hello: 'world' }, signer(MARKET), { typ: STATUS_LIST_TYP, clock: () => NOW });
    const short = await sealedList(MARKET, 'revocation', { bits: createBitstring(64) });
    const result = await verifyOffline(await licence(), bundle, { at: NOW, statusLists: [notAList, short] });
    expect(result).toMatchObject({ valid: false, reasons: ['STATUS_LIST_MALFORMED'], statusChecked: [] });
    expect(result.statusLists.map((l) => l.reasons)).toEqual([['STATUS_LIST_MALFORMED'], ['STATUS_LIST_MALFORMED']]);
  });

  it('reads no list for a licence whose own seal does not verify', async () => {
    const other = testSeals(NOW, 'Another Root CA');
    const foreign = await sealPayload(licencePayload(), signer(MARKET, other));
    const result = await verifyOffline(foreign, bundle, { at: NOW, statusLists: await clean() });
    expect(result).toMatchObject({ valid: false, reasons: ['CHAIN_UNTRUSTED'], statusLists: [] });
  });
});

describe('the browser verifier (WebCrypto, DecompressionStream; the /verify page) agrees with verifyOffline', () => {
  it('gives the same verdict, findings and lists read, for clean, revoked, suspended, foreign and tampered input', async () => {
    const browser = await createBrowserVerifier(bundle);
    const [cleanRevocation, cleanSuspension] = await clean();
    const revoked = await sealedList(MARKET, 'revocation', { set: [SLOT.index] });
    const suspended = await sealedList(MARKET, 'suspension', { set: [SLOT.index] });
    const foreign = await sealedList(CULTURE, 'revocation', { set: [SLOT.index] });
    const qr = toQrPayload(await sealPayload(licencePayload(), signer(MARKET), { embedChain: false }));
    const jws = await licence();
    const [h, , s] = jws.split('.');
    const cases: [string, string[]][] = [
      [qr, []],
      [qr, [cleanRevocation!, cleanSuspension!]],
      [jws, [revoked, cleanSuspension!]],
      [jws, [cleanRevocation!, suspended]],
      [jws, [cleanRevocation!, cleanSuspension!, foreign]],
      [await licence({ validTo: '2025-03-09' }), [cleanRevocation!, cleanSuspension!]],
      [`${h}.${Buffer.from('{"issuerCode":"x"}').toString('base64url')}.${s}`, [cleanRevocation!, cleanSuspension!]],
    ];
    for (const [input, statusLists] of cases) {
      const node = await verifyOffline(input, bundle, { at: NOW, statusLists });
      expect(await browser(input, { at: NOW, statusLists })).toEqual(node);
    }
  });
});
