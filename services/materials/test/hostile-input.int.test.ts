/**
 * Hostile input at the edge of the materials service, through gRPC to the service on PostgreSQL and Kafka: every
 * case answers a coded error (status, code, field, reason) and writes nothing. Raw bytes go through a raw client, so
 * that invalid UTF-8, field number 0 and oversized messages reach the server as they are. A person's citizen ID is
 * never in a table, the outbox or the log. No certificate service answers here: its materials stay REQUIRED with
 * PROVIDER_UNAVAILABLE.
 */
import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { HolderCodeType, materialsV1 as mv } from '@onceonly/contracts';
import type { AppError } from '@onceonly/errors';
import { computeCitizenIdCheck, computeUsccCheck } from '@onceonly/ids';
import {
  type ExpectedRefusal,
  type HostedModules,
  oversizedRequest,
  refusal,
  refusalOf,
  refusedRawCall,
  withRawBytes,
} from '@onceonly/kit/testing';
import type { Database } from '@onceonly/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaterialsClient } from '../src/client.js';
import { type MaterialsHost, refused, startMaterialsHost } from './support.js';

const UPLOAD = '/onceonly.materials.v1.MaterialsService/UploadMaterial';
const MARKET_REGULATION = `11310107MB2F03587${computeUsccCheck('11310107MB2F03587')}`;
const SHOP = `91310107MA1H7Q2W3${computeUsccCheck('91310107MA1H7Q2W3')}`;
const CITIZEN_ID = `31010719900307123${computeCitizenIdCheck('31010719900307123')}`;
const CONTENT = Buffer.from('%PDF-1.7 平面图');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const shop = { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC };

let m: MaterialsHost;
let db: Database;
let host: HostedModules;
const as = (code: string, role?: string): MaterialsClient => m.as(code, role);

function upload(more: Partial<mv.UploadMaterialRequest> = {}) {
  return mv.UploadMaterialRequest.fromPartial({
    owner: shop,
    materialType: 'floor-plan',
    name: '经营场所平面图',
    content: CONTENT,
    sha256: sha(CONTENT),
    mediaType: 'application/pdf',
    ...more,
  });
}

async function counts() {
  const { rows } = await db.query(
    `SELECT (SELECT count(*)::int FROM materials.materials) AS materials,
            (SELECT count(*)::int FROM materials.contents) AS contents,
            (SELECT count(*)::int FROM materials.resolutions) AS resolutions,
            (SELECT count(*)::int FROM materials.reuses) AS reuses,
            (SELECT count(*)::int FROM materials.outbox) AS outbox`,
  );
  return rows[0];
}

beforeAll(async () => {
  // nothing listens where the certificate service would be: the certificate provider is unavailable
  m = await startMaterialsHost('materials-hostile', { ONCEONLY_MATERIALS_MAX_BYTES: '1024' });
  ({ db, host } = m);
  // one material, so that the tables hold rows to compare
  await as(MARKET_REGULATION).uploadMaterial(upload());
});

afterAll(async () => {
  await m?.stop();
});

type Expected = ExpectedRefusal;
const bad = refusal;
const up = (r: mv.UploadMaterialRequest) => () => refused(as(MARKET_REGULATION).uploadMaterial(r));
const resolve = (r: Partial<mv.ResolveMaterialsRequest>) => () =>
  refused(
    as(MARKET_REGULATION).resolveMaterials({
      applicant: shop,
      itemCode: 'industry-bakery',
      applicationId: 'APP-H',
      ...r,
    }),
  );
const raw = (bytes: Buffer) =>
  refusedRawCall(host.address, UPLOAD, bytes, { code: MARKET_REGULATION, role: 'department' });
const wrongCheck = (code: string) => `${code.slice(0, 17)}${code.endsWith('1') ? '2' : '1'}`;

