import { AppError } from '@onceonly/errors';

/** Exponential back-off settings: the first wait, and the cap. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** The wait before retry number `attempt` (1-based): initial·2^(attempt-1), capped, with ±20 % jitter. */
export function backoffDelay(backoff: Backoff, attempt: number): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  const jitter = 0.8 + Math.random() * 0.4;
  return Math.max(0, Math.min(backoff.maxMs, Math.round(base * jitter)));
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A wake-up signal: `wait(ms)` resolves after `ms` or as soon as `wake()` is called, whichever comes first. */
export class Waker {
  #pending = false;
  #resolve: (() => void) | undefined;

  wake(): void {
    this.#pending = true;
    this.#resolve?.();
  }

  /** Forgets a wake-up that came while nobody waited (the next `wait` then waits). */
  clear(): void {
    this.#pending = false;
  }

  wait(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      const self = this;
      function finish() {
        clearTimeout(timer);
        self.#resolve = undefined;
        self.#pending = false;
        resolve();
      }
      this.#resolve = finish;
    });
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A schema name checked and double-quoted for SQL (names come from code, but they are spliced into SQL). */
export function quoteSchema(schema: string): string {
  if (!IDENTIFIER.test(schema)) {
    throw new AppError('CONFIG_INVALID', `schema name ${JSON.stringify(schema)} must match ${IDENTIFIER}`);
  }
  return `"${schema}"`;
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The code of an AppError, or undefined. */
export function codeOf(err: unknown): string | undefined {
  return err instanceof AppError ? err.code : undefined;
}

/**
 * Kafka's default partitioner: murmur2 of the key bytes, made positive, modulo the partition count (the Java client
 * and kafkajs' DefaultPartitioner agree on it), so that both transports put a key on the same partition.
 */
export function partitionFor(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const words = length >> 2;
  for (let i = 0; i < words; i++) {
    const at = i * 4;
    let k = (data[at]! & 0xff) | ((data[at + 1]! & 0xff) << 8) | ((data[at + 2]! & 0xff) << 16) | (data[at + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = words * 4;
  const rest = length & 3;
  if (rest === 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Key bytes of a record key. */
export function keyBytes(key: string | Uint8Array): Buffer {
  return typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
}
