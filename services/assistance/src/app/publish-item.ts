import { AppError, isAppError } from '@onceonly/errors';
import { type CatalogueItem, type ItemDefinition, publishedItem } from '../domain/catalogue.js';
import type { Actor } from '../domain/request.js';
import type { AssistanceDeps } from './ports.js';

/** A publication as the edge parsed it. */
export interface PublishInput {
  readonly actor: Actor;
  readonly definition: ItemDefinition;
  /** 0 for a new item code; else the latest version the keeper read. */
  readonly expectedVersion: number;
}

/**
 * The catalogue keeper (the coordinator) publishes a new item or the next version of one (编制和动态调整行政协助事项
 * 目录). Checked in this order, nothing written on any refusal: the actor (ASSIST_NOT_COORDINATOR), the version read
 * (ASSIST_VERSION_CONFLICT), the definition (ASSIST_ITEM_INVALID, departments from the directory). Then one
 * transaction: the version, inserted only if the latest stored is still the one read, and its
 * `assistance.item.published` event. This process's copy of the catalogue is dropped once it commits (and on a
 * version conflict, so that reading again shows the newer version), so the next
 * request here is made under the new version; requests made earlier keep theirs.
 */
export async function publishItemCase(deps: AssistanceDeps, input: PublishInput): Promise<CatalogueItem> {
  if (!input.actor.coordinator) {
    throw new AppError(
      'ASSIST_NOT_COORDINATOR',
      'only the coordinator (the catalogue keeper) publishes catalogue items',
    );
  }
  const now = deps.clock();
  let item: CatalogueItem;
  try {
    const latest = await deps.items.latest(deps.db, input.definition.code);
    item = publishedItem(input.definition, latest, input.expectedVersion);
    await deps.db.transaction(async (tx) => {
      if (!(await deps.items.publish(tx, item, now))) {
        throw new AppError(
          'ASSIST_VERSION_CONFLICT',
          `item ${item.code} was published by someone else while this ran: read it again`,
        );
      }
      await deps.outbox.published(tx, { item, actor: input.actor.department, at: now });
    });
  } catch (err) {
    // "read it again" must show the newer version here at once, not after the copy's 30 s
    if (isAppError(err, 'ASSIST_VERSION_CONFLICT')) deps.items.forget();
    throw err;
  }
  deps.items.forget();
  deps.relay.kick();
  return item;
}
