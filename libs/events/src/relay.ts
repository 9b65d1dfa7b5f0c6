import { randomUUID } from 'node:crypto';
import { AppError, toAppError } from '@onceonly/errors';
import { type Database, isConnectionError, type Queryable } from '@onceonly/store';
import type { Logger } from 'pino';
import { type Backoff, backoffDelay, messageOf, quoteSchema, Waker } from './internal.js';
import { silentLogger } from './log.js';
import type { EventTransport, OutgoingRecord } from './transport.js';

/** One outbox row the relay published. */
export interface PublishedEvent {
  position: string;
  eventId: string;
  topic: string;
  key: string;
}

/** Options of {@link createRelay}. */
export interface RelayOptions {
  db: Database;
  /** The service schema holding the outbox (see `outboxMigrations`). */
  schema: string;
  transport: EventTransport;
  log?: Logger;
  /** Rows per publish (default 100). */
  batchSize?: number;
  /** How often an idle relay looks for rows that nobody kicked it about (default 500 ms). */
  pollIntervalMs?: number;
  /** Waits after a failed publish: doubled each time, capped (default 200 ms → 30 s). */
  backoff?: Backoff;
  /**
   * How long the publishing lease lasts without renewal (default 15 s). A relay that dies keeps the other relays of
   * the schema waiting this long before one takes over.
   */
  leaseMs?: number;
  /**
   * Called after a batch was published and before it is marked published: a test hook to crash in exactly that
   * window (the batch is then published again by the next relay; consumers de-duplicate).
   */
  afterPublish?: (batch: readonly PublishedEvent[]) => void | Promise<void>;
}

/** What the relay is doing. */
export type RelayState = 'stopped' | 'idle' | 'publishing' | 'backing-off' | 'standby';

/** A snapshot of the relay, for health checks and metrics. */
export interface RelayStatus {
  state: RelayState;
  /** True while this relay holds the schema's publishing lease. */
  leader: boolean;
  /** Events this relay published (and marked) since it started. */
  published: number;
  /** Failed attempts in a row (0 when the last one succeeded). */
  consecutiveFailures: number;
  lastError?: { code: string; message: string };
  lastPublishedAt?: Date;
  /** While backing off: when the next attempt is due. */
  nextAttemptAt?: Date;
}

/** Publishes a schema's outbox to the event bus. */
export interface Relay {
  /** Starts the loop (idempotent). */
  start(): void;
  /** Wakes the loop now, for example right after a commit that wrote to the outbox. Ignored while backing off. */
  kick(): void;
  /**
   * Publishes everything pending and resolves once the relay found the outbox empty (after this call), or rejects
   * with the error of the first publish that failed (BROKER_UNAVAILABLE, ...). Tries at once even while backing
   * off. Works whether or not the relay was started. Rejects with DEADLINE_EXCEEDED after `timeoutMs` (30 s).
   */
  flush(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops the loop after the batch in hand and gives up the lease. */
  stop(): Promise<void>;
  /** Rows not yet published (a query). */
  pending(): Promise<number>;
  status(): RelayStatus;
}

interface OutboxRow {
  position: string;
  event_id: string;
  topic: string;
  key: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

interface FlushWaiter {
  /** Only a pass that started at or after this one may settle the waiter. */
  fromPass: number;
  resolve(): void;
  reject(err: unknown): void;
}

const LEASE_NAME = 'relay';

/**
 * Creates the relay of one schema's outbox.
 *
 * It publishes pending rows in `position` order, one batch at a time, and only then marks them published in a
 * separate statement: a crash in between publishes them again on restart (at-least-once; consumers de-duplicate
 * by event id). Rows are never deleted or skipped: on a failed publish they stay pending, and the relay backs off
 * exponentially (capped), logging once when it starts failing and once when it recovers.
 *
 * One relay per schema publishes at a time: a lease row in `outbox_relay`, taken and renewed with one conditional
 * upsert against the database clock. A second relay (another replica) waits in `standby` and takes over when the
 * lease expires. Publishing from one place in position order keeps each key's events in order, which row locks
 * with `SKIP LOCKED` would not (two relays would publish neighbouring rows of one key concurrently), and a lease
 * works on both PostgreSQL and PGlite without holding a transaction open while the broker answers.
 */
export function createRelay(options: RelayOptions): Relay {
  return new OutboxRelay(options);
}

class OutboxRelay implements Relay {
  readonly #db: Database;
  readonly #s: string;
  readonly #transport: EventTransport;
  readonly #log: Logger;
  readonly #batchSize: number;
  readonly #pollMs: number;
  readonly #backoff: Backoff;
  readonly #leaseMs: number;
  readonly #afterPublish: RelayOptions['afterPublish'];
  readonly #owner = randomUUID();
  readonly #waker = new Waker();
  #waiters: FlushWaiter[] = [];
  #loop: Promise<void> | undefined;
  #stopping = false;
  #pass = 0;
  #forceAttempt = false;
  #status: RelayStatus = { state: 'stopped', leader: false, published: 0, consecutiveFailures: 0 };

