import { describe, expect, it } from 'vitest';
import { loadHubConfig } from './config.js';

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
