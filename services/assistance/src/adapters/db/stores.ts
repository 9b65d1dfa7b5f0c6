import type { Queryable, Transaction } from '@onceonly/store';
import type { PlainDate } from '@onceonly/workdays';
import type { AlertStore, IdempotencyStore, ItemStore, ListQuery, PageCursor, RequestStore } from '../../app/ports.js';
import { type CatalogueItem, findItem } from '../../domain/catalogue.js';
import { clockRuns } from '../../domain/deadlines.js';
import type { AssistanceRequest } from '../../domain/request.js';

/** The schema the service keeps its tables in. */
export const ASSISTANCE_SCHEMA = 'assistance';

/** How long this process trusts its copy of the catalogue before reading it again (another replica may add versions). */
const CATALOGUE_TTL_MS = 30_000;

/**
 * The item store as the service uses it: item versions never change once stored, so each process reads them once
 * and again only after {@link CATALOGUE_TTL_MS}, or at once when a request names a code or version it has not seen
 * (published on another replica: an unknown code is read again before ASSIST_ITEM_UNKNOWN is answered). The replica
 * that publishes forgets its copy when the publication commits. Every command needs its request's item version:
 * this keeps the catalogue out of the command's round trips. What this process may miss for up to the TTL: a newer
 * version of a code it has seen, so a request submitted on another replica within 30 s of a publication may still
 * be made under the previous version (it says which, and keeps it).
 */
export function cachedItemStore(store: ItemStore, clock: () => number = Date.now): ItemStore {
  let cached: { items: CatalogueItem[]; at: number } | undefined;
  // bumped by forget(): a read that started before a publication committed is not kept as the copy
  let generation = 0;
  const load = async (db: Queryable) => {
    const started = generation;
    const items = await store.all(db);
    if (started === generation) cached = { items, at: clock() };
    return items;
  };
  return {
    all: (db) => (cached && clock() - cached.at < CATALOGUE_TTL_MS ? Promise.resolve(cached.items) : load(db)),
    async add(db, items) {
      await store.add(db, items);
      cached = undefined;
    },
    async find(db, code, version) {
      const items = await this.all(db);
      const seen = items.some((i) => i.code === code && (version === undefined || i.version === version));
      return findItem(seen ? items : await load(db), code, version);
    },
    latest: (db, code) => store.latest(db, code),
    publish: (tx, item, at) => store.publish(tx, item, at),
    forget() {
      generation++;
      cached = undefined;
    },
  };
}

export const sqlItemStore: ItemStore = {
  async all(db) {
    const { rows } = await db.query<{ item: CatalogueItem }>(
      'SELECT item FROM assistance.items ORDER BY code, version',
    );
    return rows.map((r) => Object.freeze(r.item));
  },
  async find(db, code, version) {
    return findItem(await this.all(db), code, version);
  },
  async latest(db, code) {
    const { rows } = await db.query<{ item: CatalogueItem }>(
      'SELECT item FROM assistance.items WHERE code = $1 ORDER BY version DESC LIMIT 1',
      [code],
    );
    return rows[0] ? Object.freeze(rows[0].item) : undefined;
  },
  async publish(tx, item, at) {
    // the version after the latest, or nothing: a concurrent publication of the same code either committed first
    // (the latest is no longer version - 1) or holds the key (ON CONFLICT waits for it, then inserts nothing)
    const { rowCount } = await tx.query(
      `INSERT INTO assistance.items (code, version, item, created_at)
       SELECT $1, $2, $3::jsonb, $4
       WHERE (SELECT coalesce(max(version), 0) FROM assistance.items WHERE code = $1) = $2 - 1
       ON CONFLICT (code, version) DO NOTHING`,
      [item.code, item.version, JSON.stringify(item), at],
    );
    return rowCount === 1;
  },
  forget() {},
  async add(db, items) {
    for (const item of items) {
      await db.query(
        `INSERT INTO assistance.items (code, version, item) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (code, version) DO NOTHING`,
        [item.code, item.version, JSON.stringify(item)],
      );
    }
  },
};

function columns(request: AssistanceRequest) {
  const subjectKey = request.subject?.kind === 'person' ? request.subject.key : null;
  return [
    request.id,
    request.status,
    request.version,
    request.dueDate,
    clockRuns(request),
    JSON.stringify(request),
    subjectKey,
  ];
}

