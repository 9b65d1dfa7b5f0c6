import { status } from '@grpc/grpc-js';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** One labelled value of a metric read at scrape time. */
export interface Sample {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

/** What a reader returns: one value (a metric without labels), or labelled samples. */
export type Reading = number | readonly Sample[] | undefined;

/** A metric whose value is read when Prometheus scrapes (one statement, say), never counted per event. */
export interface OnScrape {
  /** `onceonly_<area>_<what>` (`_total` for counters, `_seconds` for durations). */
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
  /**
   * Runs once per scrape; a failure is counted in `onceonly_metrics_read_errors_total` (seen from the next scrape on)
   * and leaves no sample (NaN for a gauge without labels).
   */
  readonly read: () => Promise<Reading> | Reading;
}

/** A process's Prometheus metrics (ADR 035): the registry, the RPC histogram, and what services add. */
export interface Metrics {
  readonly registry: Registry;
  /** The gRPC server's interceptor calls it once per call. */
  observeRpc(method: string, code: number, seconds: number): void;
  /** A gauge read at scrape time. */
  gaugeOnScrape(metric: OnScrape): void;
  /** A counter whose running total is read at scrape time (a consumer's counters, a relay's). */
  counterOnScrape(metric: OnScrape): void;
  /** A counter the caller increments (rarely: prefer reading at scrape). */
  counter(options: { name: string; help: string; labelNames?: readonly string[] }): Counter<string>;
  /**
   * `read` memoised for one scrape: several metrics from one statement each call it, and it runs once (results are
   * kept for `ttlMs`, default 1 s).
   */
  perScrape<T>(read: () => Promise<T>, ttlMs?: number): () => Promise<T>;
  /** The exposition text of every metric. */
  text(): Promise<string>;
  readonly contentType: string;
}

/** Buckets of the RPC latency histogram, seconds: a cached verification (~0.3 ms) to a slow proof (10 s). */
export const RPC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Labels on every series (`process`: the launcher, e.g. `hub`). */
  readonly defaultLabels?: Readonly<Record<string, string>>;
  /** Node's own metrics (CPU, memory, event-loop delay, GC): default true. */
  readonly processMetrics?: boolean;
}

/**
 * Creates a process's metrics: a fresh prom-client registry (never the global one, so that two hosts in one test
 * process do not collide) with Node's process metrics, the RPC histogram
 * `onceonly_grpc_server_handling_seconds{grpc_service, grpc_method, grpc_code}` and a read-error counter.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels({ ...options.defaultLabels });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const rpc = new Histogram({
    name: 'onceonly_grpc_server_handling_seconds',
    help: 'gRPC calls handled, by service, method and status code, and how long they took',
    labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
    buckets: RPC_BUCKETS,
    registers: [registry],
  });
  const readErrors = new Counter({
    name: 'onceonly_metrics_read_errors_total',
    help: 'metrics that could not be read at a scrape (their database or broker did not answer)',
    labelNames: ['metric'],
    registers: [registry],
  });
  // one child per (method, code): labels() hashes its arguments on every call, a Map lookup does not
  const children = new Map<string, Histogram.Internal<string>>();
  const read = async (metric: OnScrape): Promise<Reading> => {
    try {
      return await metric.read();
    } catch {
      readErrors.inc({ metric: metric.name });
      return undefined;
    }
  };
  const labelNames = (metric: OnScrape) => [...(metric.labelNames ?? [])];
  return {
    registry,
    observeRpc(method, code, seconds) {
      const key = `${method} ${code}`;
      let child = children.get(key);
      if (child === undefined) {
        const [service = '', name = ''] = method.split('/').filter((part) => part.length > 0);
        child = rpc.labels(service, name, status[code] ?? String(code));
        children.set(key, child);
      }
      child.observe(seconds);
    },
    gaugeOnScrape(metric) {
      new Gauge({
        name: metric.name,
        help: metric.help,
        labelNames: labelNames(metric),
        registers: [registry],
        async collect() {
          const value = await read(metric);
          this.reset();
          // a metric without labels always has a sample: NaN says "unknown" where 0 would look healthy
          if (value === undefined && labelNames(metric).length === 0) this.set(Number.NaN);
          apply(value, (labels, v) => this.set(labels, v));
        },
      });
    },
    counterOnScrape(metric) {
      new Counter({
        name: metric.name,
        help: metric.help,
        labelNames: labelNames(metric),
        registers: [registry],
        async collect() {
          const value = await read(metric);
          this.reset();
          apply(value, (labels, v) => this.inc(labels, v));
        },
      });
    },
    counter(counterOptions) {
      return new Counter({
        ...counterOptions,
        labelNames: [...(counterOptions.labelNames ?? [])],
        registers: [registry],
      });
    },
    perScrape(fn, ttlMs = 1_000) {
      let cached: { at: number; value: Promise<unknown> } | undefined;
      return () => {
        const now = performance.now();
        if (cached === undefined || now - cached.at > ttlMs) {
          const value = fn();
          cached = { at: now, value };
          // a failed read is not kept: the next scrape tries again
          value.catch(() => {
            if (cached?.value === value) cached = undefined;
          });
        }
        return cached.value as ReturnType<typeof fn>;
      };
    },
    text: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

function apply(reading: Reading, set: (labels: Record<string, string | number>, value: number) => void): void {
  if (reading === undefined) return;
  if (typeof reading === 'number') {
    if (Number.isFinite(reading)) set({}, reading);
    return;
  }
  for (const sample of reading) if (Number.isFinite(sample.value)) set({ ...sample.labels }, sample.value);
}
