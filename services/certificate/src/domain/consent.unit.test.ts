import { describe, expect, it } from 'vitest';
import { daysLater, enterprise, foodLicence, MARKET, NOW, newId, person, thrown } from '../../test/fixtures.js';
import { findType, TYPE_CODES } from './catalogue.js';
import {
  assertCheckSize,
  type Consent,
  checkHolder,
  consentStatus,
  coveredTypes,
  type GrantConsentCommand,
  grantConsent,
  MAX_CHECK_HOLDERS,
  refusals,
  revokeConsent,
} from './consent.js';
import { DEMO_PLATFORM, DEMO_PORTAL, PUTUO_MARKET_REGULATION } from './departments.js';
import { change } from './new-versions.js';
import { revoke } from './status-changes.js';

const PURPOSE = 'merchant-onboarding';
const SCOPE = { platformCode: DEMO_PLATFORM.code, purpose: PURPOSE };
const FOOD_CODE = TYPE_CODES.FOOD_BUSINESS;
const LIQUOR_CODE = TYPE_CODES.LIQUOR_RETAIL;
const knownType = (code: string) => findType(code) !== undefined;

function command(overrides: Partial<GrantConsentCommand> = {}): GrantConsentCommand {
  return {
    portal: DEMO_PORTAL,
    platform: DEMO_PLATFORM,
    holder: enterprise(),
    typeCodes: [FOOD_CODE],
    purpose: PURPOSE,
    expiresAt: daysLater(90).toISOString(),
    ...overrides,
  };
}

const grant = (overrides: Partial<GrantConsentCommand> = {}) =>
  grantConsent(command(overrides), { id: newId('consent'), now: NOW, knownType });

