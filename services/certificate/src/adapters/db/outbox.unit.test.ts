import { describe, expect, it } from 'vitest';
import { FOOD, FOOD_FIELDS, MARKET, NOW, newId, person } from '../../../test/fixtures.js';
import { DEMO_PLATFORM, PUTUO_MARKET_REGULATION } from '../../domain/departments.js';
import { holderFacts } from '../../domain/events.js';
import { issueCertificate } from '../../domain/issue.js';
import { expireIfDue } from '../../domain/status-changes.js';
import { attributionOf } from './outbox.js';

describe('attributionOf: the parties an event names in its extension attributes', () => {
  const issued = issueCertificate(
    { actor: MARKET, issuer: PUTUO_MARKET_REGULATION, type: FOOD, holder: person(), fields: FOOD_FIELDS },
    { id: newId(), now: NOW, sequence: 1 },
  );

  it('names the acting department and the issuer of a certificate event', () => {
    expect(attributionOf(issued.event)).toEqual({
      actor: PUTUO_MARKET_REGULATION.code,
      issuer: PUTUO_MARKET_REGULATION.code,
    });
  });

  it('names only the issuer when nobody acted (expiry by time)', () => {
    const expired = expireIfDue(issued.certificate, new Date('2099-01-01T00:00:00Z'));
    expect(expired).toBeDefined();
    expect(attributionOf(expired!.event)).toEqual({ issuer: PUTUO_MARKET_REGULATION.code });
  });

  it('names the platform of a check, and the verifier and issuer of a verification', () => {
    const check = {
      type: 'certificate.licences-checked' as const,
      platformCode: DEMO_PLATFORM.code,
      purpose: 'merchant-onboarding',
      checkedAt: NOW.toISOString(),
      requestedTypeCodes: [],
      holders: [
        { holder: holderFacts(issued.certificate.holder), coveredTypeCodes: [], certificateIds: [], refused: [] },
      ],
    };
    expect(attributionOf(check)).toEqual({ actor: DEMO_PLATFORM.code });
    const verified = {
      type: 'certificate.verified' as const,
      facts: issued.event.facts,
      verifierCode: DEMO_PLATFORM.code,
      method: 'id' as const,
      valid: true,
      genuine: true,
      mayOperate: true,
      reasons: [],
      verifiedAt: NOW.toISOString(),
    };
    expect(attributionOf(verified)).toEqual({ actor: DEMO_PLATFORM.code, issuer: PUTUO_MARKET_REGULATION.code });
    const { facts: _none, ...unidentified } = verified;
    expect(attributionOf(unidentified)).toEqual({ actor: DEMO_PLATFORM.code });
  });
});
