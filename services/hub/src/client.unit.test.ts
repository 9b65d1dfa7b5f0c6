import { AppError, invalid } from '@onceonly/errors';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HUB_ADDRESS, errorJson, hubAddress } from './client.js';

describe('hubAddress (where the CLI finds the hub)', () => {
  const quiet = () => undefined;

  it('reads ONCEONLY_GRPC_ADDR, the variable the hub listens on', () => {
    expect(hubAddress({ ONCEONLY_GRPC_ADDR: '127.0.0.1:50999' }, quiet)).toBe('127.0.0.1:50999');
  });

  it('defaults to the hub default when nothing is set', () => {
    expect(hubAddress({}, quiet)).toBe(DEFAULT_HUB_ADDRESS);
  });

  it('still reads the deprecated ONCEONLY_ADDR, with a warning naming ONCEONLY_GRPC_ADDR', () => {
    const warnings: string[] = [];
    expect(hubAddress({ ONCEONLY_ADDR: '127.0.0.1:50998' }, (w) => warnings.push(w))).toBe('127.0.0.1:50998');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ONCEONLY_GRPC_ADDR');
  });

  it('refuses the two variables when they disagree', () => {
    const env = { ONCEONLY_ADDR: '127.0.0.1:1', ONCEONLY_GRPC_ADDR: '127.0.0.1:2' };
    expect(() => hubAddress(env, quiet)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('asks a hub listening on every interface on loopback', () => {
    expect(hubAddress({ ONCEONLY_GRPC_ADDR: '0.0.0.0:50051' }, quiet)).toBe('127.0.0.1:50051');
    expect(hubAddress({ ONCEONLY_GRPC_ADDR: '[::]:50051' }, quiet)).toBe('[::1]:50051');
  });

  it('refuses port 0 (the hub picks a port; the CLI cannot guess it)', () => {
    expect(() => hubAddress({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0' }, quiet)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});

describe('errorJson (errors under --json)', () => {
  it('carries the code, the message and the field violations', () => {
    const error = invalid('INVALID_ARGUMENT', [{ field: '--fields', reason: 'JSON', description: 'not JSON' }]);
    expect(JSON.parse(errorJson(error))).toEqual({
      error: {
        code: 'INVALID_ARGUMENT',
        message: error.message,
        fields: [{ field: '--fields', reason: 'JSON', description: 'not JSON' }],
      },
    });
  });

  it('has an empty field list when the error names no field', () => {
    expect(JSON.parse(errorJson(new AppError('UNAVAILABLE', 'down')))).toMatchObject({
      error: { code: 'UNAVAILABLE', fields: [] },
    });
  });
});
