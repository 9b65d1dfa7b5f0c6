import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '@onceonly/errors';
import type { Logger } from '@onceonly/kit';
import {
  generateNoteKey,
  isMerkleError,
  type ParsedSignerKey,
  type ParsedVerifierKey,
  parseSignerKey,
  parseVerifierKey,
} from '@onceonly/merkle';

/** The origin of a development log. */
export const DEV_ORIGIN = 'onceonly.gov.cn/audit/dev';

/** Where the embedded mode keeps the development signing key. */
export function devKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'audit-note.key');
}

/** What {@link loadNoteSigner} needs. */
export interface NoteKeyOptions {
  readonly mode: 'embedded' | 'external';
  readonly dataDir: string;
  /** ONCEONLY_AUDIT_NOTE_KEY. */
  readonly key?: string | undefined;
  /** ONCEONLY_AUDIT_ORIGIN. */
  readonly origin?: string | undefined;
  readonly log: Logger;
}

/**
 * The log's signing key and origin. From ONCEONLY_AUDIT_NOTE_KEY when set; else, in the embedded mode only, from
 * `<dataDir>/keys/audit-note.key`, generated on first start (mode 0600). Outside the embedded mode a missing key is
 * CONFIG_MISSING: a production log must not sign with a key nobody backed up. The key's name is the origin;
 * ONCEONLY_AUDIT_ORIGIN, when set, must equal it (CONFIG_INVALID).
 */
export async function loadNoteSigner(options: NoteKeyOptions): Promise<{ signer: ParsedSignerKey; origin: string }> {
  let text = options.key;
  if (text === undefined) {
    if (options.mode !== 'embedded') {
      throw new AppError(
        'CONFIG_MISSING',
        'ONCEONLY_AUDIT_NOTE_KEY: the audit log signing key is required outside the embedded mode',
        { details: { fields: [{ field: 'ONCEONLY_AUDIT_NOTE_KEY', reason: 'REQUIRED', description: 'required' }] } },
      );
    }
    text = await devKey(options);
  }
  let signer: ParsedSignerKey;
  try {
    signer = parseSignerKey(text.trim());
  } catch (cause) {
    const reason = isMerkleError(cause) ? cause.reason : 'KEY_FORMAT';
    // never echo the key: it is a secret
    throw new AppError('CONFIG_INVALID', `ONCEONLY_AUDIT_NOTE_KEY: not a note signer key (${reason})`, {
      details: { fields: [{ field: 'ONCEONLY_AUDIT_NOTE_KEY', reason, description: 'PRIVATE+KEY+<name>+<id>+<key>' }] },
    });
  }
  if (signer.type !== 'ed25519') {
    throw new AppError('CONFIG_INVALID', 'ONCEONLY_AUDIT_NOTE_KEY: the log signs with an Ed25519 (0x01) note key');
  }
  if (options.origin !== undefined && options.origin !== signer.name) {
    throw new AppError(
      'CONFIG_INVALID',
      `ONCEONLY_AUDIT_ORIGIN: the origin ${options.origin} differs from the signing key's name ${signer.name}`,
    );
  }
  return { signer, origin: signer.name };
}

async function devKey(options: NoteKeyOptions): Promise<string> {
  const path = devKeyPath(options.dataDir);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const pair = generateNoteKey(options.origin ?? DEV_ORIGIN);
  await mkdir(join(options.dataDir, 'keys'), { recursive: true, mode: 0o700 });
  try {
    await writeFile(path, `${pair.signerKey}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // another process generated it first: use theirs
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFile(path, 'utf8');
    throw err;
  }
  await chmod(path, 0o600);
  options.log.warn({ path, verifierKey: pair.verifierKey }, 'generated a development audit signing key');
  return pair.signerKey;
}

/** Parses the witness keys (vkeys) as cosignature/v1 verifiers; CONFIG_INVALID names the one at fault. */
export function parseWitnessKeys(keys: readonly string[] | undefined): ParsedVerifierKey[] {
  return (keys ?? []).map((vkey, i) => {
    try {
      return parseVerifierKey(vkey, 'cosignature/v1');
    } catch (cause) {
      throw new AppError('CONFIG_INVALID', `ONCEONLY_AUDIT_WITNESS_KEYS: key #${i + 1} is not a witness vkey`, {
        cause,
      });
    }
  });
}

/**
 * The previous signing key of a rotation (ONCEONLY_AUDIT_PREVIOUS_NOTE_KEY), or undefined when none is set. It must
 * be an Ed25519 note key of the same origin; CONFIG_INVALID otherwise (never echoing the key).
 */
export function parsePreviousSigner(text: string | undefined, origin: string): ParsedSignerKey | undefined {
  if (text === undefined) return undefined;
  let signer: ParsedSignerKey;
  try {
    signer = parseSignerKey(text.trim());
  } catch (cause) {
    const reason = isMerkleError(cause) ? cause.reason : 'KEY_FORMAT';
    throw new AppError('CONFIG_INVALID', `ONCEONLY_AUDIT_PREVIOUS_NOTE_KEY: not a note signer key (${reason})`);
  }
  if (signer.type !== 'ed25519' || signer.name !== origin) {
    throw new AppError(
      'CONFIG_INVALID',
      `ONCEONLY_AUDIT_PREVIOUS_NOTE_KEY: an Ed25519 note key named ${origin}, like ONCEONLY_AUDIT_NOTE_KEY`,
    );
  }
  return signer;
}
