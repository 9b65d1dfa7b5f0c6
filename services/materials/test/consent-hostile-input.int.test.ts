/**
 * Hostile input at the edge of the explicit request, preview, notifications and the applicant's view, through gRPC
 * to the materials service on PostgreSQL and Kafka: every malformed field answers its code (status, code, field,
 * reason) and writes nothing. A person's citizen ID never reaches the new tables or the outbox along the whole flow.
 */
import { createHash } from 'node:crypto';
import { HolderCodeType } from '@onceonly/contracts';
import type { AppError } from '@onceonly/errors';
import { computeCitizenIdCheck, computeUsccCheck } from '@onceonly/ids';
import { refusal as bad, type ExpectedRefusal, type HostedModules, refusalOf } from '@onceonly/kit/testing';
import type { Database } from '@onceonly/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaterialsClient } from '../src/client.js';
import { type MaterialsHost, refused, startMaterialsHost } from './support.js';

const DEPT = `11310107MB2F03587${computeUsccCheck('11310107MB2F03587')}`;
const SHOP = `91310107MA1H7Q2W3${computeUsccCheck('91310107MA1H7Q2W3')}`;
const CITIZEN_ID = `31010719900307123${computeCitizenIdCheck('31010719900307123')}`;
const CONTENT = Buffer.from('%PDF-1.7 平面图');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const shop = { code: SHOP, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC };
const person = { code: CITIZEN_ID, codeType: HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID };
const wrongCheck = (code: string) => `${code.slice(0, 17)}${code.endsWith('1') ? '2' : '1'}`;

let m: MaterialsHost;
let db: Database;
let host: HostedModules;
let requestId = '';
const as = (code: string, role?: string): MaterialsClient => m.as(code, role);
const portal = () => as('portal-1', 'portal');

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
  m = await startMaterialsHost('materials-consent-hostile', { ONCEONLY_MATERIALS_NOTIFY: 'false' });
  ({ db, host } = m);
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
  await m?.stop();
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
  [
    'a request read back without its id',
    () => refused(m.report('auditor-1', 'auditor').getEvidenceRequest({ id: ' ' })),
    bad('INVALID_ARGUMENT', 'id', 'REQUIRED'),
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
      'another department reading a request back',
      () => m.report(SHOP).getEvidenceRequest({ id: requestId }),
      'MATERIALS_REQUEST_NOT_FOUND',
    ],
    [
      'the portal reading a request back',
      () => m.report('portal-1', 'portal').getEvidenceRequest({ id: requestId }),
      'MATERIALS_REQUEST_NOT_FOUND',
    ],
    [
      'an auditor reading an unknown request back',
      () => m.report('auditor-1', 'auditor').getEvidenceRequest({ id: 'nope' }),
      'MATERIALS_REQUEST_NOT_FOUND',
    ],
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

  it('reads a request back to an auditor and to the department that made it, changing nothing', async () => {
    const before = await counts();
    for (const reader of [m.report('auditor-1', 'auditor'), m.report(DEPT)]) {
      const { request } = await reader.getEvidenceRequest({ id: requestId });
      expect(request).toMatchObject({ id: requestId, applicationId: 'APP-H', departmentCode: DEPT });
      expect(request!.pieces.length).toBeGreaterThan(0);
    }
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
