/**
 * Hostile input at the edge of the explicit request, preview, notifications and the applicant's view, through gRPC
 * to the materials service on PostgreSQL and Kafka: every malformed field answers its code (status, code, field,
 * reason) and writes nothing. A person's citizen ID never reaches the new tables or the outbox along the whole flow.
 */
import { createHash } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { HolderCodeType } from '@onceonly/contracts';
import type { AppError } from '@onceonly/errors';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { computeCitizenIdCheck, computeUsccCheck } from '@onceonly/ids';
import { DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import {
  refusal as bad,
  type ExpectedRefusal,
  type HostedModules,
  hostModules,
  refusalOf,
} from '@onceonly/kit/testing';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MaterialsClient, materialsClient } from '../src/client.js';
import { materialsModule } from '../src/module.js';

const DEPT = `11310107MB2F03587${computeUsccCheck('11310107MB2F03587')}`;
const SHOP = `91310107MA1H7Q2W3${computeUsccCheck('91310107MA1H7Q2W3')}`;
const CITIZEN_ID = `31010719900307123${computeCitizenIdCheck('31010719900307123')}`;
const CONTENT = Buffer.from('%PDF-1.7 平面图');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const shop = { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC };
const person = { code: CITIZEN_ID, codeType: HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID };
const wrongCheck = (code: string) => `${code.slice(0, 17)}${code.endsWith('1') ? '2' : '1'}`;

let testDb: TestDatabase;
let db: Database;
let transport: EventTransport;
let host: HostedModules;
let requestId = '';
const clients: MaterialsClient[] = [];

function as(code: string, role = 'department'): MaterialsClient {
  const client = materialsClient(host.address, {
    metadata: () => {
      const m = new Metadata();
      m.set(DEV_CALLER_HEADER, code);
      m.set(DEV_ROLE_HEADER, role);
      return m;
    },
  });
  clients.push(client);
  return client;
}
const portal = () => as('portal-1', 'portal');

async function refused(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('the call was not refused');
}

async function counts() {
  const { rows } = await db.query(
    `SELECT (SELECT count(*)::int FROM materials.evidence_requests) AS requests,
            (SELECT string_agg(status || coalesce(state->>'previewedAt', ''), ',' ORDER BY id)
               FROM materials.evidence_pieces) AS pieces,
            (SELECT count(*)::int FROM materials.evidence_reuses) AS reuses,
            (SELECT count(*)::int FROM materials.notifications) AS notifications,
            (SELECT count(*)::int FROM materials.outbox) AS outbox`,
  );
  return rows[0];
}

beforeAll(async () => {
  testDb = await freshDatabase('materials-consent-hostile');
  db = await openDatabase({ url: testDb.url });
  transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'materials-consent-hostile-test' });
  host = await hostModules({
    db,
    transport,
    modules: [materialsModule],
    env: {
      ONCEONLY_HOLDER_HASH_KEY: 'materials-hostile-hash-key-0123456789',
      ONCEONLY_MATERIALS_KEY: Buffer.alloc(32, 3).toString('base64'),
      ONCEONLY_MATERIALS_CERTIFICATE_ADDR: '127.0.0.1:1',
      ONCEONLY_MATERIALS_NOTIFY: 'false',
    },
  });
  await as(DEPT).uploadMaterial({
    owner: shop,
    materialType: 'floor-plan',
    name: '平面图',
    content: CONTENT,
    sha256: sha(CONTENT),
  });
  await as(DEPT).resolveMaterials({ applicant: shop, itemCode: 'industry-bakery', applicationId: 'APP-H' });
  requestId = (await as(DEPT).requestEvidence({ applicationId: 'APP-H' })).request!.id;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await host?.stop();
  await transport?.close();
  await db?.close();
  await testDb?.drop();
});