describe('granting a consent', () => {
  it('records the holder, platform, types, purpose and expiry', () => {
    const consent = grant();
    expect(consent).toMatchObject({
      platformCode: DEMO_PLATFORM.code,
      typeCodes: [FOOD_CODE],
      purpose: PURPOSE,
      grantedAt: NOW.toISOString(),
      recordedBy: DEMO_PORTAL.code,
    });
    expect(consentStatus(consent, NOW)).toBe('active');
  });

  it('is recorded by a portal only', () => {
    const notPortal = { ...PUTUO_MARKET_REGULATION };
    expect(thrown(() => grant({ portal: notPortal }))).toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  it('refuses a non-platform, unknown types, a bad purpose and a past or far expiry', () => {
    const err = thrown(() =>
      grant({
        platform: PUTUO_MARKET_REGULATION,
        typeCodes: ['11100000000013338W999'],
        purpose: 'Anything Goes',
        expiresAt: daysLater(-1).toISOString(),
      }),
    );
    expect(err).toMatchObject({
      code: 'CONSENT_INVALID',
      fields: [
        { field: 'platform_code' },
        { field: 'type_codes[0]', reason: 'CERT_TYPE_UNKNOWN' },
        { field: 'purpose' },
        { field: 'expires_at', reason: 'PAST' },
      ],
    });
    expect(thrown(() => grant({ expiresAt: daysLater(400).toISOString() }))).toMatchObject({
      fields: [{ reason: 'TOO_FAR' }],
    });
    expect(thrown(() => grant({ typeCodes: [] }))).toMatchObject({ fields: [{ field: 'type_codes' }] });
  });
});

describe('revoking a consent', () => {
  it('ends it from now on', () => {
    const revoked = revokeConsent(grant(), { portalCode: DEMO_PORTAL.code, reason: '商户撤回授权' }, NOW);
    expect(consentStatus(revoked, NOW)).toBe('revoked');
  });

  it('only by the recording portal, only once', () => {
    expect(thrown(() => revokeConsent(grant(), { portalCode: DEMO_PLATFORM.code, reason: 'x' }, NOW))).toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    const revoked = revokeConsent(grant(), { portalCode: DEMO_PORTAL.code, reason: 'x' }, NOW);
    expect(thrown(() => revokeConsent(revoked, { portalCode: DEMO_PORTAL.code, reason: 'x' }, NOW))).toMatchObject({
      code: 'CONSENT_NOT_ACTIVE',
    });
  });
});

describe('what a consent covers', () => {
  it('covers its types for its platform and purpose until it expires', () => {
    const consents = [grant({ typeCodes: [FOOD_CODE, LIQUOR_CODE] })];
    expect([...coveredTypes(consents, SCOPE, NOW)]).toEqual([FOOD_CODE, LIQUOR_CODE]);
    expect(coveredTypes(consents, { ...SCOPE, purpose: 'marketing' }, NOW).size).toBe(0);
    expect(coveredTypes(consents, { ...SCOPE, platformCode: DEMO_PORTAL.code }, NOW).size).toBe(0);
    expect(coveredTypes(consents, SCOPE, daysLater(91)).size).toBe(0);
  });

  it('says why a type is refused', () => {
    const active: Consent = grant({ typeCodes: [FOOD_CODE] });
    const expired: Consent = { ...grant({ typeCodes: [LIQUOR_CODE] }), expiresAt: daysLater(-1).toISOString() };
    const publications = TYPE_CODES.PUBLICATIONS;
    const revoked = revokeConsent(
      grant({ typeCodes: [publications] }),
      { portalCode: DEMO_PORTAL.code, reason: 'x' },
      NOW,
    );
    const hygiene = TYPE_CODES.PUBLIC_HYGIENE;
    expect(refusals([active, expired, revoked], SCOPE, [FOOD_CODE, LIQUOR_CODE, publications, hygiene], NOW)).toEqual([
      { typeCode: LIQUOR_CODE, reason: 'CONSENT_EXPIRED' },
      { typeCode: publications, reason: 'CONSENT_REVOKED' },
      { typeCode: hygiene, reason: 'TYPE_NOT_COVERED' },
    ]);
    expect(refusals([], SCOPE, [FOOD_CODE], NOW)).toEqual([{ typeCode: FOOD_CODE, reason: 'NO_CONSENT' }]);
    expect(refusals([expired], SCOPE, [], NOW)).toEqual([{ typeCode: '', reason: 'CONSENT_EXPIRED' }]);
  });
});

describe('checking a holder', () => {
  it('answers only the covered types, current versions, with type, number, validity and status', () => {
    const holder = enterprise();
    const food = foodLicence(holder);
    const revokedFood = revoke(
      foodLicence(holder),
      { actor: MARKET, kind: 'revoked', reason: 'r', legalBasis: 'b' },
      NOW,
    );
    const changed = change(
      foodLicence(holder),
      { actor: MARKET, set: { premises: '上海市普陀区长寿路300号' } },
      { newId: newId(), now: NOW, type: findType(FOOD_CODE)! },
    );
    const consents = [grant({ typeCodes: [FOOD_CODE] })];
    const certificates = [food, revokedFood.certificate, changed.previous, changed.certificate];
    const result = checkHolder(consents, certificates, { ...SCOPE, typeCodes: [FOOD_CODE, LIQUOR_CODE] }, NOW);
    expect(result.covered).toEqual([FOOD_CODE]);
    expect(result.licences.map((l) => [l.certificateId, l.status])).toEqual([
      [food.id, '01'],
      [revokedFood.certificate.id, '07'],
      [changed.certificate.id, '01'],
    ]);
    expect(Object.keys(result.licences[0]!).sort()).toEqual(
      ['certificateId', 'number', 'status', 'typeCode', 'typeName', 'validFrom', 'validTo'].sort(),
    );
    expect(result.refused).toEqual([{ typeCode: LIQUOR_CODE, reason: 'TYPE_NOT_COVERED' }]);
  });

  it('answers nothing when the consent expired', () => {
    const holder = person();
    const consents = [grant({ holder, typeCodes: [FOOD_CODE] })];
    const result = checkHolder(consents, [foodLicence(holder)], { ...SCOPE, typeCodes: [] }, daysLater(91));
    expect(result.licences).toEqual([]);
    expect(result.refused).toEqual([{ typeCode: '', reason: 'CONSENT_EXPIRED' }]);
  });

  it('bounds a check to 1..1000 holders', () => {
    expect(() => assertCheckSize(MAX_CHECK_HOLDERS)).not.toThrow();
    expect(thrown(() => assertCheckSize(MAX_CHECK_HOLDERS + 1))).toMatchObject({ code: 'REQUEST_TOO_LARGE' });
    expect(thrown(() => assertCheckSize(0))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
