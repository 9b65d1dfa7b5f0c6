import { describe, expect, it } from 'vitest';
import { CERTIFICATE_TYPES, type LicensingItem, SEEDED_ITEMS } from './catalogue.js';
import type { Owner, StoredMaterial } from './library.js';
import {
  type CertificateLookup,
  certificateTypesOf,
  chinaDay,
  evidenceKeyOf,
  resolveItem,
  reusedMaterials,
} from './resolution.js';

const item = SEEDED_ITEMS.find((i) => i.code === 'industry-convenience-store')!;
const applicant: Owner = { kind: 'organisation', key: '91310107MA1G8K3D4T', display: '91310107MA1G8K3D4T' };
const at = new Date('2026-03-04T02:00:00Z');
const context = { id: 'r1', applicationId: 'APP-2', applicant, resolvedBy: 'D', resolvedAt: at };

const validFood: CertificateLookup = {
  kind: 'found',
  certificateId: 'c-food',
  typeCode: CERTIFICATE_TYPES.FOOD_BUSINESS,
  number: 'JY13101070000001',
  status: 'valid',
  validTo: '2031-03-03',
  verified: true,
  verifiedAt: at,
};

function plan(id: string, uploadedAt: string, validUntil?: string): StoredMaterial {
  return {
    id,
    sha256: `${id}`.padEnd(64, '0'),
    materialType: 'floor-plan',
    sizeBytes: 10,
    owner: applicant,
    name: '平面图',
    mediaType: 'application/pdf',
    ...(validUntil ? { validUntil } : {}),
    uploadedBy: 'D',
    uploadedAt: new Date(uploadedAt),
  };
}

function outcome(lookup: CertificateLookup | undefined, library: StoredMaterial[] = []) {
  const certificates = new Map<string, CertificateLookup>(lookup ? [[CERTIFICATE_TYPES.FOOD_BUSINESS, lookup]] : []);
  const r = resolveItem(item, { certificates, library, today: '2026-03-04' }, context);
  return { r, of: (code: string) => r.materials.find((m) => m.materialCode === code)! };
}

