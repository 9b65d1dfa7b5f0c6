import { setTimeout as sleep } from 'node:timers/promises';
import type { Queryable } from '@onceonly/store';

/** Rows a measurement wrote to one table, from PostgreSQL's statistics (`pg_stat_user_tables`). */
export interface TableWrites {
  inserted: number;
  /** Every update writes a new row version; `hot` of them were HOT (no index entries, same page). */
  updated: number;
  hot: number;
  deleted: number;
}

/** Rows written per table (`schema.table`), and their sum. */
export interface RowWrites {
  tables: Record<string, TableWrites>;
  total: TableWrites;
}

const ZERO: TableWrites = { inserted: 0, updated: 0, hot: 0, deleted: 0 };

/** The cumulative counts of every table of `schemas` now (the database's statistics as last flushed). */
export async function rowWrites(db: Queryable, schemas: readonly string[]): Promise<RowWrites> {
  const { rows } = await db.query<{ t: string; ins: string; upd: string; hot: string; del: string }>(
    `SELECT schemaname || '.' || relname AS t, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_hot_upd AS hot,
            n_tup_del AS del
     FROM pg_stat_user_tables WHERE schemaname = ANY($1::text[])`,
    [schemas],
  );
  const tables: Record<string, TableWrites> = {};
  for (const r of rows) {
    tables[r.t] = { inserted: Number(r.ins), updated: Number(r.upd), hot: Number(r.hot), deleted: Number(r.del) };
  }
  return { tables, total: sum(Object.values(tables)) };
}

/**
 * The rows written since `before`, once every backend of the measurement has flushed its statistics: a backend
 * reports its counts at most once a second, and an idle one within about ten, so this reads again each second until
 * at least `minimumInserts` rows were inserted and two reads agree (or 15 s have passed).
 */
export async function rowWritesSince(
  db: Queryable,
  schemas: readonly string[],
  before: RowWrites,
  minimumInserts: number,
): Promise<RowWrites> {
  let last: RowWrites | undefined;
  for (let waited = 0; waited < 15; waited++) {
    await sleep(1000);
    const now = minus(await rowWrites(db, schemas), before);
    if (last && now.total.inserted >= minimumInserts && same(now.total, last.total)) return now;
    last = now;
  }
  return last!;
}

/** `writes` divided by `events`, table by table. */
export function perEvent(writes: RowWrites, events: number): RowWrites {
  const scale = (w: TableWrites): TableWrites => ({
    inserted: w.inserted / events,
    updated: w.updated / events,
    hot: w.hot / events,
    deleted: w.deleted / events,
  });
  return {
    tables: Object.fromEntries(Object.entries(writes.tables).map(([t, w]) => [t, scale(w)])),
    total: scale(writes.total),
  };
}

function minus(after: RowWrites, before: RowWrites): RowWrites {
  const tables: Record<string, TableWrites> = {};
  for (const [t, a] of Object.entries(after.tables)) {
    const b = before.tables[t] ?? ZERO;
    const d = {
      inserted: a.inserted - b.inserted,
      updated: a.updated - b.updated,
      hot: a.hot - b.hot,
      deleted: a.deleted - b.deleted,
    };
    if (d.inserted + d.updated + d.deleted > 0) tables[t] = d;
  }
  return { tables, total: sum(Object.values(tables)) };
}

function sum(all: readonly TableWrites[]): TableWrites {
  return all.reduce(
    (s, w) => ({
      inserted: s.inserted + w.inserted,
      updated: s.updated + w.updated,
      hot: s.hot + w.hot,
      deleted: s.deleted + w.deleted,
    }),
    ZERO,
  );
}

function same(a: TableWrites, b: TableWrites): boolean {
  return a.inserted === b.inserted && a.updated === b.updated && a.hot === b.hot && a.deleted === b.deleted;
}
