import { describe, expect, it } from 'vitest';
import { identityMode } from './start.js';

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
