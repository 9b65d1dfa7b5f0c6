import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ARCHE_CHECKPOINT, ARCHE_NOTE } from '../test/vectors.js';
import { formatCheckpoint } from './checkpoint.js';
import { cosign, verifyCosignature } from './cosignature.js';
import { openNote, parseSignatureLine, signNote } from './note.js';
import { generateNoteKey, noteKeyFromSeed, noteKeyHash, parseSignerKey, parseVerifierKey } from './note-keys.js';

const reason = (r: string) => expect.objectContaining({ reason: r });
const REMORA_LINE = ARCHE_CHECKPOINT.signatures[4];
const BODY = formatCheckpoint({ origin: 'onceonly.example/audit', size: 42, root: new Uint8Array(32).fill(5) });

function witness(name = 'witness.example/w1') {
  const pair = generateNoteKey(name, 'cosignature/v1');
  return { signer: parseSignerKey(pair.signerKey), verifier: parseVerifierKey(pair.verifierKey) };
}

describe('a real witness cosignature (remora.n621.de over a transparency.dev checkpoint)', () => {
  const remora = () => parseVerifierKey(ARCHE_CHECKPOINT.witnessVerifierKey);

  it('has a key hash over name, type byte 0x04 and the public key', () => {
    const key = remora();
    expect(key.type).toBe('cosignature/v1');
    const digest = createHash('sha256')
      .update(Buffer.concat([Buffer.from('remora.n621.de\n'), Buffer.of(0x04), key.publicKey]))
      .digest();
    expect(key.keyHash).toBe(digest.readUInt32BE(0));
    expect(key.keyHash).toBe(0xda77ade7);
  });

  it('verifies, with the timestamp it carries', () => {
    expect(verifyCosignature(ARCHE_CHECKPOINT.body, REMORA_LINE, remora())).toEqual({
      name: 'remora.n621.de',
      keyHash: 0xda77ade7,
      timestamp: 1779573024,
    });
  });

  it('verifies inside the whole note next to the log signature, leaving other witnesses unverified', () => {
    const opened = openNote(ARCHE_NOTE, [parseVerifierKey(ARCHE_CHECKPOINT.logVerifierKey), remora()]);
    expect(opened.verified).toEqual([
      expect.objectContaining({ name: 'arche2025h1.staging.ct.transparency.dev', type: 'ed25519' }),
      expect.objectContaining({ name: 'remora.n621.de', type: 'cosignature/v1', timestamp: 1779573024 }),
    ]);
    expect(opened.unverified.map((s) => s.name)).toEqual([
      'arche2025h1.staging.ct.transparency.dev', // the RFC 6962 (0x05) signature: another key hash
      'transparency.dev/DEV:witness-little-garden',
      'witness1.smartit.nu/witness1',
      'witness.stagemole.eu',
    ]);
  });

  it('fails for a changed tree size', () => {
    const tampered = ARCHE_CHECKPOINT.body.replace('1432088532', '1432088533');
    expect(() => verifyCosignature(tampered, REMORA_LINE, remora())).toThrow(reason('SIGNATURE_INVALID'));
  });

  it('fails under the plain Ed25519 reading of the same public key', () => {
    const pub = Buffer.from(remora().publicKey);
    const hash = noteKeyHash('remora.n621.de', 'ed25519', pub).toString(16).padStart(8, '0');
    const plain = parseVerifierKey(`remora.n621.de+${hash}+${Buffer.concat([Buffer.of(1), pub]).toString('base64')}`);
    expect(() => openNote(ARCHE_NOTE, [plain])).toThrow(reason('NOTE_UNVERIFIED'));
    const forced = { name: plain.name, keyHash: 0xda77ade7, type: 'ed25519' as const, verify: plain.verify };
    expect(() => openNote(ARCHE_NOTE, [forced])).toThrow(reason('SIGNATURE_INVALID'));
    expect(() => verifyCosignature(ARCHE_CHECKPOINT.body, REMORA_LINE, forced)).toThrow(reason('KEY_ALGORITHM'));
  });
});