const cases: [string, () => Promise<AppError>, Expected][] = [
  ['a NUL byte in the name', up(upload({ name: '平面\u0000图' })), bad('TEXT_INVALID', 'name', 'CONTROL_CHARACTER')],
  [
    'a citizen ID in the name',
    up(upload({ name: `张三 ${CITIZEN_ID} 的平面图` })),
    bad('PERSONAL_DATA_IN_TEXT', 'name', 'CITIZEN_ID'),
  ],
  [
    'an owner citizen ID with a wrong check character',
    up(upload({ owner: { code: wrongCheck(CITIZEN_ID), codeType: HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID } })),
    bad('CITIZEN_ID_INVALID', 'owner.code', 'CITIZEN_ID'),
  ],
  [
    'an owner code without its type',
    up(upload({ owner: { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_UNSPECIFIED } })),
    bad('HOLDER_CODE_TYPE_INVALID', 'owner.code_type', 'HOLDER_CODE_TYPE'),
  ],
  ['a digest that is not hex', up(upload({ sha256: 'xyz' })), bad('INVALID_ARGUMENT', 'sha256', 'SHA256')],
  [
    'a validity that is not a day',
    up(upload({ validUntil: '2026-02-30' })),
    bad('INVALID_ARGUMENT', 'valid_until', 'DATE'),
  ],
  ['no content', up(upload({ content: Buffer.alloc(0) })), bad('INVALID_ARGUMENT', 'content', 'REQUIRED')],
  [
    'bytes that do not hash to the declared digest',
    up(upload({ sha256: sha(Buffer.from('another')) })),
    bad('MATERIALS_DIGEST_MISMATCH', 'sha256', 'MATERIALS_DIGEST_MISMATCH'),
  ],
  [
    'a material over the size limit',
    up(upload({ content: Buffer.alloc(1025, 1), sha256: sha(Buffer.alloc(1025, 1)) })),
    bad('MATERIALS_TOO_LARGE', 'content', 'MATERIALS_TOO_LARGE'),
  ],
  [
    'a material type the catalogue does not list',
    up(upload({ materialType: 'selfie' })),
    bad('MATERIALS_TYPE_UNKNOWN', 'material_type', 'MATERIALS_TYPE_UNKNOWN'),
  ],
  [
    'an unknown item',
    resolve({ itemCode: 'no-such-item' }),
    bad('MATERIALS_ITEM_UNKNOWN', 'item_code', 'MATERIALS_ITEM_UNKNOWN', status.NOT_FOUND),
  ],
  [
    'an applicant credit code with a wrong check character',
    resolve({ applicant: { code: wrongCheck(SHOP), codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC } }),
    bad('USCC_INVALID', 'applicant.code', 'USCC_CHECK_CHARACTER'),
  ],
  ['no application', resolve({ applicationId: ' ' }), bad('INVALID_ARGUMENT', 'application_id', 'REQUIRED')],
  [
    'invalid UTF-8 bytes sent raw in the name',
    () =>
      raw(
        withRawBytes(
          (name) => mv.UploadMaterialRequest.encode(upload({ name })).finish(),
          Buffer.from([0x41, 0xff, 0xfe, 0x42]),
        ),
      ),
    bad('TEXT_INVALID', 'name', 'INVALID_UTF8'),
  ],
  [
    'a message over the 4 MiB receive limit',
    () => raw(oversizedRequest(4 * 1024 * 1024 + 64)),
    { status: status.RESOURCE_EXHAUSTED, code: 'REQUEST_TOO_LARGE', field: 'request', reason: 'TOO_LARGE' },
  ],
  [
    'a protobuf field number 0',
    () =>
      raw(
        Buffer.concat([
          Buffer.from(mv.UploadMaterialRequest.encode(upload()).finish()),
          Buffer.from([0x02, 0x01, 0x41]),
        ]),
      ),
    bad('REQUEST_MALFORMED', 'request', 'FIELD_NUMBER_ZERO'),
  ],
];

describe('hostile input at the materials service edge', () => {
  it.each(cases)('refuses %s with a coded error and writes nothing', async (_name, send, expected) => {
    const before = await counts();
    const err = await send();
    expect(refusalOf(err, expected.field)).toEqual(expected);
    expect(await counts()).toEqual(before);
  });

  it('keeps a person’s citizen ID out of the tables, the outbox and the log; the provider down is a reason', async () => {
    const person = { code: CITIZEN_ID, codeType: HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID };
    const stored = await as(MARKET_REGULATION).uploadMaterial(upload({ owner: person }));
    expect(stored.material?.ownerKey).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.material?.ownerDisplay).toBe(`310107********${CITIZEN_ID.slice(14)}`);
    const { resolution } = await as(MARKET_REGULATION).resolveMaterials({
      applicant: person,
      itemCode: 'industry-bakery',
      applicationId: 'APP-P',
    });
    const of = (code: string) => resolution!.materials.find((m) => m.materialCode === code)!;
    expect(of('food-business-licence').reason).toBe(mv.RequiredReason.REQUIRED_REASON_PROVIDER_UNAVAILABLE);
    expect(of('floor-plan').decision).toBe(mv.Decision.DECISION_EXEMPT);
    expect(host.logText()).not.toContain(CITIZEN_ID);
    for (const table of ['materials', 'resolutions', 'reuses', 'items']) {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM materials.${table} t WHERE position($1 in t::text) > 0`,
        [CITIZEN_ID],
      );
      expect(rows[0]!.n, table).toBe(0);
    }
    const { rows } = await db.query<{ n: number; events: number }>(
      `SELECT count(*) FILTER (WHERE position(convert_to($1, 'UTF8') in body) > 0)::int AS n, count(*)::int AS events
       FROM materials.outbox`,
      [CITIZEN_ID],
    );
    expect(rows[0]).toMatchObject({ n: 0 });
    expect(rows[0]!.events).toBeGreaterThan(2);
  });
});
