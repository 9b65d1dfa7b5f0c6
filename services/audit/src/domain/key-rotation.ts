import { isMerkleError, openCheckpoint, type ParsedVerifierKey, parseVerifierKey } from '@onceonly/merkle';

/** The checkpoint extension line that announces the log's next signing key: `onceonly-key-rotation <vkey>`. */
export const KEY_ROTATION_EXTENSION = 'onceonly-key-rotation';

/** The extension line announcing `verifierKey` as the log's next key. */
export function keyRotationExtension(verifierKey: string): string {
  return `${KEY_ROTATION_EXTENSION} ${verifierKey}`;
}

/**
 * The key a checkpoint's extension lines announce: undefined when none does; null when the lines are repeated (a
 * checkpoint announces at most one key, so that a verifier never has to choose).
 */
export function announcedKey(extensions: readonly string[] | undefined): string | undefined | null {
  const prefix = `${KEY_ROTATION_EXTENSION} `;
  const lines = (extensions ?? []).filter((l) => l.startsWith(prefix));
  if (lines.length > 1) return null;
  return lines[0]?.slice(prefix.length);
}

/** Why a chain of announcements does not lead to a key (the finding kinds of the same names). */
export type KeyChainFailure = 'KEY_NOT_ANNOUNCED' | 'KEY_ANNOUNCEMENT_INVALID';

/** The result of {@link followKeyAnnouncements}. */
export type KeyChainResult =
  | {
      readonly ok: true;
      readonly key: ParsedVerifierKey;
      /** The pinned key and every key followed to `key` (an earlier checkpoint may be signed by any of them). */
      readonly keys: readonly ParsedVerifierKey[];
      /** The size from which each of `keys` signs (0, then each announcing checkpoint's size, increasing). */
      readonly fromSizes: readonly number[];
      /** How many announcements were followed. */
      readonly steps: number;
    }
  | { readonly ok: false; readonly kind: KeyChainFailure; readonly message: string };

/**
 * Follows a chain of key announcements from the key the verifier pinned to `target` (the key the material under check
 * is signed by). Each announcement is a signed checkpoint of `origin` that the key trusted so far signed, carrying one
 * `onceonly-key-rotation` line, and that the announced key signed too (it proves the log holds it). A rotation signed
 * by any other key than the trusted one is refused. Pure: no I/O, and no exception for bad input.
 */
export function followKeyAnnouncements(
  pinned: string,
  target: string,
  announcements: readonly string[],
  origin: string,
): KeyChainResult {
  let trusted: ParsedVerifierKey;
  try {
    trusted = parseVerifierKey(pinned);
  } catch {
    return { ok: false, kind: 'KEY_ANNOUNCEMENT_INVALID', message: 'the pinned key is not a vkey' };
  }
  const keys = [trusted];
  const fromSizes = [0];
  for (const note of announcements) {
    if (trusted.verifierKey === target) break;
    const next = nextKey(note, trusted, origin);
    const invalid =
      typeof next === 'string' ? next : next.size <= (fromSizes.at(-1) ?? 0) ? 'not after the one before' : '';
    if (typeof next === 'string' || invalid !== '') {
      return { ok: false, kind: 'KEY_ANNOUNCEMENT_INVALID', message: `#${keys.length}: ${invalid}` };
    }
    trusted = next.key;
    keys.push(next.key);
    fromSizes.push(next.size);
  }
  if (trusted.verifierKey !== target) {
    return { ok: false, kind: 'KEY_NOT_ANNOUNCED', message: 'no announcement leads from the pinned key to this one' };
  }
  return { ok: true, key: trusted, keys, fromSizes, steps: keys.length - 1 };
}

/** The key of a chain that signs the checkpoint of `size`: the last one announced at or before that size. */
export function keyAtSize<K>(chain: { keys: readonly K[]; fromSizes: readonly number[] }, size: number): K {
  const i = chain.fromSizes.findLastIndex((from) => from <= size);
  return chain.keys[Math.max(i, 0)] as K;
}