describe('cosign', () => {
  it('produces a line that verifies, with 4 + 8 + 64 bytes and the big-endian timestamp', async () => {
    const w = witness();
    const line = await cosign(BODY, w.signer, 1_700_000_000);
    expect(line.endsWith('\n')).toBe(true);
    const parsed = parseSignatureLine(line);
    expect(parsed.keyHash).toBe(w.verifier.keyHash);
    expect(parsed.signature).toHaveLength(8 + 64);
    expect(Buffer.from(parsed.signature.subarray(0, 8)).readBigUInt64BE(0)).toBe(1_700_000_000n);
    expect(verifyCosignature(BODY, line, w.verifier)).toEqual({
      name: 'witness.example/w1',
      keyHash: w.verifier.keyHash,
      timestamp: 1_700_000_000,
    });
  });

  it('signs "cosignature/v1\\ntime <t>\\n" followed by the body', async () => {
    const seed = new Uint8Array(32).fill(9);
    const pair = noteKeyFromSeed('witness.example/fixed', seed, 'cosignature/v1');
    const line = await cosign(BODY, parseSignerKey(pair.signerKey), 1234);
    const signature = parseSignatureLine(line).signature.subarray(8);
    // A plain Ed25519 note key of the same seed signs the raw message; Ed25519 is deterministic, so the bytes match.
    const plain = parseSignerKey(noteKeyFromSeed('witness.example/fixed', seed).signerKey);
    expect(await plain.sign(Buffer.from(`cosignature/v1\ntime 1234\n${BODY}`))).toEqual(signature);
  });

  it('adds to a signed checkpoint, so that the log key and the witness key both verify it', async () => {
    const log = generateNoteKey('onceonly.example/audit');
    const w = witness();
    const signed = await signNote(BODY, parseSignerKey(log.signerKey));
    const cosigned = signed + (await cosign(BODY, w.signer, 99));
    const opened = openNote(cosigned, [parseVerifierKey(log.verifierKey), w.verifier]);
    expect(opened.verified.map((s) => s.type)).toEqual(['ed25519', 'cosignature/v1']);
  });

  it('covers extension lines', async () => {
    const w = witness();
    const body = `${BODY}extension\n`;
    const line = await cosign(body, w.signer, 5);
    expect(() => verifyCosignature(`${BODY}extensiom\n`, line, w.verifier)).toThrow(reason('SIGNATURE_INVALID'));
  });

  it('works with a Go-style Ed25519 signer key converted to a witness key', async () => {
    const pair = generateNoteKey('witness.example/go');
    const line = await cosign(BODY, parseSignerKey(pair.signerKey, 'cosignature/v1'), 7);
    expect(verifyCosignature(BODY, line, parseVerifierKey(pair.verifierKey, 'cosignature/v1')).timestamp).toBe(7);
    expect(() => verifyCosignature(BODY, line, parseVerifierKey(pair.verifierKey))).toThrow(reason('KEY_ALGORITHM'));
  });

  it('refuses a plain note key, a negative timestamp and a body that is not a checkpoint', async () => {
    const plain = parseSignerKey(generateNoteKey('p.example').signerKey);
    await expect(cosign(BODY, plain, 1)).rejects.toMatchObject({ reason: 'KEY_ALGORITHM' });
    await expect(cosign(BODY, witness().signer, -1)).rejects.toMatchObject({ reason: 'COSIGNATURE_FORMAT' });
    await expect(cosign('just text\n', witness().signer, 1)).rejects.toMatchObject({ reason: 'CHECKPOINT_FORMAT' });
  });
});

describe('verifyCosignature', () => {
  it('fails when the timestamp is changed', async () => {
    const w = witness();
    const parsed = parseSignatureLine(await cosign(BODY, w.signer, 1000));
    const raw = Buffer.concat([Buffer.alloc(4), parsed.signature]);
    raw.writeUInt32BE(parsed.keyHash, 0);
    raw.writeBigUInt64BE(1001n, 4);
    const tampered = `\u2014 ${parsed.name} ${raw.toString('base64')}\n`;
    expect(() => verifyCosignature(BODY, tampered, w.verifier)).toThrow(reason('SIGNATURE_INVALID'));
  });

  it('fails for another checkpoint', async () => {
    const w = witness();
    const line = await cosign(BODY, w.signer, 1);
    const other = formatCheckpoint({ origin: 'onceonly.example/audit', size: 43, root: new Uint8Array(32).fill(5) });
    expect(() => verifyCosignature(other, line, w.verifier)).toThrow(reason('SIGNATURE_INVALID'));
  });

  it('does not accept a cosignature by another witness', async () => {
    const a = witness('witness.example/a');
    const b = witness('witness.example/b');
    const sameName = witness('witness.example/a');
    const line = await cosign(BODY, a.signer, 1);
    expect(() => verifyCosignature(BODY, line, b.verifier)).toThrow(reason('NOTE_UNVERIFIED'));
    expect(() => verifyCosignature(BODY, line, sameName.verifier)).toThrow(reason('NOTE_UNVERIFIED'));
  });

  it('rejects a cosignature of the wrong length, and a timestamp after notAfter', async () => {
    const w = witness();
    const line = await cosign(BODY, w.signer, 500);
    const parsed = parseSignatureLine(line);
    const short = Buffer.concat([Buffer.alloc(4), parsed.signature.subarray(0, 70)]);
    short.writeUInt32BE(parsed.keyHash, 0);
    expect(() => verifyCosignature(BODY, `\u2014 ${parsed.name} ${short.toString('base64')}`, w.verifier)).toThrow(
      reason('COSIGNATURE_FORMAT'),
    );
    expect(() => verifyCosignature(BODY, line, w.verifier, { notAfter: 499 })).toThrow(reason('COSIGNATURE_FUTURE'));
    expect(verifyCosignature(BODY, line, w.verifier, { notAfter: 500 }).timestamp).toBe(500);
  });

  it('rejects a malformed line', () => {
    expect(() => verifyCosignature(BODY, '- witness.example/w1 AAAA', witness().verifier)).toThrow(
      reason('SIGNATURE_LINE'),
    );
  });
});
