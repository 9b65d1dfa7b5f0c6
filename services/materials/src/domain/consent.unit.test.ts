import { describe, expect, it } from 'vitest';
import { CERTIFICATE_TYPES, SEEDED_ITEMS } from './catalogue.js';
import {
  type CertificateChangeFact,
  decide,
  type EvidenceRequest,
  expire,
  notificationsFor,
  openPieces,
  openRequest,
  pieceToServe,
  preview,
  reuseOf,
  type Watch,
} from './consent.js';
import type { Owner, StoredMaterial } from './library.js';
import { type CertificateLookup, resolveItem } from './resolution.js';

const item = SEEDED_ITEMS.find((i) => i.code === 'industry-convenience-store')!;
const shop: Owner = { kind: 'organisation', key: '91310107MA1G8K3D4T', display: '91310107MA1G8K3D4T' };
const at = new Date('2026-03-04T02:00:00Z');
const DEPT = '12310107MB2F05636F';
const DAY = 24 * 3600_000;

const plan: StoredMaterial = {
  id: 'p1',
  sha256: 'a'.repeat(64),
  materialType: 'floor-plan',
  sizeBytes: 10,
  owner: shop,
  name: '平面图',
  mediaType: 'application/pdf',
  uploadedBy: 'D',
  uploadedAt: at,
};
const food: CertificateLookup = {
  kind: 'found',
  certificateId: 'c-food',
  typeCode: CERTIFICATE_TYPES.FOOD_BUSINESS,
  number: 'JY13101070000001',
  status: 'valid',
  verified: true,
  verifiedAt: at,
};

function resolution(resolvedBy = DEPT, withEvidence = true) {
  return resolveItem(
    item,
    {
      certificates: new Map(withEvidence ? [[CERTIFICATE_TYPES.FOOD_BUSINESS, food]] : []),
      library: withEvidence ? [plan] : [],
      today: '2026-03-04',
    },
    { id: 'r1', applicationId: 'APP-2', applicant: shop, resolvedBy, resolvedAt: at },
  );
}

let n = 0;
function request(): EvidenceRequest {
  return openRequest(resolution(), {
    id: 'q1',
    departmentCode: DEPT,
    legalBasis: '《优化营商环境条例》',
    at,
    ttlMs: 7 * DAY,
    pieceId: () => `piece-${++n}`,
    materials: new Map([[plan.id, plan]]),
  });
}

describe('the explicit request', () => {
  it('has one pending piece per exempt material, with its evidence, expiring after the ttl', () => {
    const r = request();
    expect(r.pieces.map((p) => [p.materialCode, p.status, p.evidence.kind])).toEqual([
      ['food-business-licence', 'pending', 'certificate'],
      ['floor-plan', 'pending', 'material'],
    ]);
    expect(r.pieces[1]!.material).toEqual({ name: '平面图', mediaType: 'application/pdf', sizeBytes: 10 });
    expect(r.expiresAt.toISOString()).toBe('2026-03-11T02:00:00.000Z');
    expect(r).toMatchObject({ applicationId: 'APP-2', resolutionId: 'r1', departmentCode: DEPT, applicant: shop });
  });

  it('is refused to a department that did not resolve the application', () => {
    expect(() =>
      openRequest(resolution('another'), {
        id: 'q',
        departmentCode: DEPT,
        legalBasis: '',
        at,
        ttlMs: DAY,
        pieceId: () => 'x',
        materials: new Map(),
      }),
    ).toThrow(expect.objectContaining({ code: 'MATERIALS_ACCESS_DENIED' }));
  });

  it('is refused when nothing was found reusable', () => {
    expect(() =>
      openRequest(resolution(DEPT, false), {
        id: 'q',
        departmentCode: DEPT,
        legalBasis: '',
        at,
        ttlMs: DAY,
        pieceId: () => 'x',
        materials: new Map(),
      }),
    ).toThrow(expect.objectContaining({ code: 'MATERIALS_NOTHING_TO_REQUEST' }));
  });
});