  constructor(options: RelayOptions) {
    this.#db = options.db;
    this.#s = quoteSchema(options.schema);
    this.#transport = options.transport;
    this.#log = (options.log ?? silentLogger()).child({ component: 'outbox-relay', schema: options.schema });
    this.#batchSize = options.batchSize ?? 100;
    this.#pollMs = options.pollIntervalMs ?? 500;
    this.#backoff = options.backoff ?? { initialMs: 200, maxMs: 30_000 };
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#afterPublish = options.afterPublish;
  }

  start(): void {
    if (this.#loop !== undefined) return;
    this.#stopping = false;
    this.#setState('idle');
    this.#loop = this.#run();
  }

  kick(): void {
    if (this.#status.state !== 'backing-off') this.#waker.wake();
  }

  flush(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const started = this.#loop !== undefined;
    if (!started) this.start();
    const settled = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new AppError('DEADLINE_EXCEEDED', `the outbox was not flushed within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: FlushWaiter = {
        fromPass: this.#pass + 1,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.#waiters.push(waiter);
    });
    this.#forceAttempt = true;
    this.#waker.wake();
    // a relay started only for this flush stops again once it is done
    return started ? settled : settled.finally(() => this.stop());
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#waker.wake();
    await this.#loop;
    this.#loop = undefined;
    this.#settle(new AppError('SHUTTING_DOWN', 'the relay stopped before the outbox was flushed'));
    if (this.#status.leader) await this.#releaseLease();
    this.#setState('stopped');
  }

  async pending(): Promise<number> {
    const { rows } = await this.#db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${this.#s}.outbox WHERE published_at IS NULL`,
    );
    return rows[0]?.n ?? 0;
  }

  status(): RelayStatus {
    return { ...this.#status };
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      const pass = ++this.#pass;
      this.#forceAttempt = false;
      let delay: number;
      try {
        delay = await this.#step(pass);
      } catch (err) {
        delay = await this.#failed(pass, err);
      }
      if (delay > 0 && !this.#stopping && !this.#forceAttempt) await this.#waker.wait(delay);
    }
  }

  /** One pass: hold the lease, publish one batch. Returns how long to wait before the next pass. */
  async #step(pass: number): Promise<number> {
    if (!(await this.#renewLease())) {
      this.#setState('standby');
      if ((await this.pending()) === 0) this.#settle(undefined, pass);
      return Math.min(this.#pollMs, this.#leaseMs / 3);
    }
    const rows = await this.#db.query<OutboxRow>(
      `SELECT position, event_id, topic, key, headers, body FROM ${this.#s}.outbox
       WHERE published_at IS NULL ORDER BY position LIMIT $1`,
      [this.#batchSize],
    );
    if (rows.rows.length === 0) {
      this.#recovered();
      this.#setState('idle');
      this.#settle(undefined, pass);
      return this.#pollMs;
    }
    // while failing, the state stays backing-off until a publish succeeds
    if (this.#status.consecutiveFailures === 0) this.#setState('publishing');
    await this.#publish(rows.rows);
    this.#setState('publishing');
    return 0;
  }

  async #publish(rows: readonly OutboxRow[]): Promise<void> {
    const records: OutgoingRecord[] = rows.map((row) => ({
      topic: row.topic,
      key: row.key,
      value: row.body,
      headers: row.headers,
    }));
    await this.#transport.publish(records);
    const batch = rows.map((row) => ({
      position: row.position,
      eventId: row.event_id,
      topic: row.topic,
      key: row.key,
    }));
    await this.#afterPublish?.(batch);
    await this.#db.query(
      `UPDATE ${this.#s}.outbox SET published_at = now(), attempts = attempts + 1, last_error = NULL
       WHERE position = ANY($1::bigint[]) AND published_at IS NULL`,
      [rows.map((row) => row.position)],
    );
    this.#recovered();
    this.#status.published += rows.length;
    this.#status.lastPublishedAt = new Date();
  }

  async #failed(pass: number, err: unknown): Promise<number> {
    const error = asRelayError(err);
    const failures = ++this.#status.consecutiveFailures;
    const delay = backoffDelay(this.#backoff, failures);
    if (failures === 1) {
      this.#log.warn(
        { err: { code: error.code, message: error.message }, retryInMs: delay },
        'outbox relay cannot publish; keeping the rows and backing off',
      );
    }
    this.#status.lastError = { code: error.code, message: error.message };
    this.#status.nextAttemptAt = new Date(Date.now() + delay);
    this.#setState('backing-off');
    this.#settle(error, pass);
    await this.#recordFailure(error.message);
    return delay;
  }

  /** Counts the failed attempt on the pending head of the outbox (best effort: the database may be down too). */
  async #recordFailure(message: string): Promise<void> {
    try {
      await this.#db.query(
        `UPDATE ${this.#s}.outbox SET attempts = attempts + 1, last_error = $2 WHERE position IN (
           SELECT position FROM ${this.#s}.outbox WHERE published_at IS NULL ORDER BY position LIMIT $1)`,
        [this.#batchSize, message.slice(0, 1000)],
      );
    } catch {
      // the database is unreachable as well: the state already says why the relay is failing
    }
  }

  #recovered(): void {
    if (this.#status.consecutiveFailures === 0) return;
    this.#log.info({ failedAttempts: this.#status.consecutiveFailures }, 'outbox relay publishes again');
    this.#status.consecutiveFailures = 0;
    delete this.#status.lastError;
    delete this.#status.nextAttemptAt;
  }

  async #renewLease(): Promise<boolean> {
    const { rows } = await this.#db.query(
      `INSERT INTO ${this.#s}.outbox_relay AS r (name, owner, lease_until)
       VALUES ($1, $2, now() + $3::int * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET lease_until = EXCLUDED.lease_until, owner = EXCLUDED.owner,
         acquired_at = CASE WHEN r.owner = EXCLUDED.owner THEN r.acquired_at ELSE now() END
       WHERE r.owner = EXCLUDED.owner OR r.lease_until < now()
       RETURNING owner`,
      [LEASE_NAME, this.#owner, Math.round(this.#leaseMs)],
    );
    const leader = rows.length === 1;
    if (leader !== this.#status.leader) {
      this.#log.info({ owner: this.#owner }, leader ? 'outbox relay took the lease' : 'outbox relay lost the lease');
    }
    this.#status.leader = leader;
    return leader;
  }

