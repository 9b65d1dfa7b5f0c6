import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { C2SP_NOTE, GO_NOTE } from '../test/vectors.js';
import { openNote, parseSignatureLine, signNote } from './note.js';
import {
  generateNoteKey,
  type NoteVerifier,
  noteKeyFromSeed,
  noteKeyHash,
  parseSignerKey,
  parseVerifierKey,
} from './note-keys.js';

const reason = (r: string) => expect.objectContaining({ reason: r });
const goVerifier = () => parseVerifierKey(GO_NOTE.verifierKey);

describe('signed notes against published vectors', () => {
  it('reproduces the golang.org/x/mod/sumdb/note example byte for byte', async () => {
    const signer = parseSignerKey(GO_NOTE.signerKey);
    expect(signer.name).toBe('PeterNeumann');
    expect(signer.keyHash).toBe(0xc74f20a3);
    expect(signer.verifierKey).toBe(GO_NOTE.verifierKey);
    expect(await signNote(GO_NOTE.text, signer)).toBe(GO_NOTE.signed);
  });

  it('opens the Go example with its verifier key', () => {
    const opened = openNote(GO_NOTE.signed, [goVerifier()]);
    expect(opened.text).toBe(GO_NOTE.text);
    expect(opened.verified).toEqual([
      expect.objectContaining({ name: 'PeterNeumann', keyHash: 0xc74f20a3, type: 'ed25519' }),
    ]);
    expect(opened.unverified).toEqual([]);
  });

  it('opens the example of the C2SP signed-note specification', () => {
    const verifier = parseVerifierKey(C2SP_NOTE.verifierKey);
    expect(verifier.publicKey).toEqual(C2SP_NOTE.publicKey);
    expect(verifier.keyHash).toBe(0x530d903a);
    expect(openNote(C2SP_NOTE.signed, [verifier]).text).toBe('This is an example message.\n');
  });

  it("parses the Go checksum database's key, whose base64 contains '+'", () => {
    const sumdb = parseVerifierKey(GO_NOTE.sumdbVerifierKey);
    expect(sumdb.name).toBe('sum.golang.org');
    expect(sumdb.keyHash).toBe(0x033de0ae);
    expect(sumdb.verifierKey).toBe(GO_NOTE.sumdbVerifierKey);
  });
});

describe('signing and opening', () => {
  it('round-trips a note signed by two keys', async () => {
    const a = generateNoteKey('log.example/a');
    const b = generateNoteKey('log.example/b');
    const note = await signNote('hello\n\nworld\n', [parseSignerKey(a.signerKey), parseSignerKey(b.signerKey)]);
    const opened = openNote(note, [parseVerifierKey(a.verifierKey), parseVerifierKey(b.verifierKey)]);
    expect(opened.text).toBe('hello\n\nworld\n');
    expect(opened.verified.map((s) => s.name)).toEqual(['log.example/a', 'log.example/b']);
  });

  it('accepts the note as UTF-8 bytes', () => {
    expect(openNote(Buffer.from(GO_NOTE.signed), [goVerifier()]).text).toBe(GO_NOTE.text);
  });

  it('derives the same key from the same seed, and a key hash over name, type byte 0x01 and public key', () => {
    const seed = new Uint8Array(32).fill(3);
    const pair = noteKeyFromSeed('seeded.example', seed);
    expect(noteKeyFromSeed('seeded.example', seed)).toEqual(pair);
    const verifier = parseVerifierKey(pair.verifierKey);
    const digest = createHash('sha256')
      .update(Buffer.concat([Buffer.from('seeded.example\n'), Buffer.of(0x01), verifier.publicKey]))
      .digest();
    expect(verifier.keyHash).toBe(digest.readUInt32BE(0));
    expect(noteKeyHash('seeded.example', 'ed25519', verifier.publicKey)).toBe(digest.readUInt32BE(0));
    expect(pair.verifierKey).toBe(
      `seeded.example+${digest.subarray(0, 4).toString('hex')}+${Buffer.concat([Buffer.of(1), verifier.publicKey]).toString('base64')}`,
    );
  });

  describe('when the note is signed by another key', () => {
    it('lists the signature as unverified and rejects the note', async () => {
      const other = parseVerifierKey(GO_NOTE.otherVerifierKey);
      expect(() => openNote(GO_NOTE.signed, [other])).toThrow(reason('NOTE_UNVERIFIED'));
      expect(() => openNote(GO_NOTE.signed, [])).toThrow(reason('NOTE_UNVERIFIED'));
      const mine = generateNoteKey('mine.example');
      const note = `${GO_NOTE.signed.slice(0, -1)}\n${(await signNote(GO_NOTE.text, parseSignerKey(mine.signerKey))).split('\n\n')[1]}`;
      const opened = openNote(note, [parseVerifierKey(mine.verifierKey)]);
      expect(opened.unverified).toEqual([expect.objectContaining({ name: 'PeterNeumann', keyHash: 0xc74f20a3 })]);
    });

    it('ignores a key with the same name but another public key', () => {
      const impostor = generateNoteKey('PeterNeumann');
      expect(() => openNote(GO_NOTE.signed, [parseVerifierKey(impostor.verifierKey)])).toThrow(
        reason('NOTE_UNVERIFIED'),
      );
    });

    it('rejects a signature that claims a known name and key hash but does not verify', () => {
      const impostor = parseVerifierKey(generateNoteKey('PeterNeumann').verifierKey);
      const claimed: NoteVerifier = { ...impostor, keyHash: 0xc74f20a3, verify: impostor.verify };
      expect(() => openNote(GO_NOTE.signed, [claimed])).toThrow(reason('SIGNATURE_INVALID'));
    });
  });

  it('rejects the note when any character of the text changes', () => {
    for (let i = 0; i < GO_NOTE.text.length - 1; i++) {
      const c = GO_NOTE.text[i] === 'x' ? 'y' : 'x';
      const tampered = GO_NOTE.signed.slice(0, i) + c + GO_NOTE.signed.slice(i + 1);
      expect(() => openNote(tampered, [goVerifier()])).toThrow(reason('SIGNATURE_INVALID'));
    }
  });

  it('rejects the note when a byte of the signature changes', () => {
    const sig = GO_NOTE.signed.lastIndexOf(' ') + 1;
    for (let i = sig + 6; i < GO_NOTE.signed.length - 4; i += 3) {
      const c = GO_NOTE.signed[i] === 'A' ? 'B' : 'A';
      const tampered = GO_NOTE.signed.slice(0, i) + c + GO_NOTE.signed.slice(i + 1);
      expect(() => openNote(tampered, [goVerifier()])).toThrow(reason('SIGNATURE_INVALID'));
    }
  });

  it('drops repeated signatures', () => {
    const line = GO_NOTE.signed.split('\n\n')[1]!;
    const opened = openNote(GO_NOTE.signed + line, [goVerifier()]);
    expect(opened.verified).toHaveLength(1);
  });

  it('refuses two verifiers with the same name and key hash', () => {
    expect(() => openNote(GO_NOTE.signed, [goVerifier(), goVerifier()])).toThrow(reason('KEY_AMBIGUOUS'));
  });
});

