import type { PeerCertificate } from 'node:tls';
import { Metadata } from '@grpc/grpc-js';
import { AppError } from '@onceonly/errors';
import { describe, expect, it } from 'vitest';
import { callContext, callerFromCertificate, callerFromDevMetadata } from './caller.js';
import { isLoopbackHost } from './grpc-server.js';

function cert(subject: Record<string, string | string[]>): PeerCertificate {
  return { subject } as unknown as PeerCertificate;
}

function metadata(entries: Record<string, string>): Metadata {
  const md = new Metadata();
  for (const [key, value] of Object.entries(entries)) md.set(key, value);
  return md;
}

describe('callerFromCertificate', () => {
  it('reads CN, O and OU', () => {
    expect(callerFromCertificate(cert({ CN: 'D1', O: 'Dept One', OU: 'platform' }))).toEqual({
      departmentCode: 'D1',
      departmentName: 'Dept One',
      role: 'platform',
      authenticatedBy: 'mtls',
    });
  });

  it.each([
    ['no CN', { O: 'x', OU: 'department' }],
    ['two CNs', { CN: ['a', 'b'], OU: 'department' }],
    ['no OU', { CN: 'D1' }],
    ['an unknown role', { CN: 'D1', OU: 'root' }],
    ['two roles', { CN: 'D1', OU: ['department', 'auditor'] }],
  ])('refuses a subject with %s', (_label, subject) => {
    expect(callerFromCertificate(cert(subject))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('callerFromDevMetadata', () => {
  it('reads the caller, the role (default department) and the name (default the code)', () => {
    expect(callerFromDevMetadata(metadata({ 'x-onceonly-caller': 'D1' }))).toEqual({
      departmentCode: 'D1',
      departmentName: 'D1',
      role: 'department',
      authenticatedBy: 'dev-metadata',
    });
    expect(
      callerFromDevMetadata(
        metadata({ 'x-onceonly-caller': 'D1', 'x-onceonly-role': 'portal', 'x-onceonly-caller-name': 'One' }),
      ),
    ).toMatchObject({ role: 'portal', departmentName: 'One' });
  });

  it('returns nothing without the header and refuses malformed values', () => {
    expect(callerFromDevMetadata(new Metadata())).toBeUndefined();
    expect(callerFromDevMetadata(metadata({ 'x-onceonly-caller': 'a b' }))).toBeInstanceOf(AppError);
    expect(callerFromDevMetadata(metadata({ 'x-onceonly-caller': 'D1', 'x-onceonly-role': 'x' }))).toBeInstanceOf(
      AppError,
    );
  });
});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.255.0.9', 'localhost', 'LOCALHOST', '::1', '[::1]'])('accepts %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each(['0.0.0.0', '::', '[::]', '10.0.0.1', '128.0.0.1', 'localhost.example.org', '127.0.0.1.nip.io'])(
    'refuses %s',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('callContext', () => {
  it('fails for a call that did not pass through the server', () => {
    expect(() => callContext({})).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});
