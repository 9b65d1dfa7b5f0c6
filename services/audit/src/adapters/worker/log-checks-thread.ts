import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { inThreadLogChecks, type LogChecks, type LogChecksRequest } from '../../app/log-checks.js';
import { type PackedBatch, packEntries, unpackBatch } from './log-checks-wire.js';

/** The worker's entry beside this file: the built `.js` when this runs from dist, absent when it runs from sources. */
export const LOG_CHECKS_WORKER = new URL('./log-checks-worker.js', import.meta.url);

/** Where the replay's log checks run, and why: said once per replay through the `log` callback. */
export interface LogChecksChoice {
  readonly where: 'worker' | 'in-thread';
  readonly why: string;
}

/**
 * Entries from which the replay's log checks run in a worker thread (ADR 043). A worker costs about 0.15 s of CPU
 * to start and warm up, and the checks about 25 µs per entry: under a few thousand entries the worker only adds
 * work, and at 5,000 the replay was slower with it than without, on an idle machine as on a loaded one.
 */
export const WORKER_FROM_ENTRIES = 20_000;

/**
 * The replay's log checks in a worker thread when the built worker file exists beside this one (running built code)
 * and the log holds at least `workerFrom` entries ({@link WORKER_FROM_ENTRIES} by default), else in the replay's
 * thread (a small log, or the TypeScript sources, as the tests run: a worker cannot load them). Each call opens one
 * replay's checks for a log of `entries` (unknown: as for a large log); `log` is told the choice and why. `entry`
 * names another worker file (tests: the built one).
 */
export function logChecksThread(
  options: {
    readonly log?: (choice: LogChecksChoice) => void;
    readonly entry?: URL;
    readonly workerFrom?: number;
  } = {},
): (entries?: number) => LogChecks {
  const entry = options.entry ?? LOG_CHECKS_WORKER;
  const path = fileURLToPath(entry);
  const found = existsSync(path);
  const workerFrom = options.workerFrom ?? WORKER_FROM_ENTRIES;
  return (entries) => {
    const choice = choose(found, path, entries, workerFrom);
    options.log?.(choice);
    return choice.where === 'worker' ? workerLogChecks(entry) : inThreadLogChecks();
  };
}

function choose(found: boolean, path: string, entries: number | undefined, workerFrom: number): LogChecksChoice {
  if (!found) return { where: 'in-thread', why: `log checks in the replay's thread: no built worker file at ${path}` };
  if (entries !== undefined && entries < workerFrom) {
    return {
      where: 'in-thread',
      why: `log checks in the replay's thread: ${entries} entries, fewer than the ${workerFrom} from which a worker thread pays`,
    };
  }
  return { where: 'worker', why: `log checks in a worker thread (${path})` };
}

/**
 * The checks in a worker thread started from `entry` (a built `log-checks-worker.js`): each call is a message, its
 * answer comes back under its id, in order. A worker that fails or exits fails every call in flight and after.
 */
export function workerLogChecks(entry: URL): LogChecks {
  // built code loads built code: not the sources' export condition a test runner may have passed to this thread
  const worker = new Worker(entry, { execArgv: withoutSourceCondition(process.execArgv) });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: unknown) => void }>();
  let next = 0;
  let failed: unknown;
  let closed = false;
  const failAll = (err: unknown) => {
    failed ??= err;
    for (const { reject } of pending.values()) reject(failed);
    pending.clear();
  };
  worker.on('message', ({ id, value, error }: { id: number; value?: unknown; error?: unknown }) => {
    const call = pending.get(id);
    pending.delete(id);
    if (error !== undefined) call?.reject(error);
    else call?.resolve(value);
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`the log checks' worker exited (code ${code})`)));
  const call = <T>(request: unknown, transfer: ArrayBuffer[] = []): Promise<T> => {
    if (failed !== undefined) return Promise.reject(failed);
    if (closed) return Promise.reject(new Error("the log checks' worker is closed"));
    const id = next++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, request }, transfer);
    });
  };
  return {
    where: 'worker',
    start: (init) => call({ op: 'start', init } satisfies LogChecksRequest),
    async add(entries) {
      const packed = packEntries(entries);
      return unpackBatch(await call<PackedBatch>({ op: 'add', packed }, [packed.bytes]));
    },
    finish: (end) => call({ op: 'finish', end } satisfies LogChecksRequest),
    async close() {
      if (closed) return;
      closed = true;
      await worker.terminate();
    },
  };
}

/** The workspace's export condition that resolves its packages to their TypeScript sources (vitest passes it). */
const SOURCE_CONDITION = 'onceonly-source';

/** `execArgv` without `--conditions onceonly-source` (in any of its spellings), the rest kept. */
export function withoutSourceCondition(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if ((arg === '--conditions' || arg === '-C') && execArgv[i + 1] === SOURCE_CONDITION) i++;
    else if (arg !== `--conditions=${SOURCE_CONDITION}` && arg !== `-C=${SOURCE_CONDITION}`) out.push(arg);
  }
  return out;
}
