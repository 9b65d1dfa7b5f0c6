import { describe, expect, it } from 'vitest';
import { defaultMetricsAddress, identityMode } from './start.js';

describe('identityMode (the ready line)', () => {
  it('says none when development identity is off and TLS is not configured', () => {
    expect(identityMode(false, false)).toBe('none');
  });

  it('says dev-metadata only when development identity is on', () => {
    expect(identityMode(false, true)).toBe('dev-metadata');
  });

  it('says mtls with TLS, and both when development identity is also on', () => {
    expect(identityMode(true, false)).toBe('mtls');
    expect(identityMode(true, true)).toBe('mtls+dev-metadata');
  });
});

describe('defaultMetricsAddress (ONCEONLY_METRICS_ADDR unset)', () => {
  it('takes a free loopback port in embedded mode', () => {
    expect(defaultMetricsAddress('embedded', '127.0.0.1:50051')).toBe('127.0.0.1:0');
  });

  it("takes Prometheus exporters' port 9464 at scale, on loopback", () => {
    expect(defaultMetricsAddress('external', '0.0.0.0:50051')).toBe('127.0.0.1:9464');
  });

  it('takes a free port too for a hub on a free gRPC port, so that hubs side by side never collide', () => {
    expect(defaultMetricsAddress('external', '127.0.0.1:0')).toBe('127.0.0.1:0');
  });
});
