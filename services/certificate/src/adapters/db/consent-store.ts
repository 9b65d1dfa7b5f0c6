import { AppError } from '@onceonly/errors';
import type { ConsentStore } from '../../app/ports.js';
import type { Consent } from '../../domain/consent.js';
import { holderSubject } from '../../domain/holder.js';

/** Consents over SQL: the whole record as JSON, plus the columns that look-ups and paging use. */

function consentColumns(consent: Consent): unknown[] {
  return [
    consent.id,
    holderSubject(consent.holder),
    consent.platformCode,
    consent.purpose,
    [...consent.typeCodes],
    new Date(consent.grantedAt),
    new Date(consent.expiresAt),
    consent.revokedAt === undefined ? null : new Date(consent.revokedAt),
    consent.recordedBy,
    JSON.stringify(consent),
  ];
}

function pageToken(consent: Consent): string {
  return Buffer.from(JSON.stringify([consent.grantedAt, consent.id])).toString('base64url');
}

// The page token comes from the caller: read it defensively.
function readToken(token: string): [string, string] | undefined {
  if (token === '') return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
      const [at, id] = value as [string, string];
      if (!Number.isNaN(new Date(at).getTime())) return [at, id];
    }
  } catch {
    // fall through
  }
  throw new AppError('INVALID_ARGUMENT', 'the page token is not one this service gave', {
    details: { fields: [{ field: 'page.page_token', reason: 'PAGE_TOKEN', description: 'not a page token' }] },
  });
}

export const sqlConsentStore: ConsentStore = {
  async insert(tx, consent) {
    await tx.query(
      `INSERT INTO certificate.consents (id, holder_subject, platform_code, purpose, type_codes, granted_at,
         expires_at, revoked_at, recorded_by, state)
       VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, $9, $10::jsonb)`,
      consentColumns(consent),
    );
  },

  async update(tx, consent) {
    await tx.query('UPDATE certificate.consents SET revoked_at = $2, state = $3::jsonb WHERE id = $1', [
      consent.id,
      consent.revokedAt === undefined ? null : new Date(consent.revokedAt),
      JSON.stringify(consent),
    ]);
  },

  async lock(tx, id) {
    const { rows } = await tx.query<{ state: Consent }>(
      'SELECT state FROM certificate.consents WHERE id = $1 FOR UPDATE',
      [id],
    );
    return rows[0]?.state;
  },

  async get(q, id) {
    const { rows } = await q.query<{ state: Consent }>('SELECT state FROM certificate.consents WHERE id = $1', [id]);
    return rows[0]?.state;
  },

  async forPlatform(q, platformCode, subjects) {
    const out = new Map<string, Consent[]>();
    if (subjects.length === 0) return out;
    const { rows } = await q.query<{ holder_subject: string; state: Consent }>(
      `SELECT holder_subject, state FROM certificate.consents
        WHERE platform_code = $1 AND holder_subject = ANY($2::text[])`,
      [platformCode, [...new Set(subjects)]],
    );
    for (const row of rows) {
      const list = out.get(row.holder_subject) ?? [];
      list.push(row.state);
      out.set(row.holder_subject, list);
    }
    return out;
  },

  async list(q, filter, page) {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.holderSubject !== undefined) add('holder_subject = ?', filter.holderSubject);
    if (filter.platformCode !== undefined) add('platform_code = ?', filter.platformCode);
    if (filter.activeAt !== undefined) {
      where.push('revoked_at IS NULL');
      add('expires_at > ?', filter.activeAt);
    }
    const after = readToken(page.token);
    if (after !== undefined) {
      params.push(new Date(after[0]), after[1]);
      where.push(`(granted_at, id) > ($${params.length - 1}, $${params.length})`);
    }
    params.push(page.size + 1);
    const { rows } = await q.query<{ state: Consent }>(
      `SELECT state FROM certificate.consents ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY granted_at, id LIMIT $${params.length}`,
      params,
    );
    const consents = rows.slice(0, page.size).map((r) => r.state);
    const last = consents[consents.length - 1];
    return { consents, nextToken: rows.length > page.size && last !== undefined ? pageToken(last) : '' };
  },
};
