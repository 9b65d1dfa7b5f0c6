import { isUscc } from '@onceonly/ids';
import { describe, expect, it } from 'vitest';
import { bodyOf, DIRECTORY, SERVICE_CENTRE } from './index.js';

describe('the directory', () => {
  it('holds valid, distinct credit codes and names', () => {
    for (const b of DIRECTORY) expect([b.code, isUscc(b.code)]).toEqual([b.code, true]);
    expect(new Set(DIRECTORY.map((b) => b.code)).size).toBe(DIRECTORY.length);
    expect(new Set(DIRECTORY.map((b) => b.nameZh)).size).toBe(DIRECTORY.length);
  });

  it('finds a body by its code, and nothing for an unknown one', () => {
    expect(bodyOf(SERVICE_CENTRE.code)).toBe(SERVICE_CENTRE);
    expect(bodyOf('91310000MA1FL8L972')).toBeUndefined();
  });

  it('is frozen: no service changes what another reads', () => {
    expect(Object.isFrozen(DIRECTORY)).toBe(true);
    for (const b of DIRECTORY) expect(Object.isFrozen(b)).toBe(true);
  });
});
