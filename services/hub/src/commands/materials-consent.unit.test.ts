import { materialsV1 as mv } from '@onceonly/materials/client';
import { describe, expect, it } from 'vitest';
import { notificationLine, pieceLine, pieceStatusWord, requestText, reuseLine } from './materials-consent.js';

const plan = mv.EvidencePiece.fromPartial({
  id: 'piece-2',
  materialCode: 'floor-plan',
  nameZh: '经营场所平面图',
  evidence: {
    evidence: {
      $case: 'material',
      value: { materialId: 'm1', sha256: 'daf997a9749a3582891deb46', materialType: 'floor-plan' },
    },
  },
  status: mv.PieceStatus.PIECE_STATUS_PENDING,
  materialName: '平面图（一层）',
  mediaType: 'application/pdf',
  sizeBytes: '52',
});
const licence = mv.EvidencePiece.fromPartial({
  id: 'piece-1',
  materialCode: 'food-business-licence',
  nameZh: '食品经营许可证',
  evidence: {
    evidence: {
      $case: 'certificate',
      value: { certificateId: 'c1', number: 'JY131', status: 'valid', verifiedAt: '2026-03-04T02:00:00.000Z' },
    },
  },
  status: mv.PieceStatus.PIECE_STATUS_REJECTED,
  previewedAt: '2026-03-04T03:00:00.000Z',
  reason: '证照信息有误',
});

describe('the consent formatters', () => {
  it('names a piece status in one word', () => {
    expect(pieceStatusWord(mv.PieceStatus.PIECE_STATUS_ACCEPTED)).toBe('accepted');
    expect(pieceStatusWord(mv.PieceStatus.PIECE_STATUS_EXPIRED)).toBe('expired');
  });

  it('shows a piece with its evidence, what the preview shows, whether it was shown, and the reason', () => {
    expect(pieceLine(plan)).toBe(
      '  piece-2  pending   floor-plan  经营场所平面图  ← material m1 (sha256:daf997a9749a…)  “平面图（一层）” application/pdf, 52 B  (not shown yet)',
    );
    expect(pieceLine(licence)).toBe(
      '  piece-1  rejected  food-business-licence  食品经营许可证  ← certificate c1 (JY131, valid, verified 2026-03-04T02:00:00.000Z)  reason: 证照信息有误',
    );
  });

  it('shows a request: who asks, for which application, on what basis, until when, then the pieces', () => {
    const text = requestText(
      mv.EvidenceRequest.fromPartial({
        id: 'q1',
        applicationId: 'APP-2',
        itemCode: 'industry-convenience-store',
        applicantDisplay: '91310107MA1H7Q2W3G',
        departmentCode: 'D1',
        legalBasis: '沪府规〔2021〕5号',
        requestedAt: '2026-03-04T02:00:00.000Z',
        expiresAt: '2026-03-11T02:00:00.000Z',
        pieces: [licence, plan],
      }),
    );
    expect(text.split('\n')).toEqual([
      'request     q1  for APP-2  industry-convenience-store  applicant 91310107MA1H7Q2W3G',
      'by          D1 at 2026-03-04T02:00:00.000Z  (preview until 2026-03-11T02:00:00.000Z)',
      'basis       沪府规〔2021〕5号',
      pieceLine(licence),
      pieceLine(plan),
    ]);
  });

  it('shows a notification, with the new version when there is one', () => {
    const n = mv.EvidenceNotification.fromPartial({
      applicationId: 'APP-2',
      certificateId: 'c1',
      currentCertificateId: 'c1',
      number: 'JY131',
      change: 'revoked',
      status: 'revoked',
      applicantDisplay: '310107********1234',
      notifiedAt: '2026-03-05T00:00:00.000Z',
    });
    expect(notificationLine(n)).toBe(
      '2026-03-05T00:00:00.000Z  APP-2  certificate c1 (JY131)  revoked, now revoked  applicant 310107********1234',
    );
    expect(notificationLine({ ...n, currentCertificateId: 'c2', change: 'changed', status: 'valid' })).toContain(
      'certificate c1 → c2 (JY131)  changed, now valid',
    );
  });

  it('shows a reuse: when, by whom, for which application, what, on what basis', () => {
    const r = mv.ReuseRecord.fromPartial({
      reusedAt: '2026-03-04T04:00:00.000Z',
      departmentCode: 'D1',
      applicationId: 'APP-2',
      materialCode: 'floor-plan',
      evidence: plan.evidence,
      legalBasis: '沪府规〔2021〕5号',
    });
    expect(reuseLine(r)).toBe(
      '2026-03-04T04:00:00.000Z  D1  APP-2  floor-plan ← material m1 (sha256:daf997a9749a…)  basis 沪府规〔2021〕5号',
    );
  });
});
