import { TYPE_CODES } from '@onceonly/certificate';
import { CERTIFICATE_TYPES, SEEDED_ITEMS } from '@onceonly/materials';
import { materialsV1 as mv } from '@onceonly/materials/client';
import { describe, expect, it } from 'vitest';
import { applicantOf, itemLine, itemText, materialLine, resolutionText, sourceText } from './materials.js';

describe('the materials catalogue against the certificate catalogue', () => {
  it('names the certificate types the certificate service defines (the hub is where both meet)', () => {
    expect(CERTIFICATE_TYPES).toEqual(TYPE_CODES);
    const granted = new Set(SEEDED_ITEMS.map((i) => i.certificateTypeCode));
    for (const type of Object.values(TYPE_CODES)) expect(granted.has(type)).toBe(true);
  });
});

const item = mv.Item.fromPartial({
  code: 'industry-bakery',
  version: 2,
  nameZh: '面包店（烘焙房） 行业综合许可',
  nameEn: 'Bakery: industry licence',
  industryCode: 'bakery',
  legalBasis: '沪府规〔2021〕5号',
  materials: [
    { code: 'application-form', nameZh: '行业综合许可申请表', sources: [] },
    {
      code: 'floor-plan',
      nameZh: '经营场所平面图',
      sources: [
        { source: { $case: 'libraryMaterialType', value: 'floor-plan' } },
        { source: { $case: 'creditProfileFact', value: 'x' } },
      ],
    },
  ],
});

const material = mv.StoredMaterial.fromPartial({
  id: 'm1',
  sha256: 'daf997a9749a3582891deb463591b6ba03b7b6ce9d3d19addf3c442f24b2fd10',
  materialType: 'floor-plan',
  sizeBytes: '52',
  name: '平面图',
  sourceApplicationId: 'APP-1',
});

describe('materials formatters', () => {
  it('says each kind of source', () => {
    expect(sourceText({ source: { $case: 'certificateTypeCode', value: 'T' } })).toBe('certificate T');
    expect(sourceText({ source: { $case: 'assistanceItemCode', value: 'PT-XZ-07' } })).toBe('assistance PT-XZ-07');
    expect(sourceText(undefined)).toBe('(none)');
  });

  it('puts an item on one line, and its materials with their sources below', () => {
    expect(itemLine(item)).toBe(
      'industry-bakery  v2  面包店（烘焙房） 行业综合许可 / Bakery: industry licence  (2 materials)',
    );
    expect(itemText(item, [1, 2]).split('\n')).toEqual([
      itemLine(item),
      'versions    1, 2',
      'industry    bakery',
      'basis       沪府规〔2021〕5号',
      'materials',
      '  application-form  行业综合许可申请表  ← always submitted',
      '  floor-plan  经营场所平面图  ← library floor-plan | credit x',
    ]);
  });

  it('puts a stored material on one line: id, type, digest prefix, size, validity, origin', () => {
    expect(materialLine(material)).toBe('m1  floor-plan  sha256:daf997a9749a…  52 B  no end  from APP-1  平面图');
    expect(materialLine({ ...material, validUntil: '2027-01-01', sourceApplicationId: '' })).toBe(
      'm1  floor-plan  sha256:daf997a9749a…  52 B  valid until 2027-01-01  平面图',
    );
  });

  it('says each material EXEMPT with its evidence or REQUIRED with the reason', () => {
    const text = resolutionText(
      mv.Resolution.fromPartial({
        id: 'r1',
        applicationId: 'APP-2',
        applicantDisplay: '91310107MA1H7Q2W3G',
        itemCode: 'industry-bakery',
        itemVersion: 1,
        resolvedBy: 'D',
        resolvedAt: '2026-03-04T02:00:00.000Z',
        exemptCount: 2,
        requiredCount: 1,
        materials: [
          {
            materialCode: 'food-business-licence',
            nameZh: '食品经营许可证',
            decision: mv.Decision.DECISION_EXEMPT,
            evidence: {
              evidence: {
                $case: 'certificate',
                value: { certificateId: 'c1', number: 'JY1', status: 'valid', validTo: '2031-03-03', verifiedAt: 'T' },
              },
            },
          },
          {
            materialCode: 'floor-plan',
            nameZh: '经营场所平面图',
            decision: mv.Decision.DECISION_EXEMPT,
            evidence: { evidence: { $case: 'material', value: { materialId: 'm1', sha256: material.sha256 } } },
          },
          {
            materialCode: 'business-licence',
            nameZh: '营业执照',
            decision: mv.Decision.DECISION_REQUIRED,
            reason: mv.RequiredReason.REQUIRED_REASON_CERTIFICATE_REVOKED,
          },
        ],
      }),
    );
    expect(text.split('\n')).toEqual([
      'resolution  r1  for APP-2  industry-bakery v1  applicant 91310107MA1H7Q2W3G',
      'exempt      2 of 3  (resolved by D at 2026-03-04T02:00:00.000Z)',
      '  EXEMPT    food-business-licence  食品经营许可证  ← certificate c1 (JY1, valid, to 2031-03-03, verified T)',
      '  EXEMPT    floor-plan  经营场所平面图  ← material m1 (sha256:daf997a9749a…)',
      '  REQUIRED  business-licence  营业执照  (certificate-revoked)',
    ]);
  });

  it('names the applicant by credit code or citizen ID, and refuses neither', () => {
    expect(applicantOf('X', undefined).codeType).toBe(1);
    expect(applicantOf(undefined, 'Y').codeType).toBe(111);
    expect(() => applicantOf(undefined, undefined)).toThrow(/applicant/);
  });
});
