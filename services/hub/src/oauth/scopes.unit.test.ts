import { describe, expect, it } from 'vitest';
import { grantScopes, PLATFORM_SCOPE_NAMES, PLATFORM_SCOPES } from './scopes.js';

describe('the platform scope table', () => {
  it('lets certificate.verify verify licences and read what offline verification needs, nothing that writes', () => {
    expect(PLATFORM_SCOPES['certificate.verify']).toEqual([
      '/onceonly.certificate.v1.CertificateService/VerifyCertificate',
      '/onceonly.certificate.v1.CertificateService/GetStatusList',
      '/onceonly.certificate.v1.SealService/GetTrustBundle',
      '/onceonly.hub.v1.HubService/WhoAmI',
    ]);
  });

  it('lets certificate.check check licences under consent and list the consents', () => {
    expect(PLATFORM_SCOPES['certificate.check']).toEqual([
      '/onceonly.certificate.v1.PlatformService/CheckLicences',
      '/onceonly.certificate.v1.ConsentService/ListConsents',
      '/onceonly.hub.v1.HubService/WhoAmI',
    ]);
  });
});

describe('grantScopes', () => {
  const all = PLATFORM_SCOPE_NAMES;

  it('grants every scope of the client when none is asked for', () => {
    expect(grantScopes(undefined, all)).toEqual({ ok: true, scopes: [...all] });
    expect(grantScopes('  ', ['certificate.check'])).toEqual({ ok: true, scopes: ['certificate.check'] });
  });

  it('grants the scopes asked for, once each', () => {
    expect(grantScopes('certificate.check  certificate.check', all)).toEqual({
      ok: true,
      scopes: ['certificate.check'],
    });
  });

  it('refuses a scope the client does not have, or that does not exist', () => {
    expect(grantScopes('certificate.check', ['certificate.verify'])).toEqual({
      ok: false,
      refused: 'certificate.check',
    });
    expect(grantScopes('certificate.verify admin', all)).toEqual({ ok: false, refused: 'admin' });
    expect(grantScopes('constructor', all)).toEqual({ ok: false, refused: 'constructor' });
  });
});