/** The key one announcement hands over to, or why it does not. */
function nextKey(
  note: string,
  trusted: ParsedVerifierKey,
  origin: string,
): { key: ParsedVerifierKey; size: number } | string {
  try {
    const { checkpoint } = openCheckpoint(note, [trusted], origin);
    const announced = announcedKey(checkpoint.extensions);
    if (typeof announced !== 'string') return 'not one key announcement line';
    const next = parseVerifierKey(announced);
    openCheckpoint(note, [next], origin); // the new key signed its own announcement
    return { key: next, size: checkpoint.size };
  } catch (err) {
    if (!isMerkleError(err)) throw err;
    return `not signed by the trusted key and the announced one, or malformed (${err.reason})`;
  }
}

/** The keys a replay trusts, from the pinned one along the log's own announcements, and the refused announcements. */
export interface LogKeyChain {
  /** The pinned key first, then each key announced in turn. */
  readonly keys: readonly ParsedVerifierKey[];
  /** The size from which each of `keys` signs: 0 for the pinned key, then the size of each announcing checkpoint. */
  readonly fromSizes: readonly number[];
  /** Why each refused announcement was refused (a rotation signed by another key than the trusted one). */
  readonly refused: readonly string[];
}

/** A signed checkpoint of a log and its size. */
export interface SizedNote {
  readonly size: number;
  readonly signedNote: string;
}

/**
 * Walks a log's signed checkpoints (in size order) from the pinned key: each checkpoint that carries an
 * `onceonly-key-rotation` line must be signed by the key trusted at that point and by the announced key, which is
 * then trusted too, from that size on. Pure.
 */
export function followLogKeys(
  pinned: ParsedVerifierKey,
  checkpoints: readonly SizedNote[],
  origin: string,
): LogKeyChain {
  const keys = [pinned];
  const fromSizes = [0];
  const refused: string[] = [];
  for (const { size, signedNote } of checkpoints) {
    if (!signedNote.includes(`\n${KEY_ROTATION_EXTENSION} `)) continue;
    const next = nextKey(signedNote, keys.at(-1) as ParsedVerifierKey, origin);
    if (typeof next === 'string') refused.push(`checkpoint ${size}: ${next}`);
    else if (!keys.some((k) => k.verifierKey === next.key.verifierKey)) {
      keys.push(next.key);
      fromSizes.push(size);
    }
  }
  return { keys, fromSizes, refused };
}

/**
 * The sizes of the checkpoints that the key current at their size did not sign: after a rotation, a checkpoint signed
 * by the replaced key alone is a checkpoint the log no longer makes (the old key may have leaked). Pure.
 */
export function checkpointsOfRetiredKeys(
  chain: LogKeyChain,
  checkpoints: readonly SizedNote[],
  origin: string,
): number[] {
  const retired: number[] = [];
  for (const { size, signedNote } of checkpoints) {
    if (size < (chain.fromSizes[1] ?? Number.POSITIVE_INFINITY)) continue;
    try {
      openCheckpoint(signedNote, [keyAtSize(chain, size)], origin);
    } catch (err) {
      if (!isMerkleError(err)) throw err;
      retired.push(size);
    }
  }
  return retired;
}

/**
 * What a starting log does about its keys. `previous` (ONCEONLY_AUDIT_PREVIOUS_NOTE_KEY's vkey) announces `next` when
 * it is the log's current key (the last of `logKeys`) and `next` was never announced; once `next` is among the log's
 * keys there is nothing left to do. A previous key that is not the current one cannot announce anything: refused.
 */
export function rotationAtStart(
  logKeys: readonly string[],
  next: string,
  previous: string | undefined,
): 'none' | 'announce' | 'previous-not-current' {
  if (previous === undefined || logKeys.includes(next)) return 'none';
  return logKeys.at(-1) === previous ? 'announce' : 'previous-not-current';
}
