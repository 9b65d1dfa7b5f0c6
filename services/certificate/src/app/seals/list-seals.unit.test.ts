import { describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken } from './list-seals.js';

describe('page tokens', () => {
  it('round-trip the keyset position', () => {
    const position = { createdAt: new Date('2025-03-10T02:00:00.123Z'), id: '6d1f1a4e-0000-4000-8000-000000000001' };
    expect(decodePageToken(encodePageToken(position))).toEqual(position);
  });

  it.each([
    ['not base64 JSON', 'garbage'],
    ['JSON of another shape', Buffer.from('{"a":1}').toString('base64url')],
    ['a bad date', Buffer.from('["yesterday","x"]').toString('base64url')],
    ['an overlong token', 'A'.repeat(300)],
  ])('refuse %s (INVALID_ARGUMENT on page.page_token)', (_what, token) => {
    expect(() => decodePageToken(token)).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        details: { fields: [expect.objectContaining({ field: 'page.page_token' })] },
      }),
    );
  });
});
