import { describe, expect, it } from 'vitest';
import { withStartupOptions } from './postgres.js';

/** What node-postgres (pg-connection-string) reads from the URL: its query parameters, decoded. */
const paramsOf = (url: string) => Object.fromEntries(new URL(url).searchParams.entries());

describe('withStartupOptions (ADR 058)', () => {
  it('starts every connection with JIT off and leaves the rest of the URL as it was', () => {
    const url = 'postgres://app:p%40ss%2Fw@db.example:6432/hub?sslmode=require&application_name=x';
    const out = new URL(withStartupOptions(url, {}));
    expect(paramsOf(out.href)).toEqual({ sslmode: 'require', application_name: 'x', options: '-c jit=off' });
    expect([out.username, out.password, out.host, out.pathname]).toEqual([
      'app',
      'p%40ss%2Fw',
      'db.example:6432',
      '/hub',
    ]);
  });

  it("puts the URL's own options after ours, so that they win (JIT on again) and none is lost", () => {
    const url = `postgres://u@h/d?options=${encodeURIComponent('-c jit=on -c work_mem=8MB')}`;
    expect(paramsOf(withStartupOptions(url, { PGOPTIONS: '-c work_mem=1MB' })).options).toBe(
      '-c jit=off -c jit=on -c work_mem=8MB',
    );
  });

  it('takes PGOPTIONS when the URL has no options, as node-postgres would have sent it alone', () => {
    expect(paramsOf(withStartupOptions('postgres://u@h/d', { PGOPTIONS: '-c statement_timeout=5s' })).options).toBe(
      '-c jit=off -c statement_timeout=5s',
    );
    expect(paramsOf(withStartupOptions('postgres://u@h/d', { PGOPTIONS: '  ' })).options).toBe('-c jit=off');
  });

  it('keeps a socket directory given as the host parameter', () => {
    const url = 'postgres://u@localhost/d?host=%2Fvar%2Frun%2Fpostgresql&port=5433';
    expect(paramsOf(withStartupOptions(url, {}))).toEqual({
      host: '/var/run/postgresql',
      port: '5433',
      options: '-c jit=off',
    });
  });
});