const cases: [string, () => Promise<AppError>, ExpectedRefusal][] = [
  [
    'a request without its application',
    () => refused(as(DEPT).requestEvidence({ applicationId: ' ' })),
    bad('INVALID_ARGUMENT', 'application_id', 'REQUIRED'),
  ],
  [
    'a citizen ID in the legal basis',
    () => refused(as(DEPT).requestEvidence({ applicationId: 'APP-H', legalBasis: `依 ${CITIZEN_ID} 申请` })),
    bad('PERSONAL_DATA_IN_TEXT', 'legal_basis', 'CITIZEN_ID'),
  ],
  [
    'a preview for an applicant code with a wrong check character',
    () => refused(portal().previewEvidence({ applicant: { ...shop, code: wrongCheck(SHOP) } })),
    bad('USCC_INVALID', 'applicant.code', 'USCC_CHECK_CHARACTER'),
  ],
  [
    'an acceptance without its request',
    () => refused(portal().acceptEvidence({ applicant: shop, requestId: '' })),
    bad('INVALID_ARGUMENT', 'request_id', 'REQUIRED'),
  ],
  [
    'an acceptance naming too many pieces',
    () =>
      refused(
        portal().acceptEvidence({
          applicant: shop,
          requestId: 'x',
          pieceIds: Array.from({ length: 65 }, (_, i) => `p${i}`),
        }),
      ),
    bad('INVALID_ARGUMENT', 'piece_ids', 'TOO_MANY'),
  ],
  [
    'an acceptance for a citizen ID with a wrong check character',
    () => refused(portal().acceptEvidence({ applicant: { ...person, code: wrongCheck(CITIZEN_ID) }, requestId: 'x' })),
    bad('CITIZEN_ID_INVALID', 'applicant.code', 'CITIZEN_ID'),
  ],
  [
    'a citizen ID in the reason of a rejection',
    () => refused(portal().rejectEvidence({ applicant: shop, requestId, reason: `不是 ${CITIZEN_ID} 的` })),
    bad('PERSONAL_DATA_IN_TEXT', 'reason', 'CITIZEN_ID'),
  ],
  [
    'a control character in a piece id',
    () => refused(as(DEPT).fetchEvidence({ requestId, pieceId: 'p\u0007' })),
    bad('TEXT_INVALID', 'piece_id', 'CONTROL_CHARACTER'),
  ],
  [
    'a page of notifications over the limit',
    () => refused(as(DEPT).listNotifications({ pageSize: 5000 })),
    bad('INVALID_ARGUMENT', 'page_size', 'OUT_OF_RANGE'),
  ],
  [
    'the applicant’s view without the code type',
    () =>
      refused(
        portal().listReuses({ applicant: { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_UNSPECIFIED } }),
      ),
    bad('HOLDER_CODE_TYPE_INVALID', 'applicant.code_type', 'HOLDER_CODE_TYPE'),
  ],
];

describe('hostile input at the edge of the explicit request and preview', () => {
  it.each(cases)('refuses %s with a coded error and writes nothing', async (_name, send, expected) => {
    const before = await counts();
    const err = await send();
    expect(refusalOf(err, expected.field)).toEqual(expected);
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['a department previewing', () => as(DEPT).previewEvidence({ applicant: shop }), 'MATERIALS_ACCESS_DENIED'],
    ['the portal requesting', () => portal().requestEvidence({ applicationId: 'APP-H' }), 'MATERIALS_ACCESS_DENIED'],
    [
      'a department reading the applicant’s view',
      () => as(DEPT).listReuses({ applicant: shop }),
      'MATERIALS_ACCESS_DENIED',
    ],
    ['the portal reading notifications', () => portal().listNotifications({}), 'MATERIALS_ACCESS_DENIED'],
    [
      'an unknown request',
      () => portal().acceptEvidence({ applicant: shop, requestId: 'nope' }),
      'MATERIALS_REQUEST_NOT_FOUND',
    ],
    [
      'an unknown piece',
      () => portal().acceptEvidence({ applicant: shop, requestId, pieceIds: ['nope'] }),
      'MATERIALS_PIECE_NOT_FOUND',
    ],
  ] as const)('refuses %s and writes nothing', async (_name, send, code) => {
    const before = await counts();
    expect((await refused(send())).code).toBe(code);
    expect(await counts()).toEqual(before);
  });

  it('keeps a person’s citizen ID out of the new tables and the outbox along the whole flow', async () => {
    await as(DEPT).uploadMaterial({
      owner: person,
      materialType: 'floor-plan',
      name: '平面图',
      content: CONTENT,
      sha256: sha(CONTENT),
    });
    await as(DEPT).resolveMaterials({ applicant: person, itemCode: 'industry-bakery', applicationId: 'APP-P' });
    const { request } = await as(DEPT).requestEvidence({ applicationId: 'APP-P' });
    expect(request!.applicantDisplay).toBe(`310107********${CITIZEN_ID.slice(14)}`);
    await portal().previewEvidence({ applicant: person });
    await portal().acceptEvidence({ applicant: person, requestId: request!.id });
    await as(DEPT).fetchEvidence({ requestId: request!.id, pieceId: request!.pieces[0]!.id });
    expect((await portal().listReuses({ applicant: person })).reuses).toHaveLength(1);
    expect(host.logText()).not.toContain(CITIZEN_ID);
    for (const table of ['evidence_requests', 'evidence_pieces', 'evidence_reuses', 'notifications']) {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM materials.${table} t WHERE position($1 in t::text) > 0`,
        [CITIZEN_ID],
      );
      expect(rows[0]!.n, table).toBe(0);
    }
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*) FILTER (WHERE position(convert_to($1, 'UTF8') in body) > 0)::int AS n FROM materials.outbox`,
      [CITIZEN_ID],
    );
    expect(rows[0]!.n).toBe(0);
  });
});
