import type { StoredCheckpoint } from '../../app/ports.js';
import type { KnownHashes } from './hash-reader.js';

/** The latest checkpoint as a cache holds it: the checkpoint, its cosignatures, and its tree's right edge. */
export interface CachedCheckpoint {
  readonly checkpoint: StoredCheckpoint;
  /**
   * The complete subtrees below level `edgeLevel` that the checkpoint's tree decomposes into (at most one per
   * level): with an entry's siblings, every hash below the in-memory levels that a proof in this tree needs.
   */
  readonly edge: KnownHashes;
  readonly edgeLevel: number;
}

/**
 * The latest signed checkpoint with its cosignatures, kept in memory for GetInclusionProof (ADR 016). Checkpoints
 * are only ever added, and cosignatures only ever added to them; so the cache is exact while the database's latest
 * checkpoint has the size the cache holds and as many cosignatures. Every proof reads that pair in the statement
 * that reads its entry ({@link matches}) and reloads the cache when it differs: a checkpoint signed, or a
 * cosignature stored, by any replica is picked up by the next proof on every replica, and a replica never proves
 * against a checkpoint it could not show. One instance per process and database.
 */
export class LatestCheckpoint {
  #current: CachedCheckpoint | undefined;
  #loading: Promise<CachedCheckpoint | undefined> | undefined;
  #loads = 0;

  /** What the cache holds (undefined before the first load, or while the log has no checkpoint). */
  get current(): CachedCheckpoint | undefined {
    return this.#current;
  }

  /** Reloads so far: for tests and the bench. */
  get loads(): number {
    return this.#loads;
  }

  /**
   * Whether the cache holds the database's latest checkpoint, given its size (null: none) and its number of
   * cosignatures as read in the same snapshot.
   */
  matches(latestSize: number | null, cosignatures: number): boolean {
    const held = this.#current?.checkpoint;
    if (held === undefined) return false;
    return held.size === latestSize && held.cosignatures.length === cosignatures;
  }

  /**
   * Reads the latest checkpoint again with `read` (concurrent callers share one read). Never goes back: a read
   * that finds an older checkpoint, or the same with fewer cosignatures, than one already held keeps the held one.
   */
  reload(read: () => Promise<CachedCheckpoint | undefined>): Promise<CachedCheckpoint | undefined> {
    this.#loading ??= (async () => {
      try {
        this.#loads++;
        const fresh = await read();
        const held = this.#current?.checkpoint;
        if (
          fresh !== undefined &&
          (held === undefined ||
            fresh.checkpoint.size > held.size ||
            (fresh.checkpoint.size === held.size && fresh.checkpoint.cosignatures.length >= held.cosignatures.length))
        ) {
          this.#current = fresh;
        }
        return this.#current;
      } finally {
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }
}
