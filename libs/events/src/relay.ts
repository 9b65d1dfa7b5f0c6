import { randomUUID } from 'node:crypto';
import { AppError, toAppError } from '@onceonly/errors';
import { type Database, isConnectionError, type Queryable } from '@onceonly/store';
import type { Logger } from 'pino';
import { withSequenceHeader } from './headers.js';
import { type Backoff, backoffDelay, messageOf, quoteSchema, Waker } from './internal.js';
import { silentLogger } from './log.js';
import { outboxBacklog } from './outbox.js';
import { traceEach } from './tracing.js';
import type { EventTransport, OutgoingRecord } from './transport.js';

/** One outbox row the relay stamped and publishes. */
export interface PublishedEvent {
  position: string;
  eventId: string;
  topic: string;
  key: string;
  source: string;
  /** The per-source sequence the relay stamped (a decimal string), as published in `ce_sequence`. */
  sequence: string;
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
  /**
   * After publishing a batch smaller than `batchSize`, wait this long before taking the next one, kicks
   * notwithstanding (`flush` and `stop` cut it short), so that the rows committed meanwhile go out together: fewer
   * claims, publishes and consumer transactions per event, for at most this much more latency (default
   * {@link DEFAULT_LINGER_MS}; 0 takes the next batch at once). ADR 042.
   */
  lingerMs?: number;
  /** Waits after a failed publish: doubled each time, capped (default 200 ms → 30 s). */
  backoff?: Backoff;
  /**
   * How long the publishing lease lasts without renewal (default 15 s). A relay that dies keeps the other relays of
   * the schema waiting this long before one takes over.
   */
  leaseMs?: number;
  /**
   * Called after a batch's sequences were stamped (and committed) and before it is published: a test hook to crash
   * in exactly that window (the next relay publishes the rows with the numbers already stamped).
   */
  afterStamp?: (batch: readonly PublishedEvent[]) => void | Promise<void>;
  /**
   * Called after a batch was published and before it is marked published: a test hook to crash in exactly that
   * window (the batch is then published again by the next relay, with the same sequences; consumers de-duplicate).
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
  source: string;
  sequence: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A row of the claim statement: the lease was held (one row; all NULL when nothing is pending) or none at all. */
type ClaimRow = { [K in keyof OutboxRow]: OutboxRow[K] | null };

interface FlushWaiter {
  /** Only a pass that started at or after this one may settle the waiter. */
  fromPass: number;
  resolve(): void;
  reject(err: unknown): void;
}

const LEASE_NAME = 'relay';
/** The relay's default linger after a batch that was not full (ADR 042). */
export const DEFAULT_LINGER_MS = 10;
/** The leader renews its lease once this fraction of it has gone by (not on every pass). */
const RENEW_AFTER = 1 / 3;

/**
 * Creates the relay of one schema's outbox.
 *
 * Each pass is one statement, then the publish: the statement marks the batch published by the previous pass (its
 * sources' watermarks, ADR 021: the relay writes each row once), takes the next batch of pending rows (those
 * stamped and not published first, then the rest in `position` order) and stamps the per-source `sequence` of
 * those that have none yet (numbered in position order, from `outbox_sequence`), and commits. Then the relay
 * publishes the batch with its sequences in `ce_sequence`. A crash after the stamp publishes the same rows with the same numbers on
 * restart; a crash after the publish and before the next pass's mark publishes them again (at-least-once; consumers
 * de-duplicate by event id). So sequences are gap-free per source, and increase in publish order (ADR 010). Rows
 * are never deleted or skipped: on a failed publish they stay pending, and the relay backs off exponentially
 * (capped), logging once when it starts failing and once when it recovers.
 *
 * One relay per schema publishes at a time: a lease row in `outbox_relay`, taken and renewed with one conditional
 * upsert against the database clock, renewed only once a third of it has gone by; the claiming statement itself
 * stamps and takes rows only while the lease row names this relay and has not expired (a read, no write). A second
 * relay (another replica) waits in `standby` and takes over when the lease expires. Publishing from one place in
 * position order keeps each key's events in order, which row locks with `SKIP LOCKED` would not (two relays would
 * publish neighbouring rows of one key concurrently), and a lease works on both PostgreSQL and PGlite without
 * holding a transaction open while the broker answers. The stamp locks the rows it numbers (`FOR UPDATE`), so even
 * two relays that both believe they lead never number a row twice nor leave a gap.
 */
export function createRelay(options: RelayOptions): Relay {
  return new OutboxRelay(options);
}

class OutboxRelay implements Relay {
  readonly #db: Database;
  readonly #s: string;
  readonly #schema: string;
  readonly #transport: EventTransport;
  readonly #log: Logger;
  readonly #batchSize: number;
  readonly #pollMs: number;
  readonly #lingerMs: number;
  readonly #backoff: Backoff;
  readonly #leaseMs: number;
  readonly #afterPublish: RelayOptions['afterPublish'];
  readonly #afterStamp: RelayOptions['afterStamp'];
  readonly #owner = randomUUID();
  /** Rows published and not yet marked: the next claim (or `stop`) marks them. */
  #unmarked: { position: string; source: string; sequence: string }[] = [];
  /** Positions of the batch being published: a failed publish is counted on them. */
  #inHand: string[] = [];
  /** `performance.now()` after which the leader renews its lease before the next claim. */
  #renewDueAt = 0;
  readonly #waker = new Waker();
  #waiters: FlushWaiter[] = [];
  #loop: Promise<void> | undefined;
  #stopping = false;
  #pass = 0;
  #forceAttempt = false;
  /** True while the relay lingers after a batch that was not full: kicks do not cut it short. */
  #lingering = false;
  #status: RelayStatus = { state: 'stopped', leader: false, published: 0, consecutiveFailures: 0 };

