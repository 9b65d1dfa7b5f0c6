import {
  concat,
  decodeUtf8,
  fromBase64,
  hasControlCharacter,
  hasLoneSurrogate,
  readUint32,
  toBase64,
  utf8,
  writeUint32,
} from './encoding.js';
import { MerkleError } from './errors.js';
import type { NoteKeyType, NoteSigner, NoteVerifier } from './note-keys.js';
import { assertKeyName, isKeyName } from './note-keys.js';

/** The prefix of every signature line: em dash (U+2014) and a space. */
export const SIGNATURE_PREFIX = '\u2014 ';
/** Go's limit; the spec asks verifiers to accept at least 16. */
const MAX_SIGNATURES = 100;

/** One signature line of a note, split into its parts. */
export interface NoteSignature {
  readonly name: string;
  readonly keyHash: number;
  /** The signature bytes after the 4-byte key hash. */
  readonly signature: Uint8Array;
  /** The line's base64 (key hash and signature), as it appears in the note. */
  readonly base64: string;
}

/** A signature that a known key verified. `timestamp` (POSIX seconds) is set for `cosignature/v1` signatures. */
export interface VerifiedSignature {
  readonly name: string;
  readonly keyHash: number;
  readonly type: NoteKeyType;
  readonly base64: string;
  readonly timestamp?: number;
}

/** A signature by a key the caller did not list: kept, so that it can be stored and served, but not trusted. */
export interface UnverifiedSignature {
  readonly name: string;
  readonly keyHash: number;
  readonly base64: string;
}

/** The result of {@link openNote}: the text (trust it only because `verified` is non-empty) and its signatures. */
export interface OpenedNote {
  readonly text: string;
  readonly verified: readonly VerifiedSignature[];
  readonly unverified: readonly UnverifiedSignature[];
}

/** @internal Throws NOTE_TEXT unless `text` is valid note text: non-empty, newline-terminated, no control chars. */
export function assertNoteText(text: string): void {
  if (typeof text !== 'string' || !text.endsWith('\n')) {
    throw new MerkleError('NOTE_TEXT', 'note text must end with a newline');
  }
  if (hasControlCharacter(text) || hasLoneSurrogate(text)) {
    throw new MerkleError('NOTE_TEXT', 'note text must be valid UTF-8 without control characters other than newline');
  }
}

/** @internal One signature line without its newline: `— <name> <base64(key hash || signature)>`. */
export function formatSignatureLine(name: string, keyHash: number, signature: Uint8Array): string {
  return `${SIGNATURE_PREFIX}${name} ${toBase64(concat(writeUint32(keyHash), signature))}`;
}

/**
 * Parses one signature line (with or without its final newline). Throws SIGNATURE_LINE naming what is wrong:
 * the prefix, the key name, or the base64 (not canonical standard base64, or shorter than key hash plus one byte).
 */
export function parseSignatureLine(line: string): NoteSignature {
  const body = line.endsWith('\n') ? line.slice(0, -1) : line;
  if (!body.startsWith(SIGNATURE_PREFIX)) {
    throw new MerkleError('SIGNATURE_LINE', 'a signature line starts with an em dash (U+2014) and a space');
  }
  const rest = body.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  const base64 = space < 0 ? '' : rest.slice(space + 1);
  if (!isKeyName(name)) throw new MerkleError('SIGNATURE_LINE', 'the signature line has an invalid key name');
  const raw = fromBase64(base64);
  if (raw === undefined || raw.length < 5) {
    throw new MerkleError('SIGNATURE_LINE', 'the signature is not standard base64 of a key hash and a signature');
  }
  return { name, keyHash: readUint32(raw), signature: raw.subarray(4), base64 };
}

/**
 * Signs `text` as a C2SP signed note: the text, a blank line, one line `— <name> <base64>` per signer. Signers must
 * be `ed25519` keys (witness keys sign through {@link cosign}). Throws NOTE_TEXT, KEY_NAME or KEY_ALGORITHM.
 */
