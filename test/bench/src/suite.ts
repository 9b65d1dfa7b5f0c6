import type { Database } from '@onceonly/store';

/** A ratio between a OnceOnly measurement and a baseline measured in the same run. */
export interface Ratio {
  name: string;
  value: number;
  meaning: string;
}

/** What a suite can use: the broker of the run, fresh databases, and the command-line options. */
export interface SuiteContext {
  brokers: string[];
  /** The local broker's pid, for its CPU per event (none when KAFKA_BROKERS names another broker). */
  brokerPid?: number;
  /** A short random id of this run, for topic and group names. */
  run: string;
  /** A fresh PostgreSQL database for `fn`, dropped after it. */
  withFreshDatabase<T>(fn: (db: Database, url: string) => Promise<T>): Promise<T>;
  /** Scale factor from `--scale` (default 1): suites multiply their counts by it. */
  scale: number;
}

/** What a suite found: a Markdown section (headings and tables), raw numbers, and its ratios. */
export interface SuiteResult {
  markdown: string;
  json: unknown;
  ratios: Ratio[];
}

/** One benchmark suite of `npm run bench`. */
export interface Suite {
  /** Short name for `--suite` (events, certificate, audit). */
  name: string;
  title: string;
  /** A part of that suite, run alone when named: not in the default run (which runs the whole suite). */
  partOf?: string;
  /** False when the suite never uses the broker: none is started for it alone. */
  usesBroker?: boolean;
  run(context: SuiteContext): Promise<SuiteResult>;
}

/** Formats a number for tables. */
export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