describe('resolving an item', () => {
  it('names the certificate types its sources ask about, once each', () => {
    expect(certificateTypesOf(item).sort()).toEqual(
      [CERTIFICATE_TYPES.BUSINESS_LICENCE, CERTIFICATE_TYPES.FOOD_BUSINESS].sort(),
    );
  });

  describe('when the applicant holds a valid food business licence and a stored floor plan', () => {
    it('exempts both, with the certificate and the material as evidence', () => {
      const { r, of } = outcome(validFood, [plan('p1', '2026-01-01T00:00:00Z')]);
      expect(of('food-business-licence')).toMatchObject({
        decision: 'exempt',
        evidence: { kind: 'certificate', certificateId: 'c-food', status: 'valid' },
      });
      expect(of('floor-plan')).toMatchObject({ decision: 'exempt', evidence: { kind: 'material', materialId: 'p1' } });
      expect(reusedMaterials(r)).toEqual(['p1']);
    });

    it('keeps the application form required: nothing can replace it', () => {
      const { of } = outcome(validFood);
      expect(of('application-form')).toMatchObject({ decision: 'required', reason: 'no-source', tried: [] });
    });

    it('counts exempt and required materials', () => {
      const { r } = outcome(validFood, [plan('p1', '2026-01-01T00:00:00Z')]);
      expect(r.exemptCount + r.requiredCount).toBe(item.materials.length);
      expect(r.exemptCount).toBe(r.materials.filter((m) => m.decision === 'exempt').length);
      expect(r).toMatchObject({ itemCode: item.code, itemVersion: item.version, applicationId: 'APP-2' });
    });
  });

  describe('when the certificate is not usable', () => {
    it.each([
      ['revoked', 'certificate-revoked'],
      ['suspended', 'certificate-suspended'],
      ['expired', 'certificate-expired'],
      ['withdrawn', 'certificate-not-valid'],
      ['cancelled', 'certificate-not-valid'],
    ] as const)('a %s licence makes the material required: %s', (status, reason) => {
      const { of } = outcome({ ...validFood, status, verified: false });
      expect(of('food-business-licence')).toMatchObject({
        decision: 'required',
        reason,
        tried: [{ reason, reference: 'c-food' }],
      });
    });

    it('a licence still marked valid but past its end is expired', () => {
      const { of } = outcome({ ...validFood, validTo: '2026-03-03' });
      expect(of('food-business-licence')).toMatchObject({ decision: 'required', reason: 'certificate-expired' });
    });

    it('a licence whose verification failed is not valid', () => {
      const { of } = outcome({ ...validFood, verified: false });
      expect(of('food-business-licence')).toMatchObject({ decision: 'required', reason: 'certificate-not-valid' });
    });

    it('no licence of the type: not found; no answer from the provider: unavailable', () => {
      expect(outcome({ kind: 'none' }).of('food-business-licence').reason).toBe('certificate-not-found');
      expect(outcome({ kind: 'unavailable' }).of('food-business-licence').reason).toBe('provider-unavailable');
      // a type the use case did not look up counts as not answered
      expect(outcome(undefined).of('food-business-licence').reason).toBe('provider-unavailable');
    });
  });

  describe('the library', () => {
    it('reuses the newest current material of the type', () => {
      const { of } = outcome(validFood, [
        plan('old', '2025-01-01T00:00:00Z'),
        plan('new', '2026-02-01T00:00:00Z'),
        plan('newest-expired', '2026-03-01T00:00:00Z', '2026-03-03'),
      ]);
      expect(of('floor-plan').evidence).toMatchObject({ kind: 'material', materialId: 'new' });
    });

    it('says material-expired when every stored one is past its validity, none stored otherwise', () => {
      expect(outcome(validFood, [plan('p', '2025-01-01T00:00:00Z', '2026-03-03')]).of('floor-plan')).toMatchObject({
        decision: 'required',
        reason: 'material-expired',
      });
      expect(outcome(validFood).of('floor-plan').reason).toBe('no-stored-material');
      // a material valid until today is still current
      expect(outcome(validFood, [plan('p', '2025-01-01T00:00:00Z', '2026-03-04')]).of('floor-plan').decision).toBe(
        'exempt',
      );
    });
  });

  it('tries sources in order and reports the closest miss', () => {
    const twoSources: LicensingItem = {
      ...item,
      materials: [
        {
          code: 'm',
          nameZh: 'm',
          nameEn: 'm',
          sources: [
            { kind: 'credit-profile', fact: 'no-serious-dishonesty-listing' },
            { kind: 'certificate', typeCode: CERTIFICATE_TYPES.FOOD_BUSINESS },
            { kind: 'library', materialType: 'floor-plan' },
          ],
        },
      ],
    };
    const certificates = new Map<string, CertificateLookup>([
      [CERTIFICATE_TYPES.FOOD_BUSINESS, { ...validFood, status: 'revoked', verified: false }],
    ]);
    const r = resolveItem(twoSources, { certificates, library: [], today: '2026-03-04' }, context);
    expect(r.materials[0]).toMatchObject({ decision: 'required', reason: 'certificate-revoked' });
    expect(r.materials[0]!.tried.map((t) => t.reason)).toEqual([
      'source-not-connected',
      'certificate-revoked',
      'no-stored-material',
    ]);
    const withPlan = resolveItem(
      twoSources,
      { certificates, library: [plan('p', '2026-01-01T00:00:00Z')], today: '2026-03-04' },
      context,
    );
    expect(withPlan.materials[0]).toMatchObject({ decision: 'exempt', evidence: { materialId: 'p' } });
    expect(withPlan.materials[0]!.tried).toHaveLength(2);
  });

  it('takes the day in China Standard Time', () => {
    expect(chinaDay(new Date('2026-03-03T16:00:00Z'))).toBe('2026-03-04');
    expect(chinaDay(new Date('2026-03-03T15:59:59Z'))).toBe('2026-03-03');
  });
});

describe('when the applicant refused the reuse of the evidence for this application', () => {
  const refusedOutcome = (refused: string[], library: StoredMaterial[]) => {
    const certificates = new Map<string, CertificateLookup>([[CERTIFICATE_TYPES.FOOD_BUSINESS, validFood]]);
    const r = resolveItem(item, { certificates, library, today: '2026-03-04', refused: new Set(refused) }, context);
    return (code: string) => r.materials.find((m) => m.materialCode === code)!;
  };

  it('is required with NOT_CONSENTED, naming the evidence refused', () => {
    const of = refusedOutcome(['certificate:c-food', 'material:p1'], [plan('p1', '2026-01-01T00:00:00Z')]);
    expect(of('food-business-licence')).toMatchObject({
      decision: 'required',
      reason: 'not-consented',
      tried: [{ reason: 'not-consented', reference: 'certificate:c-food' }],
    });
    expect(of('floor-plan')).toMatchObject({ decision: 'required', reason: 'not-consented' });
  });

  it('exempts a newer stored material the applicant was never asked about', () => {
    const of = refusedOutcome(
      ['material:p1'],
      [plan('p2', '2026-02-01T00:00:00Z'), plan('p1', '2026-01-01T00:00:00Z')],
    );
    expect(of('floor-plan')).toMatchObject({ decision: 'exempt', evidence: { materialId: 'p2' } });
  });

  it('names every kind of evidence by what identifies it', () => {
    expect(evidenceKeyOf({ kind: 'material', materialId: 'm', sha256: 'x', materialType: 'floor-plan' })).toBe(
      'material:m',
    );
    expect(
      evidenceKeyOf({
        kind: 'data',
        provider: 'assistance',
        reference: 'PT-XZ-07',
        value: '无',
        asOf: '',
        checkedAt: at,
      }),
    ).toBe('data:assistance:PT-XZ-07');
  });
});