export async function signNote(text: string, signers: NoteSigner | readonly NoteSigner[]): Promise<string> {
  assertNoteText(text);
  const list = Array.isArray(signers) ? (signers as readonly NoteSigner[]) : [signers as NoteSigner];
  if (list.length === 0) throw new MerkleError('NOTE_FORMAT', 'a signed note needs at least one signature');
  const message = utf8(text);
  const lines: string[] = [];
  for (const signer of list) {
    assertKeyName(signer.name);
    if (signer.type !== 'ed25519') {
      throw new MerkleError('KEY_ALGORITHM', `a ${signer.type} key signs with cosign(), not signNote()`);
    }
    lines.push(formatSignatureLine(signer.name, signer.keyHash, await signer.sign(message)));
  }
  return `${text}\n${lines.map((l) => `${l}\n`).join('')}`;
}

function verifierIndex(verifiers: readonly NoteVerifier[]): Map<string, NoteVerifier> {
  const index = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const key = `${v.name}+${v.keyHash}`;
    if (index.has(key)) {
      throw new MerkleError('KEY_AMBIGUOUS', `two verifiers share the name and key hash of ${v.name}`);
    }
    index.set(key, v);
  }
  return index;
}

// A note comes from the network: check the whole of it (encoding, control characters, layout) before any text is
// returned, and never return text that no known key signed.
function splitNote(note: string | Uint8Array): { text: string; lines: string[] } {
  const decoded = typeof note === 'string' ? note : decodeUtf8(note, 'NOTE_TEXT');
  if (hasControlCharacter(decoded) || hasLoneSurrogate(decoded)) {
    throw new MerkleError('NOTE_TEXT', 'a note must be valid UTF-8 without control characters other than newline');
  }
  const split = decoded.lastIndexOf('\n\n');
  if (split < 0) throw new MerkleError('NOTE_FORMAT', 'a note needs a blank line before its signatures');
  const block = decoded.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) {
    throw new MerkleError('NOTE_FORMAT', 'a note ends with at least one newline-terminated signature line');
  }
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) {
    throw new MerkleError('NOTE_FORMAT', `a note has at most ${MAX_SIGNATURES} signatures`);
  }
  return { text: decoded.slice(0, split + 1), lines };
}

function timestampOf(type: NoteKeyType, signature: Uint8Array): number | undefined {
  if (type !== 'cosignature/v1' || signature.length < 8) return undefined;
  return Number(new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0));
}

/**
 * Opens a C2SP signed note and verifies it against the known keys, following golang.org/x/mod/sumdb/note `Open`:
 * signatures by unknown keys are listed as unverified; a signature by a known key (same name and key hash) that
 * fails throws SIGNATURE_INVALID; repeated signatures are dropped. Throws NOTE_UNVERIFIED when no known key signed
 * the note, and NOTE_TEXT, NOTE_FORMAT or SIGNATURE_LINE when it is malformed.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const known = verifierIndex(verifiers);
  const { text, lines } = splitNote(note);
  const message = utf8(text);
  const verified: VerifiedSignature[] = [];
  const unverified: UnverifiedSignature[] = [];
  const seenKeys = new Set<string>();
  const seenLines = new Set<string>();
  for (const line of lines) {
    const sig = parseSignatureLine(line);
    const key = `${sig.name}+${sig.keyHash}`;
    const verifier = known.get(key);
    if (verifier === undefined) {
      if (!seenLines.has(line)) unverified.push({ name: sig.name, keyHash: sig.keyHash, base64: sig.base64 });
      seenLines.add(line);
      continue;
    }
    if (seenKeys.has(key)) continue;
    seenKeys.add(key);
    if (!verifier.verify(message, sig.signature)) {
      throw new MerkleError('SIGNATURE_INVALID', `the signature by ${sig.name} does not verify`);
    }
    const timestamp = timestampOf(verifier.type, sig.signature);
    verified.push({
      name: sig.name,
      keyHash: sig.keyHash,
      type: verifier.type,
      base64: sig.base64,
      ...(timestamp === undefined ? {} : { timestamp }),
    });
  }
  if (verified.length === 0) throw new MerkleError('NOTE_UNVERIFIED', 'no known key signed this note');
  return { text, verified, unverified };
}