  async #releaseLease(): Promise<void> {
    try {
      await this.#db.query(`DELETE FROM ${this.#s}.outbox_relay WHERE name = $1 AND owner = $2`, [
        LEASE_NAME,
        this.#owner,
      ]);
    } catch (err) {
      this.#log.debug({ err: messageOf(err) }, 'could not release the relay lease; it will expire');
    }
    this.#status.leader = false;
  }

  /** Resolves (no error) or rejects the flush waiters that a pass number `pass` may settle (all when undefined). */
  #settle(error: unknown, pass?: number): void {
    const due = this.#waiters.filter((w) => pass === undefined || pass >= w.fromPass);
    if (due.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => !due.includes(w));
    for (const waiter of due) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
  }

  #setState(state: RelayState): void {
    if (state === this.#status.state) return;
    this.#log.debug({ from: this.#status.state, to: state }, 'outbox relay state');
    this.#status.state = state;
    if (state !== 'backing-off') delete this.#status.nextAttemptAt;
  }
}

/** Deletes published outbox rows older than `olderThanMs` (the relay never deletes); returns how many. */
export async function pruneOutbox(db: Queryable, schema: string, olderThanMs: number): Promise<number> {
  const result = await db.query(
    `DELETE FROM ${quoteSchema(schema)}.outbox
     WHERE published_at IS NOT NULL AND published_at < now() - $1::bigint * interval '1 millisecond'`,
    [Math.round(olderThanMs)],
  );
  return result.rowCount;
}

function asRelayError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isConnectionError(err)) return new AppError('DB_UNAVAILABLE', messageOf(err), { cause: err });
  return toAppError(err, 'INTERNAL');
}