export const sqlRequestStore: RequestStore = {
  async get(db, id) {
    const { rows } = await db.query<{ state: AssistanceRequest }>(
      'SELECT state FROM assistance.requests WHERE id = $1',
      [id],
    );
    return rows[0]?.state;
  },
  async insert(tx: Transaction, request, at) {
    await tx.query(
      `INSERT INTO assistance.requests (id, status, version, due_date, clock_runs, state, subject_key, item_code,
         item_version, requester, provider, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $12)`,
      [...columns(request), request.itemCode, request.itemVersion, request.requester, request.provider, at],
    );
  },
  async update(tx: Transaction, request, expectedVersion, at) {
    const { rowCount } = await tx.query(
      `UPDATE assistance.requests SET status = $2, version = $3, due_date = $4, clock_runs = $5, state = $6::jsonb,
         subject_key = $7, updated_at = $9
       WHERE id = $1 AND version = $8`,
      [...columns(request), expectedVersion, at],
    );
    return rowCount === 1;
  },
  async list(db, query: ListQuery) {
    const params: unknown[] = [query.department];
    const where = [query.side === 'provider' ? 'provider = $1' : 'requester = $1'];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replaceAll('?', `$${params.length}`));
    };
    if (query.statuses.length > 0) add('status = ANY(?::text[])', query.statuses);
    if (query.itemCode) add('item_code = ?', query.itemCode);
    if (query.overdueBefore) add('clock_runs AND due_date < ?::date', query.overdueBefore);
    if (query.after) {
      params.push(query.after.createdAt, query.after.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(query.pageSize + 1);
    const { rows } = await db.query<{ state: AssistanceRequest; created_at: Date; id: string }>(
      `SELECT state, created_at, id FROM assistance.requests WHERE ${where.join(' AND ')}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, query.pageSize);
    const last = page.at(-1);
    const next: PageCursor | undefined =
      rows.length > query.pageSize && last ? { createdAt: last.created_at.toISOString(), id: last.id } : undefined;
    return { requests: page.map((r) => r.state), ...(next ? { next } : {}) };
  },
  async forSweep(db) {
    const { rows } = await db.query<{ state: AssistanceRequest }>(
      `SELECT state FROM assistance.requests
       WHERE clock_runs OR (state ? 'regulariseBy') OR (subject_key IS NOT NULL AND status IN ('closed', 'withdrawn'))
       ORDER BY id`,
    );
    return rows.map((r) => r.state);
  },
  async forIndicators(db, department, from?: PlainDate, to?: PlainDate) {
    const params: unknown[] = [];
    const where: string[] = [];
    if (department !== undefined) {
      params.push(department);
      where.push(`(provider = $${params.length} OR requester = $${params.length})`);
    }
    if (from) {
      params.push(from);
      where.push(`(state->>'submittedOn')::date >= $${params.length}::date`);
    }
    if (to) {
      params.push(to);
      where.push(`(state->>'submittedOn')::date < $${params.length}::date`);
    }
    const { rows } = await db.query<{ state: AssistanceRequest }>(
      `SELECT state FROM assistance.requests ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`,
      params,
    );
    return rows.map((r) => r.state);
  },
};

export const sqlIdempotencyStore: IdempotencyStore = {
  async find(db: Queryable, requester, key) {
    const { rows } = await db.query<{ request_hash: string; request_id: string }>(
      'SELECT request_hash, request_id FROM assistance.idempotency_keys WHERE requester = $1 AND key = $2',
      [requester, key],
    );
    const row = rows[0];
    return row ? { requestHash: row.request_hash, requestId: row.request_id } : undefined;
  },
  async insert(tx, requester, key, requestHash, requestId, at) {
    await tx.query(
      `INSERT INTO assistance.idempotency_keys (requester, key, request_hash, request_id, created_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [requester, key, requestHash, requestId, at],
    );
  },
};

export const sqlAlertStore: AlertStore = {
  async record(tx, alert) {
    const { rowCount } = await tx.query(
      `INSERT INTO assistance.alerts (request_id, kind, date, sent_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (request_id, kind, date) DO NOTHING`,
      [alert.requestId, alert.kind, alert.date, alert.at],
    );
    return rowCount === 1;
  },
};