describe('malformed notes', () => {
  const [text, line] = GO_NOTE.signed.split('\n\n') as [string, string];
  const sig = line.slice(line.lastIndexOf(' ') + 1, -1);
  it.each([
    ['a missing blank line', `${text}\n${line}`, 'NOTE_FORMAT'],
    ['a missing final newline', GO_NOTE.signed.slice(0, -1), 'NOTE_FORMAT'],
    ['no signature lines', `${text}\n\n`, 'NOTE_FORMAT'],
    ['a hyphen instead of the em dash', `${text}\n\n- PeterNeumann ${sig}\n`, 'SIGNATURE_LINE'],
    ['two hyphens instead of the em dash', `${text}\n\n-- PeterNeumann ${sig}\n`, 'SIGNATURE_LINE'],
    ['no space after the em dash', `${text}\n\n\u2014PeterNeumann ${sig}\n`, 'SIGNATURE_LINE'],
    ['a missing signature', `${text}\n\n\u2014 PeterNeumann\n`, 'SIGNATURE_LINE'],
    ['a plus in the key name', `${text}\n\n\u2014 Peter+Neumann ${sig}\n`, 'SIGNATURE_LINE'],
    ['two spaces before the signature', `${text}\n\n\u2014 PeterNeumann  ${sig}\n`, 'SIGNATURE_LINE'],
    ['a signature that is not base64', `${text}\n\n\u2014 PeterNeumann ${sig.replace('/', '_')}\n`, 'SIGNATURE_LINE'],
    ['a signature of only a key hash', `${text}\n\n\u2014 PeterNeumann x08gow==\n`, 'SIGNATURE_LINE'],
    ['trailing text after the signatures', `${GO_NOTE.signed}trailing\n`, 'SIGNATURE_LINE'],
    ['a carriage return', GO_NOTE.signed.replace('\n\n', '\r\n\r\n'), 'NOTE_TEXT'],
    ['a NUL character', `a\u0000${GO_NOTE.signed}`, 'NOTE_TEXT'],
    ['a tab', `a\t${GO_NOTE.signed}`, 'NOTE_TEXT'],
    ['an unpaired surrogate', `\uD800${GO_NOTE.signed}`, 'NOTE_TEXT'],
    ['more than 100 signatures', `${text}\n\n${line.repeat(101)}`, 'NOTE_FORMAT'],
  ])('rejects %s', (_, note, r) => {
    expect(() => openNote(note, [goVerifier()])).toThrow(reason(r));
  });

  it('rejects bytes that are not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from([0xff]), Buffer.from(GO_NOTE.signed)]);
    expect(() => openNote(bytes, [goVerifier()])).toThrow(reason('NOTE_TEXT'));
  });

  it('parses a well-formed signature line into its parts', () => {
    const parsed = parseSignatureLine(line);
    expect(parsed.name).toBe('PeterNeumann');
    expect(parsed.keyHash).toBe(0xc74f20a3);
    expect(parsed.signature).toHaveLength(64);
  });
});

