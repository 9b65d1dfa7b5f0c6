import { AppError, invalid } from '@onceonly/errors';
import { describe, expect, it } from 'vitest';
import {
  channelOptions,
  DEFAULT_HUB_ADDRESS,
  errorJson,
  hubAddress,
  parseHubTarget,
  ROUND_ROBIN_SERVICE_CONFIG,
} from './client.js';

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

describe('parseHubTarget (one hub, or replicas called round robin)', () => {
  const refused = (addr: string) => {
    try {
      parseHubTarget(addr);
    } catch (err) {
      return err as AppError;
    }
    throw new Error(`${addr} was accepted`);
  };

  it('dials one address as it is, on one connection (no round robin)', () => {
    expect(parseHubTarget('127.0.0.1:50051')).toEqual({ target: '127.0.0.1:50051', roundRobin: false });
    expect(parseHubTarget('certificate:50051')).toEqual({ target: 'certificate:50051', roundRobin: false });
    expect(channelOptions(parseHubTarget('127.0.0.1:50051'))).toEqual({});
  });

  it('makes several IPv4 addresses one ipv4: target with the round_robin policy', () => {
    const target = parseHubTarget('10.0.0.5:50051, 10.0.0.6:50051,127.0.0.1:50061');
    expect(target).toEqual({ target: 'ipv4:10.0.0.5:50051,10.0.0.6:50051,127.0.0.1:50061', roundRobin: true });
    expect(channelOptions(target)).toEqual({ 'grpc.service_config': ROUND_ROBIN_SERVICE_CONFIG });
    expect(JSON.parse(ROUND_ROBIN_SERVICE_CONFIG)).toEqual({ loadBalancingConfig: [{ round_robin: {} }] });
  });

  it('makes several IPv6 addresses one ipv6: target, and asks wildcard hosts on loopback', () => {
    expect(parseHubTarget('[::1]:50051,[::]:50052').target).toBe('ipv6:[::1]:50051,[::1]:50052');
    expect(parseHubTarget('0.0.0.0:50051,127.0.0.1:50052').target).toBe('ipv4:127.0.0.1:50051,127.0.0.1:50052');
  });

  it('round-robins over what one dns: name resolves to (a headless Service)', () => {
    const target = parseHubTarget('dns:///certificate-headless.onceonly.svc.cluster.local:50051');
    expect(target).toEqual({
      target: 'dns:///certificate-headless.onceonly.svc.cluster.local:50051',
      roundRobin: true,
    });
  });

  it.each([
    ['127.0.0.1:50051,', 'an empty address'],
    ['127.0.0.1:50051,,127.0.0.1:50052', 'an empty address'],
    ['certificate-0:50051,certificate-1:50051', 'is not an IP address'],
    ['10.0.0.5,10.0.0.6', 'is not an IP address'],
    ['10.0.0.256:50051,10.0.0.6:50051', 'is not an IP address'],
    ['10.0.0.5:70000,10.0.0.6:50051', 'no such port'],
    ['10.0.0.5:50051,[::1]:50051', 'mixed'],
    ['10.0.0.5:50051,10.0.0.5:50051', 'named twice'],
    ['10.0.0.5:50051,127.0.0.1:0', 'port 0'],
    ['dns:///a:1,dns:///b:1', 'name it alone'],
  ])('refuses %s (CONFIG_INVALID: %s)', (addr, why) => {
    const error = refused(addr);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(why);
  });

  it('reads a list from ONCEONLY_GRPC_ADDR too, each address as a client dials it', () => {
    expect(hubAddress({ ONCEONLY_GRPC_ADDR: '0.0.0.0:50061,127.0.0.1:50062' }, () => undefined)).toBe(
      '127.0.0.1:50061,127.0.0.1:50062',
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
