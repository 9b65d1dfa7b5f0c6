/**
 * Hostile input at the edge of the certificate service, sent through gRPC to the service on PostgreSQL: every case
 * answers a coded error (status, ErrorInfo reason, field) and writes nothing. Raw bytes go through a raw client, so
 * that invalid UTF-8, field number 0, truncated and oversized messages reach the server as they are.
 */
import { status } from '@grpc/grpc-js';
import { consentV1, certificateV1 as cv, HolderRef } from '@onceonly/contracts';
import type { AppError } from '@onceonly/errors';
import { computeCitizenIdCheck } from '@onceonly/ids';
import { type ExpectedRefusal, oversizedRequest, refusalOf, refusedRawCall, withRawBytes } from '@onceonly/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE_CODES } from '../src/domain/catalogue.js';
import { DEMO_PLATFORM, DEMO_PORTAL, PUTUO_HEALTH, PUTUO_MARKET_REGULATION } from '../src/domain/departments.js';
import { ENTERPRISE_CODE, FOOD_FIELDS } from './fixtures.js';
import { type Harness, holderRef, type Identity, refused, startHarness } from './service-harness.js';

const MARKET: Identity = { code: PUTUO_MARKET_REGULATION.code };
const HEALTH: Identity = { code: PUTUO_HEALTH.code };
const PORTAL: Identity = { code: DEMO_PORTAL.code, role: 'portal' };
/** A citizen ID with a valid check character, typed where it does not belong. */
const STRAY_ID = `11010119850612703${computeCitizenIdCheck('11010119850612703')}`;
const NAME = '上海普陀小笼包餐饮有限公司';
const ISSUE = '/onceonly.certificate.v1.CertificateService/IssueCertificate';

function issueRequest(overrides: Partial<cv.IssueCertificateRequest> = {}): cv.IssueCertificateRequest {
  return cv.IssueCertificateRequest.fromPartial({
    typeCode: TYPE_CODES.FOOD_BUSINESS,
    holder: holderRef(ENTERPRISE_CODE, NAME),
    fields: { ...FOOD_FIELDS },
    ...overrides,
  });
}

/** The gRPC status the error crossed the wire with. */
/** An IssueCertificate request whose holder name is `bytes`, byte for byte (invalid UTF-8 included). */
function issueWithRawName(bytes: Buffer): Buffer {
  return withRawBytes(
    (name) => cv.IssueCertificateRequest.encode(issueRequest({ holder: holderRef(ENTERPRISE_CODE, name) })).finish(),
    bytes,
  );
}

