import { describe, expect, it } from 'vitest';
import { corsAnswer, parseCorsOrigins } from './cors.js';

describe('parseCorsOrigins', () => {
  it('takes exact origins and * alone', () => {
    expect(parseCorsOrigins(['https://Platform.example', 'http://localhost:5173'], 'V')).toEqual([
      'https://platform.example',
      'http://localhost:5173',
    ]);
    expect(parseCorsOrigins(['*'], 'V')).toEqual(['*']);
    expect(parseCorsOrigins([], 'V')).toEqual([]);
  });

  it('refuses paths, other schemes, and * with others, naming the variable', () => {
    for (const bad of [
      ['https://a.example/'],
      ['https://a.example/path'],
      ['ftp://a.example'],
      ['*', 'https://a.example'],
    ]) {
      expect(() => parseCorsOrigins(bad, 'ONCEONLY_HTTP_CORS_ORIGINS')).toThrow(/ONCEONLY_HTTP_CORS_ORIGINS/);
    }
  });
});

describe('corsAnswer', () => {
  const origins = ['https://platform.example'];

  it('adds nothing to a request without an origin or from an origin not allowed', () => {
    expect(corsAnswer(origins, { method: 'POST' })).toEqual({ headers: {} });
    expect(corsAnswer(origins, { method: 'POST', origin: 'https://evil.example' })).toEqual({ headers: {} });
  });

  it('names the allowed origin, never credentials, and exposes the headers a page reads', () => {
    const { headers, preflight } = corsAnswer(origins, { method: 'POST', origin: 'https://platform.example' });
    expect(preflight).toBeUndefined();
    expect(headers['access-control-allow-origin']).toBe('https://platform.example');
    expect(headers['access-control-allow-credentials']).toBeUndefined();
    expect(headers['access-control-expose-headers']).toContain('ETag');
  });

  it('answers a preflight: 204 for an allowed origin, 403 for another; * answers *', () => {
    const ask = { method: 'OPTIONS', requestMethod: 'POST' };
    expect(corsAnswer(origins, { ...ask, origin: 'https://platform.example' }).preflight).toEqual({ status: 204 });
    expect(corsAnswer(origins, { ...ask, origin: 'https://evil.example' }).preflight).toEqual({ status: 403 });
    expect(corsAnswer([], { ...ask, origin: 'https://platform.example' }).preflight).toEqual({ status: 403 });
    const any = corsAnswer(['*'], { ...ask, origin: 'https://any.example' });
    expect(any.headers['access-control-allow-origin']).toBe('*');
    expect(any.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('leaves an OPTIONS that is not a preflight to the router', () => {
    expect(corsAnswer(origins, { method: 'OPTIONS', origin: 'https://platform.example' }).preflight).toBeUndefined();
  });
});
