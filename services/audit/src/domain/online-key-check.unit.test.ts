import {
  consistencyProof,
  formatCheckpoint,
  generateNoteKey,
  openCheckpoint,
  type ParsedSignerKey,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '@onceonly/merkle';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN, signedLog } from '../../test/fixtures.js';
import { keyRotationExtension } from './key-rotation.js';
import { checkAgainstLog } from './online-key-check.js';

// ADR 009's known limit: a checkpoint signed by the pinned key alone after that key was replaced verifies offline.
// Online, the log's own announcements and latest checkpoint show it.

type Log = Awaited<ReturnType<typeof signedLog>>;

describe('checking a bundle’s checkpoint against the log as it is now', () => {
  let log: Log;
  let next: ParsedSignerKey;
  let announcement: { size: number; signedNote: string };
  const sign = (size: number, signers: ParsedSignerKey[], root = log.tree.root(size), extensions: string[] = []) =>
    signNote(formatCheckpoint({ origin: ORIGIN, size, root, extensions }), signers);
  const bundleAt = async (size: number, signers: ParsedSignerKey[], root?: Uint8Array) => {
    const signedNote = await sign(size, signers, root);
    const verifiers = signers.map((k) => parseVerifierKey(k.verifierKey));
    return { signedNote, checkpoint: openCheckpoint(signedNote, verifiers, ORIGIN).checkpoint };
  };
  const latestBy = async (signer: ParsedSignerKey, from: number) => ({
    signedNote: await sign(10, [signer]),
    consistency: await consistencyProof(log.tree, from, 10),
  });

  beforeAll(async () => {
    log = await signedLog(10, []);
    next = parseSignerKey(generateNoteKey(ORIGIN).signerKey);
    // the log rotated at size 5: announced by the old key, countersigned by the new one
    const note = await sign(5, [log.signer, next], log.tree.root(5), [keyRotationExtension(next.verifierKey)]);
    announcement = { size: 5, signedNote: note };
  });

  it('finds nothing for a log that never rotated, whose latest checkpoint extends the bundle’s', async () => {
    const bundle = await bundleAt(7, [log.signer]);
    const found = checkAgainstLog(log.key.verifierKey, ORIGIN, bundle, {
      announcements: [],
      latest: await latestBy(log.signer, 7),
    });
    expect(found).toEqual([]);
  });

  it('names KEY_RETIRED: a checkpoint after the rotation signed by the replaced key alone', async () => {
    const bundle = await bundleAt(8, [log.signer]);
    const found = checkAgainstLog(log.key.verifierKey, ORIGIN, bundle, { announcements: [announcement] });
    expect(found.map((f) => [f.kind, f.size])).toEqual([['KEY_RETIRED', 8]]);
  });

  it('accepts a checkpoint from before the rotation signed by the old key, and one after it by the new key', async () => {
    const before = await bundleAt(4, [log.signer]);
    const view = { announcements: [announcement], latest: await latestBy(next, 4) };
    expect(checkAgainstLog(log.key.verifierKey, ORIGIN, before, view)).toEqual([]);
    const after = await bundleAt(9, [next]);
    const later = { announcements: [announcement], latest: await latestBy(next, 9) };
    expect(checkAgainstLog(log.key.verifierKey, ORIGIN, after, later)).toEqual([]);
  });

  it('names a forked checkpoint that the log does not extend, and an announcement the pinned key did not make', async () => {
    const fork = await bundleAt(4, [log.signer], new Uint8Array(32).fill(9));
    const found = checkAgainstLog(log.key.verifierKey, ORIGIN, fork, {
      announcements: [],
      latest: await latestBy(log.signer, 4),
    });
    expect(found.map((f) => f.kind)).toEqual(['CHECKPOINT_INCONSISTENT']);
    const stranger = parseSignerKey(generateNoteKey(ORIGIN).signerKey);
    const forged = {
      size: 6,
      signedNote: await sign(6, [stranger, next], log.tree.root(6), [keyRotationExtension(next.verifierKey)]),
    };
    const bundle = await bundleAt(7, [log.signer]);
    const refused = checkAgainstLog(log.key.verifierKey, ORIGIN, bundle, { announcements: [forged] });
    expect(refused.map((f) => f.kind)).toEqual(['KEY_ANNOUNCEMENT_INVALID']);
  });
});