  constructor(options: RelayOptions) {
    this.#db = options.db;
    this.#s = quoteSchema(options.schema);
    this.#schema = options.schema;
    this.#transport = options.transport;
    this.#log = (options.log ?? silentLogger()).child({ component: 'outbox-relay', schema: options.schema });
    this.#batchSize = options.batchSize ?? 100;
    this.#pollMs = options.pollIntervalMs ?? 500;
    this.#lingerMs = Math.max(0, options.lingerMs ?? DEFAULT_LINGER_MS);
    this.#backoff = options.backoff ?? { initialMs: 200, maxMs: 30_000 };
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#afterPublish = options.afterPublish;
    this.#afterStamp = options.afterStamp;
  }

  start(): void {
    if (this.#loop !== undefined) return;
    this.#stopping = false;
    this.#setState('idle');
    this.#loop = this.#run();
  }

  kick(): void {
    if (this.#status.state !== 'backing-off' && !this.#lingering) this.#waker.wake();
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
    await this.#markUnmarked();
    if (this.#status.leader) await this.#releaseLease();
    this.#setState('stopped');
  }

  async pending(): Promise<number> {
    return (await outboxBacklog(this.#db, this.#schema)).pending;
  }

  status(): RelayStatus {
    return { ...this.#status };
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      const pass = ++this.#pass;
      this.#forceAttempt = false;
      let delay: number;
      let linger = false;
      try {
        const published = await this.#step(pass);
        linger = published === 'partial';
        delay = typeof published === 'number' ? published : 0;
      } catch (err) {
        delay = await this.#failed(pass, err);
      }
      if (linger) await this.#linger();
      else if (delay > 0 && !this.#stopping && !this.#forceAttempt) await this.#waker.wait(delay);
    }
  }

  /**
   * Waits `lingerMs` after a batch that was not full; only `flush` and `stop` wake it early, and a relay with flush
   * waiters does not linger (they wait for the pass that finds the outbox empty).
   */
  async #linger(): Promise<void> {
    if (this.#lingerMs === 0 || this.#stopping || this.#forceAttempt || this.#waiters.length > 0) return;
    this.#lingering = true;
    // a kick from before the linger must not end it: only flush and stop (which set their flags first) do
    this.#waker.clear();
    try {
      if (!this.#stopping && !this.#forceAttempt) await this.#waker.wait(this.#lingerMs);
    } finally {
      this.#lingering = false;
    }
  }

  /**
   * One pass: hold the lease, publish one batch. Returns how long to wait before the next pass, or `partial` after
   * publishing a batch that was not full (the loop then lingers).
   */
  async #step(pass: number): Promise<number | 'partial'> {
    const standby = Math.min(this.#pollMs, this.#leaseMs / 3);
    if (!(await this.#holdLease())) {
      this.#setState('standby');
      await this.#markUnmarked();
      if ((await this.pending()) === 0) this.#settle(undefined, pass);
      return standby;
    }
    const claimed = await this.#claim();
    if (claimed === undefined) {
      // the lease expired or another relay took it since this one last renewed it
      this.#lostLease();
      this.#setState('standby');
      return standby;
    }
    if (claimed.length === 0) {
      this.#recovered();
      this.#setState('idle');
      this.#settle(undefined, pass);
      return this.#pollMs;
    }
    // while failing, the state stays backing-off until a publish succeeds
    if (this.#status.consecutiveFailures === 0) this.#setState('publishing');
    await this.#publish(claimed);
    this.#setState('publishing');
    return claimed.length < this.#batchSize ? 'partial' : 0;
  }

  /**
   * One statement: marks the previous pass's batch published, and, while this relay holds the lease, takes the next
   * batch and stamps the sequences it lacks. Returns the batch (empty when nothing is pending), or undefined when
   * the lease is not this relay's any more.
   *
   * Publication is a per-source watermark, not a row update (ADR 021): a row is published when its `sequence` is at
   * most its source's `outbox_sequence.published`. `marks` advances a source's watermark to the previous batch's
   * highest number only when that batch's numbers cover every number between the watermark and it (so the
   * watermark never passes a number that was not published). The batch: first the rows already stamped above the
   * watermark (a relay that stamped and died, or a publish that failed), lowest numbers first, so that each source's
   * part is a run from its watermark up, published in the order the claims gave them (`after`: a row comes after
   * every row of its source numbered before it, so that a late writer's row, numbered by a later claim than rows with
   * higher positions, keeps its place; ADR 054); then unstamped rows in `position` order (`FOR UPDATE`: a second
   * relay that got here too waits, then finds them stamped and skips them). `todo` numbers those per source in position order;
   * `bumped` advances each source's `last` by its count and its watermark by `marks` (one upsert row per source);
   * `stamped` writes `last - count + n`. So each outbox row is written once by the relay (its stamp).
   */
  async #claim(): Promise<OutboxRow[] | undefined> {
    const s = this.#s;
    const { rows } = await this.#db.query<ClaimRow>(
      `WITH held AS (
         SELECT 1 FROM ${s}.outbox_relay WHERE name = $3 AND owner = $4 AND lease_until > now()
       ), ${marksSql(s, '$5', '$6')}, watermark AS (
         SELECT q.source, greatest(q.published, coalesce(m.published, 0)) AS published
         FROM ${s}.outbox_sequence q LEFT JOIN marks m ON m.source = q.source
       ), again AS (
         SELECT a.*, max(a.position) OVER (PARTITION BY a.source ORDER BY a.sequence) AS after FROM (
           SELECT o.* FROM watermark w CROSS JOIN LATERAL (
             SELECT position, event_id, topic, key, source, sequence, headers, body FROM ${s}.outbox
             WHERE source = w.source AND sequence > w.published AND position <> ALL($2::bigint[])
             ORDER BY sequence LIMIT $1
           ) o
           WHERE EXISTS (SELECT 1 FROM held)
           ORDER BY o.sequence LIMIT $1
         ) a
       ), fresh AS (
         SELECT position, event_id, topic, key, source, sequence, headers, body FROM ${s}.outbox
         WHERE sequence IS NULL AND EXISTS (SELECT 1 FROM held)
         ORDER BY position LIMIT $1 - (SELECT count(*) FROM again)
         FOR UPDATE
       ), todo AS (
         SELECT position, source, row_number() OVER (PARTITION BY source ORDER BY position) AS n FROM fresh
       ), counts AS (
         SELECT source, count(*) AS c FROM todo GROUP BY source
       ), bumped AS (
         INSERT INTO ${s}.outbox_sequence AS q (source, last, published)
         SELECT coalesce(c.source, m.source), coalesce(c.c, 0), coalesce(m.published, 0)
         FROM counts c FULL JOIN marks m ON m.source = c.source
         ON CONFLICT (source) DO UPDATE SET last = q.last + EXCLUDED.last,
           published = greatest(q.published, EXCLUDED.published)
         RETURNING source, last
       ), stamped AS (
         UPDATE ${s}.outbox o SET sequence = b.last - c.c + t.n
         FROM todo t JOIN counts c ON c.source = t.source JOIN bumped b ON b.source = t.source
         WHERE o.position = t.position
         RETURNING o.position, o.sequence
       ), batch AS (
         SELECT 0 AS part, a.after, a.position, a.event_id, a.topic, a.key, a.source, a.sequence, a.headers, a.body
         FROM again a
         UNION ALL
         SELECT 1, f.position, f.position, f.event_id, f.topic, f.key, f.source, st.sequence, f.headers, f.body
         FROM fresh f JOIN stamped st ON st.position = f.position
       )
       SELECT b.position, b.event_id, b.topic, b.key, b.source, b.sequence, b.headers, b.body
       FROM held LEFT JOIN batch b ON true
       ORDER BY b.part, b.after, b.sequence`,
      [
        this.#batchSize,
        this.#unmarked.map((e) => e.position),
        LEASE_NAME,
        this.#owner,
        this.#unmarked.map((e) => e.source),
        this.#unmarked.map((e) => e.sequence),
      ],
    );
    // the statement committed: the previous batch is marked
    this.#unmarked = [];
    if (rows.length === 0) return undefined;
    if (rows[0]!.position === null) return [];
    return rows as OutboxRow[];
  }

  async #publish(rows: readonly OutboxRow[]): Promise<void> {
    const batch: PublishedEvent[] = rows.map((row) => ({
      position: row.position,
      eventId: row.event_id,
      topic: row.topic,
      key: row.key,
      source: row.source,
      sequence: String(row.sequence),
    }));
    this.#inHand = batch.map((e) => e.position);
    await this.#afterStamp?.(batch);
    const records: OutgoingRecord[] = rows.map((row) => ({
      topic: row.topic,
      key: row.key,
      value: row.body,
      headers: withSequenceHeader(row.headers, row.sequence),
    }));
    const endSpans = traceEach(tracedRows(rows), 'producer');
    try {
      await this.#transport.publish(records);
    } catch (err) {
      endSpans(err);
      throw err;
    }
    endSpans();
    await this.#afterPublish?.(batch);
    // marked by the next pass's claim (or by stop)
    this.#unmarked = batch.map(({ position, source, sequence }) => ({ position, source, sequence }));
    this.#inHand = [];
    this.#recovered();
    this.#status.published += rows.length;
    this.#status.lastPublishedAt = new Date();
  }

  /** Marks the published batch that no claim marked yet (at stop, or when the lease went to another relay). */
  async #markUnmarked(): Promise<void> {
    if (this.#unmarked.length === 0) return;
    try {
      await markPublished(this.#db, this.#schema, this.#unmarked);
      this.#unmarked = [];
    } catch (err) {
      // left pending: the next relay publishes the batch again, and consumers de-duplicate it
      this.#log.debug({ err: messageOf(err) }, 'could not mark the last published batch');
    }
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
    const inHand = this.#inHand;
    this.#inHand = [];
    try {
      await this.#db.query(
        `UPDATE ${this.#s}.outbox SET attempts = attempts + 1, last_error = $2 WHERE position IN (
           SELECT position FROM ${this.#s}.outbox WHERE cardinality($3::bigint[]) = 0 AND sequence IS NULL
           ORDER BY position LIMIT $1) OR position = ANY($3::bigint[])`,
        [this.#batchSize, message.slice(0, 1000), inHand],
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

  /** True while this relay leads: renews the lease only once a third of it has gone by since the last renewal. */
  async #holdLease(): Promise<boolean> {
    if (this.#status.leader && performance.now() < this.#renewDueAt) return true;
    return this.#renewLease();
  }

  #lostLease(): void {
    if (this.#status.leader) this.#log.info({ owner: this.#owner }, 'outbox relay lost the lease');
    this.#status.leader = false;
    this.#renewDueAt = 0;
  }

  async #renewLease(): Promise<boolean> {
    // measured before the statement is sent, so that the local view of the lease never outlasts the database's
    const sentAt = performance.now();
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
    this.#renewDueAt = leader ? sentAt + this.#leaseMs * RENEW_AFTER : 0;
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
    this.#renewDueAt = 0;
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

/**
 * Records that the events numbered `published` (per source) were published: each source's watermark moves up to the
 * highest of them only when they cover every number between the watermark and it (ADR 021). What the relay's claim
 * does for the previous batch, as a statement of its own (at stop). Internal: exported for the tests.
 */
export async function markPublished(
  db: Queryable,
  schema: string,
  published: readonly { source: string; sequence: string }[],
): Promise<void> {
  const s = quoteSchema(schema);
  await db.query(
    `WITH ${marksSql(s, '$1', '$2')}
     UPDATE ${s}.outbox_sequence q SET published = m.published FROM marks m
     WHERE q.source = m.source AND q.published < m.published`,
    [published.map((e) => e.source), published.map((e) => e.sequence)],
  );
}

/**
 * The CTE `marks (source, published)`: for each source of a published batch (parallel arrays of sources and numbers
 * in `sources`, `sequences`), the watermark it may move to: the batch's highest number when the batch's numbers above
 * the source's current watermark cover every number up to it, else the current watermark (a hole stays pending,
 * and the numbers above it are published again later: consumers de-duplicate).
 */
function marksSql(s: string, sources: string, sequences: string): string {
  return `marks AS (
         SELECT p.source, CASE WHEN count(*) FILTER (WHERE p.seq > q.published) = max(p.seq) - q.published
                              THEN max(p.seq) ELSE q.published END AS published
         FROM unnest(${sources}::text[], ${sequences}::bigint[]) AS p(source, seq)
         JOIN ${s}.outbox_sequence q ON q.source = p.source
         GROUP BY p.source, q.published
       )`;
}

/** The rows as the tracing hook reads them (ADR 035): each row's stored `ce_traceparent`, if any. */
function tracedRows(rows: readonly OutboxRow[]) {
  return rows.map((row) => ({
    traceparent: row.headers.ce_traceparent,
    type: row.headers.ce_type ?? '',
    id: row.event_id,
    topic: row.topic,
  }));
}

function asRelayError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isConnectionError(err)) return new AppError('DB_UNAVAILABLE', messageOf(err), { cause: err });
  return toAppError(err, 'INTERNAL');
}
