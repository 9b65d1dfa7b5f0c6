import { parseVerifierKey } from '@onceonly/merkle';
import type { Finding } from '@onceonly/replay';
import type { LeafAttributes } from '../domain/leaf.js';
import {
  type LeafMatcher,
  type LogSummary,
  LogVerifier,
  type VerifiableCheckpoint,
  type VerifiableEntry,
} from '../domain/log-verifier.js';
import { SubjectMapCheck } from '../domain/subject-map-check.js';

/**
 * The replay's checks of the stored log (ADR 022): the {@link LogVerifier} (leaves, tree, checkpoints, sequences,
 * order, causation) and the {@link SubjectMapCheck}, behind an interface of messages that can be structured-cloned,
 * so that the same checks run in a worker thread (beside the bus read, which stays in the replay's thread) or in the
 * replay's own thread. The bus's {@link BusMatcher} stays with the replay: the checks hand back, per batch, the leaves
 * it must be fed (`busLeaves`) and take its findings at the end, in the place `LogVerifier.finish` reports them.
 */
export interface LogChecks {
  /** Where the checks run, for the log line that says so. */
  readonly where: 'worker' | 'in-thread';
  /** Opens the checkpoints (signatures) and answers those that verified, with their roots and extension lines. */
  start(init: LogChecksInit): Promise<VerifiedCheckpoint[]>;
  /** The next entries, in leaf order. Calls may overlap: the answers come in the order of the calls. */
  add(entries: readonly VerifiableEntry[]): Promise<LogChecksBatch>;
  /** Ends the checks (see `LogVerifier.finish`); `reported` are the findings of checks made outside, in order. */
  finish(end: LogChecksEnd): Promise<{ findings: Finding[]; summary: LogSummary }>;
  /** Releases the thread (idempotent; also after a failure). */
  close(): Promise<void>;
}

/** What the checks need before the first entry. */
export interface LogChecksInit {
  /** The trusted keys (`vkey` strings: a parsed key holds functions, which a worker cannot be sent). */
  readonly verifierKeys: readonly string[];
  readonly origin: string;
  readonly checkpoints: readonly VerifiableCheckpoint[];
  /** The replay matches leaves with a bus: answer the leaves to feed its matcher. */
  readonly bus: boolean;
  /** The replay runs projections: answer each entry's attributes and whether its body matches. */
  readonly entries: boolean;
}

/** A checkpoint whose signature verified. */
export type VerifiedCheckpoint = VerifiableCheckpoint & { root: Uint8Array; extensions: readonly string[] };

/** What one batch gave back. */
export interface LogChecksBatch {
  /** Leaves for the bus matcher, as `BusMatcher.addLog` takes them, in order (with `init.bus`). */
  readonly busLeaves: ReadonlyArray<readonly [id: string, leafIndex: number, leafHash: Uint8Array]>;
  /** Per entry of the batch, for projections (with `init.entries`). */
  readonly entries?: ReadonlyArray<{ readonly attributes?: LeafAttributes; readonly bodyMatches: boolean }>;
}

/** What the end of the checks needs from the replay. */
export interface LogChecksEnd {
  readonly statedSize: number;
  /** Findings of the checks made outside (consistency, projections), reported before the subject map's. */
  readonly reported: readonly Finding[];
  /** The bus matcher's findings and matches (`BusMatcher.finish`, `matched`), when there is a bus. */
  readonly bus?: { readonly findings: readonly Finding[]; readonly matched: number };
}

/** A message to the checks (worker or not), and its answer. */
export type LogChecksRequest =
  | { readonly op: 'start'; readonly init: LogChecksInit }
  | { readonly op: 'add'; readonly entries: readonly VerifiableEntry[] }
  | { readonly op: 'finish'; readonly end: LogChecksEnd };

/**
 * The checks themselves, one message at a time, synchronous: what the worker runs for each message it receives,
 * and what {@link inThreadLogChecks} calls directly.
 */
export class LogChecksCore {
  #init: LogChecksInit | undefined;
  #verifier: LogVerifier | undefined;
  #subjectMap: SubjectMapCheck | undefined;
  /** Leaves the verifier gave the bus since the last batch's answer. */
  #busLeaves: Array<readonly [string, number, Uint8Array]> = [];
  /** The bus's end, handed to the verifier's `finish` through the stand-in matcher. */
  #busEnd: LogChecksEnd['bus'];

