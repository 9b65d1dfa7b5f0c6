import type { Queryable, Transaction } from '@onceonly/store';
import { describe, expect, it } from 'vitest';
import type { ItemStore } from '../../app/ports.js';
import {
  type CatalogueItem,
  findItem,
  type ItemDefinition,
  publishedItem,
  reviseItem,
  SEEDED_ITEMS,
} from '../../domain/catalogue.js';
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
    async latest(_db: Queryable, code: string) {
      return items.filter((i) => i.code === code).at(-1);
    },
    async publish(_tx: Transaction, item: CatalogueItem) {
      items.push(item);
      return true;
    },
    forget() {},
  };
  return store;
}

const db = {} as Queryable;

function withoutVersion({ version: _, ...definition }: CatalogueItem): ItemDefinition {
  return definition;
}

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

  it('reads again before answering that a code is unknown (published on another replica), and forgets on publishing', async () => {
    const items = [...SEEDED_ITEMS];
    const store = memoryStore(items);
    const now = 0;
    const cached = cachedItemStore(store, () => now);
    await cached.all(db);
    expect(store.reads).toBe(1);
    // another replica publishes a new code: the first request naming it finds it, within the TTL
    const execute = publishedItem({ ...withoutVersion(findItem(items, 'PT-XZ-06')), code: 'PT-XZ-08' }, undefined, 0);
    items.push(execute);
    expect(await cached.find(db, 'PT-XZ-08')).toBe(execute);
    expect(store.reads).toBe(2);
    // a code nobody published is read again too, then refused
    await expect(cached.find(db, 'PT-XZ-98')).rejects.toMatchObject({ code: 'ASSIST_ITEM_UNKNOWN' });
    expect(store.reads).toBe(3);
    // a newer version of a seen code, published elsewhere, shows after the TTL (the bound); here at once after
    // this replica's own publication committed (forget)
    items.push(reviseItem(execute, { timeLimitWorkingDays: 9 }));
    expect((await cached.find(db, 'PT-XZ-08')).version).toBe(1);
    cached.forget();
    expect((await cached.find(db, 'PT-XZ-08')).version).toBe(2);
    expect(store.reads).toBe(4);
  });

  it('does not keep a read that started before this replica forgot its copy (a publication committed meanwhile)', async () => {
    const items = [...SEEDED_ITEMS];
    let release: () => void = () => {};
    const store = memoryStore(items);
    const slow: ItemStore = {
      ...store,
      all: async () => {
        const snapshot = [...items];
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return snapshot;
      },
    };
    const cached = cachedItemStore(slow, () => 0);
    const reading = cached.all(db); // a read of the catalogue before the publication
    items.push(reviseItem(findItem(items, 'PT-XZ-04'), { timeLimitWorkingDays: 10 }));
    cached.forget(); // the publication committed
    release();
    expect((await reading).length).toBe(SEEDED_ITEMS.length);
    const next = cached.all(db);
    release();
    expect((await next).length).toBe(SEEDED_ITEMS.length + 1);
  });
});
