import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { concat, fromBase64, hasControlCharacter, hasLoneSurrogate, readUint32, toBase64, utf8 } from './encoding.js';
import { MerkleError } from './errors.js';

/**
 * The signature types this package implements, with their C2SP signed-note type bytes: `ed25519` (0x01, a plain
 * note signature over the text) and `cosignature/v1` (0x04, a timestamped witness cosignature, c2sp.org/tlog-cosignature).
 */
export type NoteKeyType = 'ed25519' | 'cosignature/v1';

const TYPE_BYTE: Record<NoteKeyType, number> = { ed25519: 0x01, 'cosignature/v1': 0x04 };
const ED25519_SIZE = 32;
// DER prefixes that wrap a raw Ed25519 seed (PKCS#8) or public key (SPKI), so node:crypto can import raw keys.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const SPACE = /\p{White_Space}/u;

/** A key that can check note signatures: the port {@link openNote} takes, keyed by name and key hash. */
export interface NoteVerifier {
  readonly name: string;
  /** The 32-bit key ID that prefixes each signature. */
  readonly keyHash: number;
  readonly type: NoteKeyType;
  /**
   * True if `signature` (the bytes after the key hash) is valid for the note `text` (for `cosignature/v1`, the
   * signature carries its timestamp and the signed message is built from it).
   */
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

/** A key that signs: the port {@link signNote} and {@link cosign} take. May live in a KMS behind this interface. */
export interface NoteSigner {
  readonly name: string;
  readonly keyHash: number;
  readonly type: NoteKeyType;
  /** A raw Ed25519 signature (64 bytes) over `message`. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** A verifier parsed from a `vkey` string, with its public key and its canonical encoding. */
export interface ParsedVerifierKey extends NoteVerifier {
  readonly publicKey: Uint8Array;
  readonly verifierKey: string;
}

/** A signer parsed from a `PRIVATE+KEY+…` string, with the `vkey` of its public half. */
export interface ParsedSignerKey extends NoteSigner {
  readonly publicKey: Uint8Array;
  readonly verifierKey: string;
}

/** A new key pair as strings: keep `signerKey` secret, publish `verifierKey`. */
export interface NoteKeyPair {
  readonly signerKey: string;
  readonly verifierKey: string;
}

/** @internal Throws KEY_NAME unless `name` is a valid note key name (non-empty, no spaces, no '+'). */
export function assertKeyName(name: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('+') || SPACE.test(name) || hasControlCharacter(name)) {
    throw new MerkleError('KEY_NAME', 'a key name must be non-empty, without spaces, control characters or "+"');
  }
  if (hasLoneSurrogate(name)) throw new MerkleError('KEY_NAME', 'a key name must be valid Unicode');
}

/** @internal True if `name` is a valid key name. */
export function isKeyName(name: string): boolean {
  try {
    assertKeyName(name);
    return true;
  } catch {
    return false;
  }
}

/** The key ID: the first 4 bytes (big-endian) of `SHA-256(name || 0x0A || type byte || public key)`. */
export function noteKeyHash(name: string, type: NoteKeyType, publicKey: Uint8Array): number {
  const digest = createHash('sha256')
    .update(concat(utf8(`${name}\n`), Uint8Array.of(TYPE_BYTE[type]), publicKey))
    .digest();
  return readUint32(digest);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function formatVerifierKey(name: string, type: NoteKeyType, publicKey: Uint8Array): string {
  const keyHash = noteKeyHash(name, type, publicKey);
  return `${name}+${hex8(keyHash)}+${toBase64(concat(Uint8Array.of(TYPE_BYTE[type]), publicKey))}`;
}

function publicKeyOfSeed(seed: Uint8Array): { privateKey: KeyObject; publicKey: Uint8Array } {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: new Uint8Array(spki.subarray(SPKI_PREFIX.length)) };
}

/** @internal Raw Ed25519 verification; false for a wrongly sized signature rather than an exception. */
export function ed25519Verify(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify(null, message, publicKey, signature);
  } catch {
    return false; // signatures come from the network: a malformed one is a failed one, never a crash
  }
}

/**
 * The key pair for an Ed25519 seed, as strings. `signerKey` is `PRIVATE+KEY+<name>+<hash>+<base64(type || seed)>`
 * (the golang.org/x/mod/sumdb/note format), `verifierKey` the C2SP vkey `<name>+<hash>+<base64(type || public key)>`.
 * For `cosignature/v1` both carry type byte 0x04; Go tooling instead keeps the 0x01 signer key of the same seed,
 * which {@link parseSignerKey} converts with `as: 'cosignature/v1'`.
 */
export function noteKeyFromSeed(name: string, seed: Uint8Array, type: NoteKeyType = 'ed25519'): NoteKeyPair {
  assertKeyName(name);
  if (seed.length !== ED25519_SIZE) throw new MerkleError('KEY_FORMAT', 'an Ed25519 seed is 32 bytes');
  const { publicKey } = publicKeyOfSeed(seed);
  const keyHash = noteKeyHash(name, type, publicKey);
  const secret = toBase64(concat(Uint8Array.of(TYPE_BYTE[type]), seed));
  return {
    signerKey: `PRIVATE+KEY+${name}+${hex8(keyHash)}+${secret}`,
    verifierKey: formatVerifierKey(name, type, publicKey),
  };
}

/** A fresh random Ed25519 key pair for a named log (`ed25519`) or witness (`cosignature/v1`). */
export function generateNoteKey(name: string, type: NoteKeyType = 'ed25519'): NoteKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  return noteKeyFromSeed(name, new Uint8Array(pkcs8.subarray(PKCS8_PREFIX.length)), type);
}

