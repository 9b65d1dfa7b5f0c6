import type { LicensingItem } from '../domain/catalogue.js';
import { unknownItem } from '../domain/catalogue.js';
import type { MaterialsDeps } from './ports.js';

/** ListItems: the latest version of every item. */
export function listItemsCase(deps: Pick<MaterialsDeps, 'db' | 'items'>): Promise<LicensingItem[]> {
  return deps.items.latest(deps.db);
}

/**
 * GetItem: one item at a version (the latest when none is asked), with its versions.
 * @throws AppError MATERIALS_ITEM_UNKNOWN.
 */
export async function getItemCase(
  deps: Pick<MaterialsDeps, 'db' | 'items'>,
  query: { code: string; version?: number },
): Promise<{ item: LicensingItem; versions: number[] }> {
  const item = await deps.items.get(deps.db, query.code, query.version);
  if (!item) throw unknownItem(query.code, query.version);
  return { item, versions: await deps.items.versions(deps.db, query.code) };
}
