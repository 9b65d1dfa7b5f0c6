import type { Queryable } from '@onceonly/store';
import { describe, expect, it } from 'vitest';
import type { ItemStore } from '../../app/ports.js';
import { type CatalogueItem, findItem, reviseItem, SEEDED_ITEMS } from '../../domain/catalogue.js';
import { cachedItemStore } from './stores.js';

// The cache logic alone, over an in-memory store (the SQL store is exercised by the int tests).
function memoryStore(items: CatalogueItem[]): ItemStore & { reads: number } {
  const store = {
    reads: 0,
    async all() {
      store.reads++;
      return [...items];
    },
    async add(_db: Queryable, more: readonly CatalogueItem[]) {
      items.push(...more);
    },
    async find(_db: Queryable, code: string, version?: number) {
      return findItem(await store.all(), code, version);
    },
  };
  return store;
}

const db = {} as Queryable;

describe('the cached catalogue', () => {
  it('reads the catalogue once for many commands, again after 30 s or when a version it has not seen is asked for', async () => {
    const items = [...SEEDED_ITEMS];
    const store = memoryStore(items);
    let now = 0;
    const cached = cachedItemStore(store, () => now);
    await cached.find(db, 'PT-XZ-04');
    await cached.find(db, 'PT-XZ-04', 1);
    await cached.all(db);
    expect(store.reads).toBe(1);
    // another replica adds version 2: a command naming it reads the catalogue again at once
    items.push(reviseItem(findItem(items, 'PT-XZ-04'), { timeLimitWorkingDays: 10 }));
    expect((await cached.find(db, 'PT-XZ-04', 2)).version).toBe(2);
    expect(store.reads).toBe(2);
    now = 30_000;
    await cached.all(db);
    expect(store.reads).toBe(3);
    await expect(cached.find(db, 'PT-XZ-99')).rejects.toMatchObject({ code: 'ASSIST_ITEM_UNKNOWN' });
  });
});