describe('preview and decision', () => {
  const later = new Date(at.getTime() + DAY);

  it('marks the pieces shown once, and only open ones', () => {
    const first = preview(request(), later);
    expect(first.shown).toHaveLength(2);
    expect(first.request.pieces.every((p) => p.previewedAt?.getTime() === later.getTime())).toBe(true);
    expect(preview(first.request, new Date(later.getTime() + 1)).shown).toEqual([]);
  });

  it('accepts the pieces shown; accepting again changes nothing', () => {
    const shown = preview(request(), later).request;
    const accepted = decide(shown, { applicantKey: shop.key, pieceIds: [], decision: 'accepted' }, later);
    expect(accepted.changed.map((p) => p.status)).toEqual(['accepted', 'accepted']);
    const again = decide(
      accepted.request,
      { applicantKey: shop.key, pieceIds: accepted.request.pieces.map((p) => p.id), decision: 'accepted' },
      later,
    );
    expect(again.changed).toEqual([]);
  });

  it('rejects one piece with the reason, and refuses to accept it afterwards', () => {
    const shown = preview(request(), later).request;
    const plan = shown.pieces[1]!.id;
    const rejected = decide(
      shown,
      { applicantKey: shop.key, pieceIds: [plan], decision: 'rejected', reason: '平面图已变更' },
      later,
    );
    expect(rejected.changed).toMatchObject([{ id: plan, status: 'rejected', reason: '平面图已变更' }]);
    expect(openPieces(rejected.request, later).map((p) => p.materialCode)).toEqual(['food-business-licence']);
    expect(() =>
      decide(rejected.request, { applicantKey: shop.key, pieceIds: [plan], decision: 'accepted' }, later),
    ).toThrow(expect.objectContaining({ code: 'MATERIALS_PREVIEW_DECIDED' }));
  });

  it.each([
    ['another applicant', { applicantKey: 'someone-else' }, later, 'MATERIALS_PREVIEW_NOT_YOURS'],
    ['past the expiry', {}, new Date(at.getTime() + 7 * DAY), 'MATERIALS_PREVIEW_EXPIRED'],
    ['an unknown piece', { pieceIds: ['nope'] }, later, 'MATERIALS_PIECE_NOT_FOUND'],
  ] as const)('refuses a decision by %s', (_, more, when, code) => {
    const shown = preview(request(), later).request;
    expect(() => decide(shown, { applicantKey: shop.key, pieceIds: [], decision: 'accepted', ...more }, when)).toThrow(
      expect.objectContaining({ code }),
    );
  });

  it('refuses to accept a piece never shown, but lets it be rejected', () => {
    const r = request();
    expect(() => decide(r, { applicantKey: shop.key, pieceIds: [], decision: 'accepted' }, later)).toThrow(
      expect.objectContaining({ code: 'MATERIALS_PREVIEW_NOT_SHOWN' }),
    );
    expect(decide(r, { applicantKey: shop.key, pieceIds: [], decision: 'rejected' }, later).changed).toHaveLength(2);
  });

  it('expires the pending pieces once the request expired, and nothing before', () => {
    const shown = preview(request(), later).request;
    const accepted = decide(
      shown,
      { applicantKey: shop.key, pieceIds: [shown.pieces[0]!.id], decision: 'accepted' },
      later,
    ).request;
    expect(expire(accepted, later).changed).toEqual([]);
    const due = new Date(at.getTime() + 7 * DAY);
    expect(expire(accepted, due).changed.map((p) => [p.materialCode, p.status])).toEqual([['floor-plan', 'expired']]);
  });
});

describe('serving a piece to the department', () => {
  const later = new Date(at.getTime() + DAY);
  const accepted = () => {
    const shown = preview(request(), later).request;
    return decide(shown, { applicantKey: shop.key, pieceIds: [shown.pieces[1]!.id], decision: 'accepted' }, later)
      .request;
  };

  it('serves an accepted piece to the requesting department, recording the legal basis', () => {
    const r = accepted();
    const piece = pieceToServe(r, r.pieces[1]!.id, { code: DEPT, role: 'department' });
    expect(reuseOf(r, piece, 'u1', later)).toMatchObject({
      departmentCode: DEPT,
      applicationId: 'APP-2',
      legalBasis: '《优化营商环境条例》',
      materialCode: 'floor-plan',
    });
  });

  it.each([
    ['another department', { code: 'other', role: 'department' }, 1, 'MATERIALS_ACCESS_DENIED'],
    ['the portal', { code: DEPT, role: 'portal' }, 1, 'MATERIALS_ACCESS_DENIED'],
    ['a piece not accepted', { code: DEPT, role: 'department' }, 0, 'MATERIALS_EVIDENCE_NOT_ACCEPTED'],
  ] as const)('refuses %s', (_, reader, index, code) => {
    const r = accepted();
    expect(() => pieceToServe(r, r.pieces[index]!.id, reader)).toThrow(expect.objectContaining({ code }));
  });
});

describe('notifications when a reused certificate changes', () => {
  const fact: CertificateChangeFact = {
    change: 'revoked',
    certificateId: 'c-food',
    typeCode: CERTIFICATE_TYPES.FOOD_BUSINESS,
    number: 'JY13101070000001',
    status: 'revoked',
    occurredAt: at,
  };
  const watch = (
    pieceId: string,
    status: Watch['pieceStatus'],
    requestId: string,
    dept = DEPT,
    app = 'APP-2',
  ): Watch => ({
    pieceId,
    pieceStatus: status,
    certificateId: 'c-food',
    request: { id: requestId, applicationId: app, departmentCode: dept, applicant: shop },
  });

  it('tells each department and application once, not those whose piece was rejected or expired', () => {
    let id = 0;
    const told = notificationsFor(
      fact,
      [
        watch('a', 'accepted', 'q2'),
        watch('b', 'pending', 'q1'),
        watch('c', 'rejected', 'q3', 'D2', 'APP-3'),
        watch('d', 'expired', 'q4', 'D3', 'APP-4'),
        watch('e', 'accepted', 'q5', 'D4', 'APP-5'),
      ],
      { newId: () => `n${++id}`, at },
    );
    expect(told.map((t) => [t.departmentCode, t.applicationId, t.requestId, t.change, t.status])).toEqual([
      [DEPT, 'APP-2', 'q1', 'revoked', 'revoked'],
      ['D4', 'APP-5', 'q5', 'revoked', 'revoked'],
    ]);
  });
});
