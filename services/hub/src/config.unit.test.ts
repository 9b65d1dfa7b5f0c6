import { describe, expect, it } from 'vitest';
import { httpAddressOf, loadHubConfig } from './config.js';

describe('ONCEONLY_NAMESPACE', () => {
  it('defaults to none: the names of today', () => {
    expect(loadHubConfig({}).ONCEONLY_NAMESPACE).toBe('');
    expect(loadHubConfig({ ONCEONLY_NAMESPACE: '' }).ONCEONLY_NAMESPACE).toBe('');
  });

  it('takes a short lowercase name', () => {
    expect(loadHubConfig({ ONCEONLY_NAMESPACE: 'city-a' }).ONCEONLY_NAMESPACE).toBe('city-a');
  });

  it.each(['City-A', 'city.a', 'city_a', '1city', 'a-namespace-far-too-long'])(
    'refuses %j with CONFIG_INVALID naming the variable',
    (value) => {
      expect(() => loadHubConfig({ ONCEONLY_NAMESPACE: value })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('ONCEONLY_NAMESPACE') }),
      );
    },
  );
});

describe('the HTTP/JSON address (ONCEONLY_HTTP_ADDR)', () => {
  it('defaults to the gRPC host and the next port: both on loopback for npm start', () => {
    expect(httpAddressOf(loadHubConfig({}))).toBe('127.0.0.1:50052');
    expect(httpAddressOf(loadHubConfig({ ONCEONLY_GRPC_ADDR: '0.0.0.0:7000' }))).toBe('0.0.0.0:7001');
    expect(httpAddressOf(loadHubConfig({ ONCEONLY_GRPC_ADDR: '[::1]:7000' }))).toBe('[::1]:7001');
  });

  it('asks for a free port when the gRPC address does (tests)', () => {
    expect(httpAddressOf(loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0' }))).toBe('127.0.0.1:0');
  });

  it('takes its own address, or none with ONCEONLY_HTTP=false', () => {
    expect(httpAddressOf(loadHubConfig({ ONCEONLY_HTTP_ADDR: '127.0.0.1:8080' }))).toBe('127.0.0.1:8080');
    expect(httpAddressOf(loadHubConfig({ ONCEONLY_HTTP: 'false' }))).toBeUndefined();
  });
});