  handle(request: LogChecksRequest): unknown {
    switch (request.op) {
      case 'start':
        return this.start(request.init);
      case 'add':
        return this.add(request.entries);
      case 'finish':
        return this.finish(request.end);
    }
  }

  start(init: LogChecksInit): VerifiedCheckpoint[] {
    this.#init = init;
    // a stand-in for the matcher: the replay's thread owns the real one (the bus's records arrive there)
    const bus: LeafMatcher = {
      addLog: (id, leafIndex, leafHash) => {
        this.#busLeaves.push([id, leafIndex, leafHash]);
      },
      finish: () => [...(this.#busEnd?.findings ?? [])],
      matched: () => this.#busEnd?.matched ?? 0,
    };
    this.#verifier = new LogVerifier({
      verifiers: init.verifierKeys.map((k) => parseVerifierKey(k)),
      origin: init.origin,
      checkpoints: init.checkpoints,
      ...(init.bus ? { bus } : {}),
    });
    // the subject map each signed checkpoint commits to, recomputed from the same leaves (ADR 006)
    this.#subjectMap = SubjectMapCheck.start(this.#verifier.verifiedCheckpoints());
    return this.#verifier.verifiedCheckpoints().map((cp) => ({ ...cp }));
  }

  add(entries: readonly VerifiableEntry[]): LogChecksBatch {
    const verifier = this.#started();
    const subjectMap = this.#subjectMap!;
    const out: Array<{ attributes?: LeafAttributes; bodyMatches: boolean }> | undefined = this.#init?.entries
      ? []
      : undefined;
    for (const entry of entries) {
      const checked = verifier.add(entry);
      const attributes = checked.attributes;
      // a leaf the verifier could not read (LEAF_MALFORMED, LEAF_INDEX_INVALID) stops the map there
      if (attributes === undefined) subjectMap.stop();
      else subjectMap.add({ leafIndex: entry.leafIndex, subject: attributes.subject, leafHash: checked.leafHash });
      out?.push(attributes ? { attributes, bodyMatches: checked.bodyMatches } : { bodyMatches: checked.bodyMatches });
    }
    const busLeaves = this.#busLeaves;
    this.#busLeaves = [];
    return out ? { busLeaves, entries: out } : { busLeaves };
  }

  finish(end: LogChecksEnd): { findings: Finding[]; summary: LogSummary } {
    const verifier = this.#started();
    for (const f of end.reported) verifier.report(f);
    for (const f of this.#subjectMap!.findings) verifier.report(f);
    this.#busEnd = end.bus;
    return verifier.finish(end.statedSize);
  }

  #started(): LogVerifier {
    if (this.#verifier === undefined) throw new Error('log checks: start() was not called');
    return this.#verifier;
  }
}

/** Entries checked between two turns of the event loop, in the replay's thread (about a few milliseconds of work). */
const YIELD_EVERY = 64;

/**
 * The checks in the replay's own thread (the fallback when no worker can be started, and what `replay` uses when it
 * is given nothing else). A batch is checked in slices of 64 entries with a turn of the event loop between them, so
 * that the bus's network reads are served while the log is checked (ADR 015).
 */
export function inThreadLogChecks(): LogChecks {
  const core = new LogChecksCore();
  let answerEntries = false;
  let queue: Promise<unknown> = Promise.resolve();
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  return {
    where: 'in-thread',
    async start(init) {
      answerEntries = init.entries;
      return core.start(init);
    },
    add(entries) {
      // calls may overlap (the replay keeps a few batches in flight): each waits for the one before
      const run = queue.then(async () => {
        const busLeaves: Array<LogChecksBatch['busLeaves'][number]> = [];
        const checked: NonNullable<LogChecksBatch['entries']>[number][] = [];
        for (let i = 0; i < entries.length; i += YIELD_EVERY) {
          await turn();
          const batch = core.add(entries.slice(i, i + YIELD_EVERY));
          busLeaves.push(...batch.busLeaves);
          if (batch.entries) checked.push(...batch.entries);
        }
        return answerEntries ? { busLeaves, entries: checked } : { busLeaves };
      });
      queue = run.catch(() => undefined);
      return run;
    },
    finish: async (end) => core.finish(end),
    close: async () => undefined,
  };
}
