import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { AppError } from '@onceonly/errors';
import { describe, expect, it } from 'vitest';
import {
  type AccessTokenPolicy,
  bearerTokenOf,
  callerFromAccessToken,
  checkAccessTokenClaims,
  identifyBearer,
  scopeAllows,
  verifyAccessToken,
} from './bearer.js';

const NOW = 1_800_000_000;
const ISSUER = 'https://hub.example';
const { privateKey: KEY, publicKey: PUBLIC } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const POLICY: AccessTokenPolicy = {
  keys: [{ kid: 'k1', key: PUBLIC }],
  issuer: ISSUER,
  audience: ISSUER,
  clockSkewSeconds: 30,
};
const CLAIMS = {
  iss: ISSUER,
  aud: ISSUER,
  sub: 'pc_1',
  client_id: 'pc_1',
  iat: NOW - 10,
  exp: NOW + 290,
  jti: 'j1',
  scope: 'certificate.check',
  platform_code: '91310107MA1G8K2D32',
  platform_name: '示例外卖平台',
};
const CHECK = '/onceonly.certificate.v1.PlatformService/CheckLicences';
const VERIFY = '/onceonly.certificate.v1.CertificateService/VerifyCertificate';
const TABLE = { 'certificate.check': [CHECK], 'certificate.verify': [VERIFY] };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A compact JWS signed with ES256 by node:crypto (independent of the code under test). */
function token(
  claims: object = CLAIMS,
  header: object = { alg: 'ES256', typ: 'at+jwt', kid: 'k1' },
  key: KeyObject = KEY,
) {
  const input = `${b64(header)}.${b64(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
const codeOf = (result: unknown) => (result instanceof AppError ? result.code : 'accepted');

describe('verifyAccessToken', () => {
  it('accepts a token signed by a hub key with the claims RFC 9068 asks for', () => {
    expect(verifyAccessToken(token(), POLICY, NOW)).toMatchObject({ client_id: 'pc_1', scope: 'certificate.check' });
    const typ = token(CLAIMS, { alg: 'ES256', typ: 'application/AT+JWT', kid: 'k1' });
    expect(codeOf(verifyAccessToken(typ, POLICY, NOW))).toBe('accepted');
  });

  it('refuses other algorithms, other types, unknown keys and critical extensions', () => {
    const headers = [
      { alg: 'none', typ: 'at+jwt', kid: 'k1' },
      { alg: 'HS256', typ: 'at+jwt', kid: 'k1' },
      { alg: 'ES256', typ: 'JWT', kid: 'k1' },
      { alg: 'ES256', kid: 'k1' },
      { alg: 'ES256', typ: 'at+jwt', kid: 'k2' },
      { alg: 'ES256', typ: 'at+jwt', kid: 'k1', crit: ['exp'] },
    ];
    for (const header of headers)
      expect(codeOf(verifyAccessToken(token(CLAIMS, header), POLICY, NOW))).toBe('TOKEN_INVALID');
  });

  it('refuses a signature by another key, a changed payload, and text that is not a compact JWS', () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(codeOf(verifyAccessToken(token(CLAIMS, undefined, stranger), POLICY, NOW))).toBe('TOKEN_INVALID');
    const [head, , sig] = token().split('.');
    const changed = `${head}.${b64({ ...CLAIMS, scope: 'certificate.verify certificate.check' })}.${sig}`;
    expect(codeOf(verifyAccessToken(changed, POLICY, NOW))).toBe('TOKEN_INVALID');
    for (const text of ['', 'abc', 'a.b.c', `${token()}x`, 'x'.repeat(5000)]) {
      expect(codeOf(verifyAccessToken(text, POLICY, NOW))).toBe('TOKEN_INVALID');
    }
  });
});

describe('checkAccessTokenClaims', () => {
  const check = (changes: object, now = NOW) => codeOf(checkAccessTokenClaims({ ...CLAIMS, ...changes }, POLICY, now));

  it('refuses another issuer or audience', () => {
    expect(check({ iss: 'https://other.example' })).toBe('TOKEN_INVALID');
    expect(check({ aud: 'https://other.example' })).toBe('TOKEN_INVALID');
    expect(check({ aud: ['https://other.example', ISSUER] })).toBe('accepted');
  });

  it('counts expiry, not-before and issue time with the clock skew', () => {
    expect(check({}, CLAIMS.exp + 29)).toBe('accepted');
    expect(check({}, CLAIMS.exp + 30)).toBe('TOKEN_EXPIRED');
    expect(check({ nbf: NOW + 29 })).toBe('accepted');
    expect(check({ nbf: NOW + 31 })).toBe('TOKEN_INVALID');
    expect(check({ iat: NOW + 31 })).toBe('TOKEN_INVALID');
    expect(check({ exp: '2030-01-01' })).toBe('TOKEN_INVALID');
  });

  it('requires the client, the platform and a well-formed scope', () => {
    for (const name of ['sub', 'jti', 'client_id', 'scope', 'platform_code', 'platform_name']) {
      expect(check({ [name]: undefined }), name).toBe('TOKEN_INVALID');
    }
    expect(check({ platform_code: 'a b' })).toBe('TOKEN_INVALID');
    expect(check({ scope: 'a "b"' })).toBe('TOKEN_INVALID');
  });
});

describe('scopes', () => {
  it('let a caller call only the methods one of its scopes lists', () => {
    expect(scopeAllows(TABLE, ['certificate.check'], CHECK)).toBe(true);
    expect(scopeAllows(TABLE, ['certificate.verify'], CHECK)).toBe(false);
    expect(scopeAllows(TABLE, [], CHECK)).toBe(false);
    expect(scopeAllows(TABLE, ['constructor', 'toString'], CHECK)).toBe(false);
  });

  it('name the platform as the caller, and refuse a method outside the scopes with SCOPE_MISSING', () => {
    const claims = checkAccessTokenClaims(CLAIMS, POLICY, NOW);
    expect(callerFromAccessToken(claims as never)).toEqual({
      departmentCode: '91310107MA1G8K2D32',
      departmentName: '示例外卖平台',
      role: 'platform',
      authenticatedBy: 'oauth',
      clientId: 'pc_1',
      scopes: ['certificate.check'],
    });
    const auth = { policy: () => ({ ...POLICY }), scopes: TABLE };
    // identifyBearer reads the wall clock: a token valid around now
    const now = Math.floor(Date.now() / 1000);
    const fresh = token({ ...CLAIMS, iat: now, exp: now + 300 });
    expect(identifyBearer(fresh, CHECK, auth)).toMatchObject({ role: 'platform' });
    expect(codeOf(identifyBearer(fresh, VERIFY, auth))).toBe('SCOPE_MISSING');
    expect(codeOf(identifyBearer('', CHECK, auth))).toBe('TOKEN_INVALID');
  });
});

describe('bearerTokenOf', () => {
  const of = (value?: string) => {
    const metadata = new Metadata();
    if (value !== undefined) metadata.set('authorization', value);
    return bearerTokenOf(metadata);
  };

  it('reads the token of the Bearer scheme, in any case, and nothing of another scheme', () => {
    expect(of()).toBeUndefined();
    expect(of('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(of('bearer abc')).toBe('abc');
    expect(of('Basic dXNlcjpwYXNz')).toBe('');
    expect(of('Bearer a b')).toBe('');
  });
});