describe('hostile input at the certificate service edge', () => {
  let hub: Harness;
  let certificate: cv.Certificate;
  let disputed: cv.Certificate;

  /** Sends raw bytes as an IssueCertificate request. */
  const rawIssue = (bytes: Buffer) =>
    refusedRawCall(hub.address, ISSUE, bytes, { code: MARKET.code, role: 'department' });

  beforeAll(async () => {
    hub = await startHarness();
    certificate = (await hub.call<cv.IssueCertificateResponse>('issueCertificate', issueRequest(), MARKET))
      .certificate!;
    const other = issueRequest({ holder: holderRef(ENTERPRISE_CODE, NAME), typeCode: TYPE_CODES.LIQUOR_RETAIL });
    other.fields = { legal_representative: '王芳', premises: '上海市普陀区长寿路100号' };
    disputed = (await hub.call<cv.IssueCertificateResponse>('issueCertificate', other, MARKET)).certificate!;
    const raised = await hub.call<cv.RaiseDisputeResponse>(
      'raiseDispute',
      { id: disputed.id, claim: '经营场所门牌号有误\n应为102号', fieldKeys: ['premises'] },
      HEALTH,
    );
    disputed = raised.certificate!;
  });

  afterAll(async () => {
    await hub?.stop();
  });

  type Case = [name: string, send: () => Promise<AppError>, expected: ExpectedRefusal];

  /** A call that must be refused; the request is built when the case runs (after the certificates exist). */
  const call =
    (method: string, request: () => object, as: Identity = MARKET) =>
    () =>
      refused(hub.call(method, request(), as));
  const issueWithName = (name: string) =>
    call('issueCertificate', () => issueRequest({ holder: holderRef(ENTERPRISE_CODE, name) }));
  const revokeWith = (reason: string) =>
    call('revokeCertificate', () => ({
      id: certificate.id,
      kind: cv.RevocationKind.REVOCATION_KIND_REVOKED,
      reason,
      legalBasis: '《食品安全法》第一百三十四条',
    }));
  const text = (field: string, reason: string) => ({
    status: status.INVALID_ARGUMENT,
    code: 'TEXT_INVALID',
    field,
    reason,
  });
  const personal = (field: string) => ({
    status: status.INVALID_ARGUMENT,
    code: 'PERSONAL_DATA_IN_TEXT',
    field,
    reason: 'CITIZEN_ID',
  });
  const expiresAt = (value: string) =>
    call(
      'grantConsent',
      () =>
        consentV1.GrantConsentRequest.fromPartial({
          holder: holderRef(ENTERPRISE_CODE, NAME),
          platformCode: DEMO_PLATFORM.code,
          typeCodes: [TYPE_CODES.FOOD_BUSINESS],
          purpose: 'merchant-onboarding',
          expiresAt: value,
        }),
      PORTAL,
    );

  const cases: Case[] = [
    ['a NUL byte in the holder name', issueWithName('上海\u0000普陀'), text('holder.name', 'CONTROL_CHARACTER')],
    ['a NUL byte in a revocation reason', revokeWith('违法\u0000经营'), text('reason', 'CONTROL_CHARACTER')],
    [
      'a NUL byte in a legal basis',
      call('revokeCertificate', () => ({
        id: certificate.id,
        kind: cv.RevocationKind.REVOCATION_KIND_REVOKED,
        reason: '违法经营',
        legalBasis: '《食品安全法》\u0000第一百三十四条',
      })),
      text('legal_basis', 'CONTROL_CHARACTER'),
    ],
    [
      'a NUL byte in a dispute claim',
      call('raiseDispute', () => ({ id: certificate.id, claim: '门牌号\u0000有误', fieldKeys: ['premises'] }), HEALTH),
      text('claim', 'CONTROL_CHARACTER'),
    ],
    [
      'invalid UTF-8 bytes sent raw in the holder name',
      () => rawIssue(issueWithRawName(Buffer.from([0x41, 0xff, 0xfe, 0x42]))),
      text('holder.name', 'INVALID_UTF8'),
    ],
    [
      'a right-to-left override in the holder name',
      issueWithName('上海\u202e司公限有'),
      text('holder.name', 'BIDI_CONTROL'),
    ],
    ['a newline in the holder name', issueWithName('上海普陀\n小笼包'), text('holder.name', 'CONTROL_CHARACTER')],
    [
      'an ESC sequence in the holder name',
      issueWithName('上海\u001b[2J普陀'),
      text('holder.name', 'CONTROL_CHARACTER'),
    ],
    [
      'a zero-width space in the holder name',
      issueWithName('上海\u200b普陀'),
      text('holder.name', 'INVISIBLE_CHARACTER'),
    ],
    ['a BOM in the holder name', issueWithName('\ufeff上海普陀'), text('holder.name', 'INVISIBLE_CHARACTER')],
    ['a holder name not in NFC', issueWithName('Cafe\u0301 Shanghai'), text('holder.name', 'NOT_NFC')],
    [
      'a holder name over 1,000 characters',
      issueWithName('章'.repeat(1001)),
      { status: status.INVALID_ARGUMENT, code: 'INVALID_ARGUMENT', field: 'holder.name', reason: 'TOO_LONG' },
    ],
    ['a citizen ID in a revocation reason', revokeWith(`持证人身份证${STRAY_ID}，违法经营`), personal('reason')],
    [
      'a citizen ID in a dispute claim',
      call(
        'raiseDispute',
        () => ({ id: certificate.id, claim: `本人身份证号${STRAY_ID}`, fieldKeys: ['premises'] }),
        HEALTH,
      ),
      personal('claim'),
    ],
    [
      'a citizen ID in a dispute resolution note',
      call('resolveDispute', () => ({
        id: disputed.id,
        disputeId: disputed.dispute?.id ?? '',
        resolution: {
          $case: 'correct',
          value: { fields: {}, clearFields: [], holderName: '', note: `核对${STRAY_ID}` },
        },
      })),
      personal('correct.note'),
    ],
    [
      'a citizen ID in a face field',
      call('issueCertificate', () =>
        issueRequest({ fields: { ...FOOD_FIELDS, legal_representative: `王芳 ${STRAY_ID}` } }),
      ),
      personal('fields.legal_representative'),
    ],
    [
      'a date that does not exist (2027-02-30) as the end of validity',
      call('issueCertificate', () => issueRequest({ validTo: '2027-02-30' })),
      { status: status.INVALID_ARGUMENT, code: 'CERT_VALIDITY_INVALID', field: 'valid_to', reason: 'DATE' },
    ],
    [
      'a date that does not exist (2027-02-30) as a consent expiry',
      expiresAt('2027-02-30T00:00:00+08:00'),
      { status: status.INVALID_ARGUMENT, code: 'CONSENT_INVALID', field: 'expires_at', reason: 'DATE_TIME' },
    ],
    [
      'a consent expiry without an offset',
      expiresAt('2027-01-15T00:00:00'),
      { status: status.INVALID_ARGUMENT, code: 'CONSENT_INVALID', field: 'expires_at', reason: 'DATE_TIME' },
    ],
    [
      'a message that does not decode (a field running past the end)',
      () => rawIssue(Buffer.from([0x0a, 0x40, 0x41])),
      { status: status.INVALID_ARGUMENT, code: 'REQUEST_MALFORMED', field: 'request', reason: 'TRUNCATED' },
    ],
    [
      'a message over the 4 MiB receive limit',
      () => rawIssue(oversizedRequest(4 * 1024 * 1024 + 64)),
      { status: status.RESOURCE_EXHAUSTED, code: 'REQUEST_TOO_LARGE', field: 'request', reason: 'TOO_LARGE' },
    ],
    [
      'a protobuf field number 0',
      () =>
        rawIssue(
          Buffer.concat([
            Buffer.from(cv.IssueCertificateRequest.encode(issueRequest()).finish()),
            Buffer.from([0x02, 0x01, 0x41]),
          ]),
        ),
      { status: status.INVALID_ARGUMENT, code: 'REQUEST_MALFORMED', field: 'request', reason: 'FIELD_NUMBER_ZERO' },
    ],
    [
      'a protobuf field number 0 inside a nested message (the holder)',
      () => {
        const holder = Buffer.concat([
          Buffer.from(HolderRef.encode(holderRef(ENTERPRISE_CODE, NAME)).finish()),
          Buffer.from([0x02, 0x01, 0x41]),
        ]);
        const rest = Buffer.from(cv.IssueCertificateRequest.encode(issueRequest({ holder: undefined })).finish());
        return rawIssue(Buffer.concat([rest, Buffer.from([0x1a, holder.length]), holder]));
      },
      { status: status.INVALID_ARGUMENT, code: 'REQUEST_MALFORMED', field: 'request', reason: 'FIELD_NUMBER_ZERO' },
    ],
    [
      'a protobuf field number 0 inside a map entry (a face field)',
      () => {
        const entry = Buffer.from([0x0a, 0x01, 0x6b, 0x12, 0x01, 0x76, 0x02, 0x01, 0x41]);
        const rest = Buffer.from(cv.IssueCertificateRequest.encode(issueRequest()).finish());
        return rawIssue(Buffer.concat([rest, Buffer.from([0x22, entry.length]), entry]));
      },
      { status: status.INVALID_ARGUMENT, code: 'REQUEST_MALFORMED', field: 'request', reason: 'FIELD_NUMBER_ZERO' },
    ],
    [
      'Putuo issuing under the division code of Dongcheng, Beijing (110101)',
      call('issueCertificate', () => issueRequest({ division: '110101' })),
      {
        status: status.PERMISSION_DENIED,
        code: 'CERT_OUTSIDE_JURISDICTION',
        field: 'division',
        reason: 'OUTSIDE_JURISDICTION',
      },
    ],
  ];

  it.each(cases)('refuses %s with a coded error and writes nothing', async (_name, send, expected) => {
    const before = await hub.counts();
    const err = await send();
    expect(refusalOf(err, expected.field)).toEqual(expected);
    expect(await hub.counts()).toEqual(before);
  });

  it('keeps a stray citizen ID out of storage, responses and logs', async () => {
    const err = await revokeWith(`身份证${STRAY_ID}`)();
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain(STRAY_ID);
    expect(hub.logText()).not.toContain(STRAY_ID);
    const tables = ['certificates', 'outbox', 'consents'];
    for (const table of tables) {
      const { rows } = await hub.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM certificate.${table} t WHERE position($1 in t::text) > 0`,
        [STRAY_ID],
      );
      expect(rows[0]!.n).toBe(0);
    }
    const got = await hub.call<cv.GetCertificateResponse>(
      'getCertificate',
      { ref: { $case: 'id', value: certificate.id } },
      MARKET,
    );
    expect(JSON.stringify(got)).not.toContain(STRAY_ID);
  });

  it('lets a dispute claim run over lines', () => {
    expect(disputed.dispute).toMatchObject({ open: true });
  });
});