function typeOfByte(byte: number | undefined): NoteKeyType {
  if (byte === TYPE_BYTE.ed25519) return 'ed25519';
  if (byte === TYPE_BYTE['cosignature/v1']) return 'cosignature/v1';
  throw new MerkleError(
    'KEY_ALGORITHM',
    `signature type 0x${(byte ?? 0).toString(16).padStart(2, '0')} is not supported`,
  );
}

interface KeyParts {
  name: string;
  keyHash: number;
  type: NoteKeyType;
  material: Uint8Array;
}

// Keys arrive from configuration and from auditors' command lines: parse strictly, as golang.org/x/mod/sumdb/note
// does (name, 8 hex digits, base64 of type byte and key), and check the hash before trusting the key.
function parseKeyParts(text: string, what: string): KeyParts {
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw new MerkleError('KEY_FORMAT', `${what} must be <name>+<hash>+<key>`);
  const name = text.slice(0, first);
  const hash16 = text.slice(first + 1, second);
  assertKeyName(name);
  const raw = fromBase64(text.slice(second + 1));
  if (!/^[0-9a-fA-F]{8}$/.test(hash16) || raw === undefined || raw.length === 0) {
    throw new MerkleError('KEY_FORMAT', `${what} needs an 8-digit hex key hash and base64 key material`);
  }
  const type = typeOfByte(raw[0]);
  const material = raw.subarray(1);
  if (material.length !== ED25519_SIZE) throw new MerkleError('KEY_FORMAT', 'Ed25519 key material is 32 bytes');
  return { name, keyHash: Number.parseInt(hash16, 16), type, material };
}

function convert(from: NoteKeyType, as: NoteKeyType | undefined): NoteKeyType {
  if (as === undefined || as === from) return from;
  // The same Ed25519 key may serve as a witness key; the reverse would turn a cosigner into a plain note signer.
  if (from === 'ed25519' && as === 'cosignature/v1') return as;
  throw new MerkleError('KEY_ALGORITHM', `a ${from} key cannot be used as ${as}`);
}

function makeVerifier(name: string, type: NoteKeyType, publicKey: Uint8Array): ParsedVerifierKey {
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  return {
    name,
    type,
    keyHash: noteKeyHash(name, type, publicKey),
    publicKey: publicKey.slice(),
    verifierKey: formatVerifierKey(name, type, publicKey),
    verify: (text, signature) =>
      type === 'ed25519' ? ed25519Verify(key, text, signature) : verifyCosignatureBytes(key, text, signature),
  };
}

/**
 * Parses a C2SP verifier key (`vkey`): `<name>+<8 hex digit key hash>+<base64(type byte || 32-byte public key)>`.
 * Accepts type 0x01 (`ed25519`) and 0x04 (`cosignature/v1`); `as: 'cosignature/v1'` turns an 0x01 key into the
 * witness verifier of the same public key. Throws KEY_FORMAT, KEY_NAME, KEY_ALGORITHM or KEY_HASH_MISMATCH.
 */
export function parseVerifierKey(vkey: string, as?: NoteKeyType): ParsedVerifierKey {
  const parts = parseKeyParts(vkey, 'a verifier key');
  if (noteKeyHash(parts.name, parts.type, parts.material) !== parts.keyHash) {
    throw new MerkleError('KEY_HASH_MISMATCH', 'the key hash does not match the name and public key');
  }
  return makeVerifier(parts.name, convert(parts.type, as), parts.material);
}

/**
 * Parses a signer key `PRIVATE+KEY+<name>+<hash>+<base64(type byte || 32-byte seed)>` and checks the hash against
 * the derived public key. `as: 'cosignature/v1'` turns an 0x01 key into a witness signer. Throws like
 * {@link parseVerifierKey}.
 */
export function parseSignerKey(skey: string, as?: NoteKeyType): ParsedSignerKey {
  if (!skey.startsWith('PRIVATE+KEY+')) throw new MerkleError('KEY_FORMAT', 'a signer key starts with PRIVATE+KEY+');
  const parts = parseKeyParts(skey.slice('PRIVATE+KEY+'.length), 'a signer key');
  const { privateKey, publicKey } = publicKeyOfSeed(parts.material);
  if (noteKeyHash(parts.name, parts.type, publicKey) !== parts.keyHash) {
    throw new MerkleError('KEY_HASH_MISMATCH', 'the key hash does not match the name and derived public key');
  }
  const type = convert(parts.type, as);
  return {
    name: parts.name,
    type,
    keyHash: noteKeyHash(parts.name, type, publicKey),
    publicKey,
    verifierKey: formatVerifierKey(parts.name, type, publicKey),
    sign: (message) => Promise.resolve(new Uint8Array(sign(null, message, privateKey))),
  };
}

/** @internal The message a `cosignature/v1` signature covers (c2sp.org/tlog-cosignature, Ed25519 signed message). */
export function cosignatureMessage(body: Uint8Array, timestamp: bigint): Uint8Array {
  return concat(utf8(`cosignature/v1\ntime ${timestamp.toString()}\n`), body);
}

/** @internal Largest timestamp tlog-cosignature allows (2^63 - 1). */
export const MAX_COSIGNATURE_TIME = (1n << 63n) - 1n;

function verifyCosignatureBytes(key: KeyObject, text: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 8 + 64) return false;
  const timestamp = new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0);
  // The spec caps timestamps at 2^63 - 1; this package reports them as numbers, so it caps them at 2^53 - 1.
  if (timestamp > MAX_COSIGNATURE_TIME || timestamp > BigInt(Number.MAX_SAFE_INTEGER)) return false;
  return ed25519Verify(key, cosignatureMessage(text, timestamp), signature.subarray(8));
}