describe('signNote input', () => {
  const signer = () => parseSignerKey(GO_NOTE.signerKey);
  it('rejects text without a final newline, with control characters, or empty', async () => {
    await expect(signNote('no newline', signer())).rejects.toMatchObject({ reason: 'NOTE_TEXT' });
    await expect(signNote('tab\there\n', signer())).rejects.toMatchObject({ reason: 'NOTE_TEXT' });
    await expect(signNote('', signer())).rejects.toMatchObject({ reason: 'NOTE_TEXT' });
    await expect(signNote('x\n', [])).rejects.toMatchObject({ reason: 'NOTE_FORMAT' });
  });

  it('refuses a witness key, which must sign through cosign', async () => {
    const witness = parseSignerKey(generateNoteKey('w.example', 'cosignature/v1').signerKey);
    await expect(signNote('x\n', witness)).rejects.toMatchObject({ reason: 'KEY_ALGORITHM' });
  });
});

describe('verifier and signer keys', () => {
  it('round-trip through their strings', () => {
    for (const type of ['ed25519', 'cosignature/v1'] as const) {
      const pair = generateNoteKey('keys.example/log', type);
      const verifier = parseVerifierKey(pair.verifierKey);
      const signer = parseSignerKey(pair.signerKey);
      expect(verifier.verifierKey).toBe(pair.verifierKey);
      expect(signer.verifierKey).toBe(pair.verifierKey);
      expect(verifier.type).toBe(type);
      expect(signer.keyHash).toBe(verifier.keyHash);
    }
  });

  it('reject every truncation of a valid key, like the Go tests do', () => {
    const vkey = GO_NOTE.verifierKey;
    for (let i = 0; i <= vkey.length; i++) {
      for (let j = i + 1; j <= vkey.length; j++) {
        if (i === 0 && j === vkey.length) continue;
        expect(() => parseVerifierKey(vkey.slice(i, j))).toThrow(expect.objectContaining({ name: 'MerkleError' }));
      }
    }
  });

  it('reject every single-character change of a valid key', () => {
    const vkey = GO_NOTE.verifierKey;
    for (let i = 0; i < vkey.length; i++) {
      const changed = vkey.slice(0, i) + String.fromCharCode(vkey.charCodeAt(i) + 1) + vkey.slice(i + 1);
      expect(() => parseVerifierKey(changed)).toThrow(expect.objectContaining({ name: 'MerkleError' }));
    }
  });

  it.each([
    ['a wrong key hash', 'PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'KEY_HASH_MISMATCH'],
    [
      'an unknown type byte',
      `n+00000000+${Buffer.concat([Buffer.of(2), Buffer.alloc(32)]).toString('base64')}`,
      'KEY_ALGORITHM',
    ],
    [
      'a short public key',
      `n+00000000+${Buffer.concat([Buffer.of(1), Buffer.alloc(31)]).toString('base64')}`,
      'KEY_FORMAT',
    ],
    ['a hash of 7 digits', 'PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'KEY_FORMAT'],
    ['no key', 'PeterNeumann+c74f20a3', 'KEY_FORMAT'],
    ['an empty name', '+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'KEY_NAME'],
    ['a space in the name', 'Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'KEY_NAME'],
  ])('reject a verifier key with %s', (_, vkey, r) => {
    expect(() => parseVerifierKey(vkey)).toThrow(reason(r));
  });

  it('reject a signer key with a wrong hash or without its prefix', () => {
    expect(() => parseSignerKey(GO_NOTE.signerKey.replace('c74f20a3', 'c74f20a4'))).toThrow(
      reason('KEY_HASH_MISMATCH'),
    );
    expect(() => parseSignerKey(GO_NOTE.signerKey.replace('PRIVATE+KEY+', ''))).toThrow(reason('KEY_FORMAT'));
    expect(() => parseSignerKey(GO_NOTE.verifierKey)).toThrow(reason('KEY_FORMAT'));
  });

  it('reject an invalid name when generating', () => {
    expect(() => generateNoteKey('with space')).toThrow(reason('KEY_NAME'));
    expect(() => generateNoteKey('with+plus')).toThrow(reason('KEY_NAME'));
    expect(() => generateNoteKey('')).toThrow(reason('KEY_NAME'));
    expect(() => generateNoteKey('nbsp\u00a0name')).toThrow(reason('KEY_NAME'));
  });

  it('do not turn a witness key into a plain note key', () => {
    const pair = generateNoteKey('w.example', 'cosignature/v1');
    expect(() => parseVerifierKey(pair.verifierKey, 'ed25519')).toThrow(reason('KEY_ALGORITHM'));
  });
});
