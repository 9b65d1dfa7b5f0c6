import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '@onceonly/errors';
import type { ContentVault } from '../../app/ports.js';

/** A content key: 32 bytes for AES-256-GCM, and its id (the first 8 hex of its SHA-256: which key, not the key). */
export interface ContentKey {
  readonly id: string;
  readonly bytes: Buffer;
}

/** The key from its base64 (or base64url) text. @throws AppError CONFIG_INVALID unless it is 32 bytes. */
export function contentKeyOf(text: string, variable = 'ONCEONLY_MATERIALS_KEY'): ContentKey {
  const bytes = Buffer.from(text.trim(), 'base64');
  if (bytes.length !== 32) throw new AppError('CONFIG_INVALID', `${variable}: expected 32 bytes in base64`);
  return { id: createHash('sha256').update(bytes).digest('hex').slice(0, 8), bytes };
}

/**
 * The content of materials in table `materials.contents`, encrypted with AES-256-GCM (node:crypto, no library
 * needed): a random 12-byte nonce per content, the digest as additional authenticated data. Decryption with another
 * key, or of a row whose bytes or digest changed, fails (INTERNAL): nothing altered is ever served.
 */
export function sqlContentVault(key: ContentKey): ContentVault {
  return {
    async put(tx, sha256, content, at) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key.bytes, nonce);
      cipher.setAAD(Buffer.from(sha256, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(content), cipher.final()]);
      await tx.query(
        `INSERT INTO materials.contents (sha256, key_id, nonce, tag, ciphertext, size_bytes, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sha256) DO NOTHING`,
        [sha256, key.id, nonce, cipher.getAuthTag(), ciphertext, content.byteLength, at],
      );
    },
    async get(db, sha256) {
      const { rows } = await db.query<{ key_id: string; nonce: Uint8Array; tag: Uint8Array; ciphertext: Uint8Array }>(
        'SELECT key_id, nonce, tag, ciphertext FROM materials.contents WHERE sha256 = $1',
        [sha256],
      );
      const row = rows[0];
      if (!row) return undefined;
      if (row.key_id !== key.id)
        throw new AppError('INTERNAL', `content ${sha256} was encrypted with key ${row.key_id}`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.bytes, row.nonce);
        decipher.setAAD(Buffer.from(sha256, 'utf8'));
        decipher.setAuthTag(row.tag);
        return Buffer.concat([decipher.update(row.ciphertext), decipher.final()]);
      } catch (cause) {
        throw new AppError('INTERNAL', `content ${sha256} does not decrypt`, { cause });
      }
    },
  };
}
