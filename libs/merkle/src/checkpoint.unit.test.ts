import { describe, expect, it } from 'vitest';
import { ARCHE_CHECKPOINT, hex } from '../test/vectors.js';
import { type Checkpoint, formatCheckpoint, openCheckpoint, parseCheckpoint } from './checkpoint.js';
import { signNote } from './note.js';
import { parseSignerKey, parseVerifierKey } from './note-keys.js';

const ROOT = hex('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
const reason = (r: string) => expect.objectContaining({ reason: r });

describe('formatCheckpoint and parseCheckpoint', () => {
  it('round-trip a checkpoint with and without extension lines', () => {
    const plain: Checkpoint = { origin: 'onceonly.example/audit', size: 8, root: ROOT };
    const text = formatCheckpoint(plain);
    expect(text).toBe('onceonly.example/audit\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n');
    expect(parseCheckpoint(text)).toEqual({ ...plain, extensions: [] });
    const extended = { ...plain, extensions: ['ext one', 'ext two'] };
    expect(parseCheckpoint(formatCheckpoint(extended))).toEqual(extended);
  });

  it('formats the empty tree with size 0', () => {
    const root = hex('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(formatCheckpoint({ origin: 'o', size: 0, root })).toBe(
      'o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n',
    );
  });

  it('parses a real checkpoint of a public log', () => {
    const cp = parseCheckpoint(ARCHE_CHECKPOINT.body);
    expect(cp.origin).toBe('arche2025h1.staging.ct.transparency.dev');
    expect(cp.size).toBe(1432088532);
    expect(formatCheckpoint(cp)).toBe(ARCHE_CHECKPOINT.body);
  });

  describe('when the text is malformed', () => {
    const root = 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=';
    it.each([
      ['no final newline', `o\n8\n${root}`, 'CHECKPOINT_FORMAT'],
      ['fewer than three lines', 'o\n8\n', 'CHECKPOINT_FORMAT'],
      ['an empty extension line', `o\n8\n${root}\n\n`, 'CHECKPOINT_FORMAT'],
      ['an empty origin', `\n8\n${root}\n`, 'CHECKPOINT_ORIGIN'],
      ['a leading zero', `o\n08\n${root}\n`, 'CHECKPOINT_SIZE'],
      ['a plus sign', `o\n+8\n${root}\n`, 'CHECKPOINT_SIZE'],
      ['a minus sign', `o\n-8\n${root}\n`, 'CHECKPOINT_SIZE'],
      ['a space in the size', `o\n 8\n${root}\n`, 'CHECKPOINT_SIZE'],
      ['an empty size', `o\n\n${root}\n`, 'CHECKPOINT_SIZE'],
      ['a size beyond 2^53', `o\n9007199254740993\n${root}\n`, 'CHECKPOINT_SIZE'],
      ['a 31-byte root', `o\n8\n${Buffer.alloc(31).toString('base64')}\n`, 'CHECKPOINT_ROOT'],
      ['a 33-byte root', `o\n8\n${Buffer.alloc(33).toString('base64')}\n`, 'CHECKPOINT_ROOT'],
      ['an unpadded root', `o\n8\n${root.slice(0, -1)}\n`, 'CHECKPOINT_ROOT'],
      ['a URL-safe root', `o\n8\n${root.replace('+', '-')}\n`, 'CHECKPOINT_ROOT'],
      ['a root with non-zero padding bits', `o\n8\n${root.slice(0, -2)}h=\n`, 'CHECKPOINT_ROOT'],
      ['a hex root', `o\n8\n${'00'.repeat(32)}\n`, 'CHECKPOINT_ROOT'],
    ])('rejects %s', (_, text, r) => {
      expect(() => parseCheckpoint(text)).toThrow(reason(r));
    });
  });

  it('refuses to format an invalid checkpoint', () => {
    expect(() => formatCheckpoint({ origin: '', size: 1, root: ROOT })).toThrow(reason('CHECKPOINT_ORIGIN'));
    expect(() => formatCheckpoint({ origin: 'a\nb', size: 1, root: ROOT })).toThrow(reason('CHECKPOINT_ORIGIN'));
    expect(() => formatCheckpoint({ origin: 'o', size: -1, root: ROOT })).toThrow(reason('CHECKPOINT_SIZE'));
    expect(() => formatCheckpoint({ origin: 'o', size: 1, root: ROOT.subarray(1) })).toThrow(reason('CHECKPOINT_ROOT'));
    expect(() => formatCheckpoint({ origin: 'o', size: 1, root: ROOT, extensions: [''] })).toThrow(
      reason('CHECKPOINT_FORMAT'),
    );
  });
});

describe('openCheckpoint', () => {
  it('verifies the real checkpoint with the log key and checks its origin', () => {
    const log = parseVerifierKey(ARCHE_CHECKPOINT.logVerifierKey);
    const note = `${ARCHE_CHECKPOINT.body}\n${ARCHE_CHECKPOINT.signatures[1]}\n`;
    const opened = openCheckpoint(note, [log], 'arche2025h1.staging.ct.transparency.dev');
    expect(opened.checkpoint.size).toBe(1432088532);
    expect(() => openCheckpoint(note, [log], 'another.example/log')).toThrow(reason('CHECKPOINT_ORIGIN_MISMATCH'));
  });

  it('rejects a signed note whose text is not a checkpoint', async () => {
    const signer = parseSignerKey('PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz');
    const note = await signNote('not\na checkpoint\n', signer);
    expect(() => openCheckpoint(note, [parseVerifierKey(signer.verifierKey)])).toThrow(reason('CHECKPOINT_FORMAT'));
  });
});
