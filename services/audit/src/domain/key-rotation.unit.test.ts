import {
  formatCheckpoint,
  generateNoteKey,
  type ParsedSignerKey,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '@onceonly/merkle';
import { describe, expect, it } from 'vitest';
import {
  announcedKey,
  checkpointsOfRetiredKeys,
  followKeyAnnouncements,
  followLogKeys,
  keyAtSize,
  keyRotationExtension,
  rotationAtStart,
} from './key-rotation.js';

const ORIGIN = 'onceonly.test/audit';
const key = (): ParsedSignerKey => parseSignerKey(generateNoteKey(ORIGIN).signerKey);
const [a, b, c] = [key(), key(), key()];

async function announce(size: number, signers: ParsedSignerKey[], next: string, extra: string[] = []): Promise<string> {
  const body = formatCheckpoint({
    origin: ORIGIN,
    size,
    root: new Uint8Array(32),
    extensions: [...extra, keyRotationExtension(next)],
  });
  return signNote(body, signers);
}

describe('announcedKey', () => {
  it('reads the announced vkey, none without the line, null when it is repeated', () => {
    expect(announcedKey(['x', keyRotationExtension(b.verifierKey)])).toBe(b.verifierKey);
    expect(announcedKey(['x'])).toBeUndefined();
    expect(announcedKey([keyRotationExtension('k1'), keyRotationExtension('k2')])).toBeNull();
  });
});

describe('followKeyAnnouncements', () => {
  it('trusts the pinned key itself without any announcement', () => {
    const r = followKeyAnnouncements(a.verifierKey, a.verifierKey, [], ORIGIN);
    expect(r).toMatchObject({ ok: true, steps: 0 });
  });

  it('follows an announcement signed by the pinned key and the new key', async () => {
    const r = followKeyAnnouncements(a.verifierKey, b.verifierKey, [await announce(5, [a, b], b.verifierKey)], ORIGIN);
    expect(r.ok && r.key.verifierKey).toBe(b.verifierKey);
  });

  it('follows a chain of two rotations', async () => {
    const chain = [await announce(5, [a, b], b.verifierKey), await announce(9, [b, c], c.verifierKey)];
    expect(followKeyAnnouncements(a.verifierKey, c.verifierKey, chain, ORIGIN)).toMatchObject({ ok: true, steps: 2 });
  });

  it('refuses a key without an announcement as KEY_NOT_ANNOUNCED', () => {
    expect(followKeyAnnouncements(a.verifierKey, b.verifierKey, [], ORIGIN)).toMatchObject({
      ok: false,
      kind: 'KEY_NOT_ANNOUNCED',
    });
  });

  it('refuses a rotation announced by a key that is not the pinned one', async () => {
    const forged = await announce(5, [c, b], b.verifierKey);
    expect(followKeyAnnouncements(a.verifierKey, b.verifierKey, [forged], ORIGIN)).toMatchObject({
      ok: false,
      kind: 'KEY_ANNOUNCEMENT_INVALID',
    });
  });

  it('refuses an announcement the new key did not sign', async () => {
    const unsigned = await announce(5, [a], b.verifierKey);
    expect(followKeyAnnouncements(a.verifierKey, b.verifierKey, [unsigned], ORIGIN)).toMatchObject({
      ok: false,
      kind: 'KEY_ANNOUNCEMENT_INVALID',
    });
  });

  it('refuses an announcement with two rotation lines', async () => {
    const twice = await announce(5, [a, b], b.verifierKey, [keyRotationExtension(c.verifierKey)]);
    expect(followKeyAnnouncements(a.verifierKey, b.verifierKey, [twice], ORIGIN)).toMatchObject({
      ok: false,
      kind: 'KEY_ANNOUNCEMENT_INVALID',
    });
  });

  it('refuses an announcement of another log', async () => {
    const note = await announce(5, [a, b], b.verifierKey);
    expect(followKeyAnnouncements(a.verifierKey, b.verifierKey, [note], 'other.test/audit')).toMatchObject({
      ok: false,
      kind: 'KEY_ANNOUNCEMENT_INVALID',
    });
  });

  it('refuses a chain that leads to another key than the one the material is signed by', async () => {
    const note = await announce(5, [a, b], b.verifierKey);
    expect(followKeyAnnouncements(a.verifierKey, c.verifierKey, [note], ORIGIN)).toMatchObject({
      ok: false,
      kind: 'KEY_NOT_ANNOUNCED',
    });
  });
});

describe('keyAtSize', () => {
  it('gives the key announced at or before a size, the pinned key before any announcement', async () => {
    const chain = [await announce(5, [a, b], b.verifierKey), await announce(9, [b, c], c.verifierKey)];
    const r = followKeyAnnouncements(a.verifierKey, c.verifierKey, chain, ORIGIN);
    if (!r.ok) throw new Error(r.message);
    expect(r.fromSizes).toEqual([0, 5, 9]);
    expect([3, 5, 8, 9, 20].map((size) => keyAtSize(r, size).verifierKey)).toEqual([
      a.verifierKey,
      b.verifierKey,
      b.verifierKey,
      c.verifierKey,
      c.verifierKey,
    ]);
  });

  it('refuses announcements whose sizes do not increase', async () => {
    const chain = [await announce(9, [a, b], b.verifierKey), await announce(5, [b, c], c.verifierKey)];
    expect(followKeyAnnouncements(a.verifierKey, c.verifierKey, chain, ORIGIN)).toMatchObject({
      ok: false,
      kind: 'KEY_ANNOUNCEMENT_INVALID',
    });
  });
});

describe('rotationAtStart', () => {
  it('announces the new key when the previous one is the log current key', () => {
    expect(rotationAtStart(['k0', 'k1'], 'k2', 'k1')).toBe('announce');
  });

  it('does nothing without a previous key, or once the new key is the log key', () => {
    expect(rotationAtStart(['k1'], 'k2', undefined)).toBe('none');
    expect(rotationAtStart(['k1', 'k2'], 'k2', 'k1')).toBe('none');
  });

  it('refuses a previous key that is not the log current key', () => {
    expect(rotationAtStart(['k0', 'k1'], 'k2', 'k0')).toBe('previous-not-current');
    expect(rotationAtStart([], 'k2', 'k1')).toBe('previous-not-current');
  });
});

describe('followLogKeys', () => {
  const at = async (size: number, signers: ParsedSignerKey[], next?: string) => ({
    size,
    signedNote: next
      ? await announce(size, signers, next)
      : await signNote(formatCheckpoint({ origin: ORIGIN, size, root: new Uint8Array(32) }), signers),
  });

  it('trusts each key a rotation in the log announces from the pinned key, from its size', async () => {
    const log = [await at(5, [a, b], b.verifierKey), await at(9, [b, c], c.verifierKey)];
    const chain = followLogKeys(parseVerifierKey(a.verifierKey), log, ORIGIN);
    expect(chain.keys.map((k) => k.verifierKey)).toEqual([a.verifierKey, b.verifierKey, c.verifierKey]);
    expect(chain.fromSizes).toEqual([0, 5, 9]);
    expect(chain.refused).toEqual([]);
  });

  it('refuses a rotation in the log signed by another key than the trusted one', async () => {
    const chain = followLogKeys(parseVerifierKey(a.verifierKey), [await at(5, [c, b], b.verifierKey)], ORIGIN);
    expect(chain.keys.map((k) => k.verifierKey)).toEqual([a.verifierKey]);
    expect(chain.refused).toHaveLength(1);
  });

  it('names a checkpoint signed by the replaced key alone after the rotation', async () => {
    const log = [await at(3, [a]), await at(5, [a, b], b.verifierKey), await at(7, [b]), await at(8, [a])];
    const chain = followLogKeys(parseVerifierKey(a.verifierKey), log, ORIGIN);
    expect(checkpointsOfRetiredKeys(chain, log, ORIGIN)).toEqual([8]);
  });
});
