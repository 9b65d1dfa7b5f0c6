import { AppError } from '@onceonly/errors';
import type { EventEnvelope } from '@onceonly/events';
import { type ParsedVerifierKey, parseVerifierKey, verifyConsistency } from '@onceonly/merkle';
import { divergences, type Finding, finding, type ProjectionCheck } from '@onceonly/replay';
import { checkpointsOfRetiredKeys, followLogKeys, type SizedNote } from '../domain/key-rotation.js';
import { type LeafAttributes, leafHashOf } from '../domain/leaf.js';
import {
  BusMatcher,
  type LogSummary,
  type VerifiableCheckpoint,
  type VerifiableEntry,
} from '../domain/log-verifier.js';
import { ProjectionRun, type ProjectionSummary } from '../domain/projection.js';
import { busVerdict } from '../domain/source-identity.js';
import { inThreadLogChecks, type LogChecks, type LogChecksBatch, type VerifiedCheckpoint } from './log-checks.js';

/** The stored log, as the replay reads it: from the hub over gRPC, or from the database when the hub is down. */
export interface ReplayLogSource {
  /** The log's identity and size at the start of the replay. */
  info(): Promise<{ origin: string; verifierKeys: readonly string[]; size: number; topics: readonly string[] }>;
  checkpoints(): Promise<VerifiableCheckpoint[]>;
  /**
   * Every entry with index < size, ascending (bodies included when the source has them). With `bodies: false` (no
   * projection needs them) a source may give each body's SHA-256 (`dataSha256`) instead of the body.
   */
  entries(size: number, options?: { readonly bodies?: boolean }): AsyncIterable<VerifiableEntry>;
  /**
   * The same entries as `entries`, a page at a time (each page in order, none empty), when the source reads them in
   * pages anyway (the database): the replay then takes each page without a promise per entry (ADR 055). Optional: a
   * source without it (the hub's gRPC stream) is read entry by entry.
   */
  pages?(size: number, options?: { readonly bodies?: boolean }): AsyncIterable<readonly VerifiableEntry[]>;
  consistencyProof(first: number, second: number): Promise<Uint8Array[]>;
  /** The leaf index of an event, if the log has it (used for events the bus holds beyond the snapshot). */
  findEvent(eventId: string): Promise<number | undefined>;
}

/** One record read back from the bus. */
export interface BusRecord {
  readonly event: EventEnvelope;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** The bus, re-read from the beginning (Kafka with a throwaway consumer group, or the embedded log). */
export interface ReplayBusSource {
  /** Reads every record of the topics up to their current end; `onRecord` gets each valid event. */
  read(
    topics: readonly string[],
    onRecord: (record: BusRecord) => void,
    onProgress?: (read: number, total: number) => void,
    /**
     * Aborted when the replay stops early (the log read failed): the read should then end soon, resolved or
     * rejected, and release what it holds. A source that ignores it is awaited to its end.
     */
    signal?: AbortSignal,
  ): Promise<{
    records: number;
    malformed: number;
    /**
     * The offset up to which the log's own consumer group had read each partition (`topic/partition` → next
     * offset) when the read began: a record at or beyond it is in flight, not missing.
     */
    logReadUpTo?: ReadonlyMap<string, number>;
    /**
     * The signed notes of the checkpoints the bus carries (its checkpoint topic): whose bus it is. Undefined when the
     * source cannot tell (a recorded bus).
     */
    checkpointNotes?: readonly string[];
  }>;
}

/** Where one input of a replay comes from, as the report names it (`hub` at an address, a `database`, `kafka`). */
export interface ReplayInput {
  readonly kind: 'hub' | 'database' | 'embedded-folder' | 'kafka' | 'none';
  /** The address, folder, brokers or database (without its password). */
  readonly where: string;
}

/** Which sources a replay reads: said in the first line of its output and in the report. */
export interface ReplayInputs {
  readonly log: ReplayInput;
  readonly bus: ReplayInput;
  readonly projections: ReplayInput;
}

/** Progress, for a terminal progress bar or plain lines. */
export interface ReplayProgress {
  phase(name: 'bus' | 'log' | 'checks' | 'projections', total: number): void;
  advance(done: number): void;
}

/** Options of {@link replay}. */
export interface ReplayOptions {
  readonly log: ReplayLogSource;
  /** Without a bus, only the stored log is checked (its signatures, roots, leaves and sequences). */
  readonly bus?: ReplayBusSource;
  /** The log key as published: the auditor's anchor. Without it, the log's own keys are used and a notice says so. */
  readonly verifierKey?: string;
  /**
   * State rebuilt from the events and compared with the services: each service's own projection (ADR 005), passed
   * in by the hub. A check without a reader is rebuilt and its events checked, and reported as skipped.
   */
  readonly projections?: readonly ProjectionCheck<unknown, unknown>[];
  /** Projections left out altogether, with why (each a PROJECTION_SKIPPED notice in the report). */
  readonly skippedProjections?: readonly { readonly name: string; readonly reason: string }[];
  readonly progress?: ReplayProgress;
  readonly clock?: () => Date;
  /** Which sources are read (copied into the report). */
  readonly inputs?: ReplayInputs;
  /**
   * Opens the checks of a stored log of `entries` (ADR 022): `logChecksThread()` runs them in a worker thread beside
   * the bus read when the built worker file exists and the log is large enough to pay for one (ADR 043). Default: in
   * the replay's thread. The report is the same either way.
   */
  readonly checks?: (entries: number) => LogChecks;
}

/** The replay's result: what it read, and every finding. `ok` is false when any finding is a divergence. */
export interface ReplayReport {
  readonly ok: boolean;
  /** Which sources were read (when the caller named them). */
  readonly inputs?: ReplayInputs;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly origin: string;
  readonly verifierKey: string;
  readonly treeSize: number;
  /** Hex, recomputed from the leaves. */
  readonly root: string;
  readonly topics: readonly string[];
  readonly entries: number;
  readonly checkpoints: number;
  readonly checkpointsVerified: number;
  readonly busRecords: number;
  readonly busMalformed: number;
  readonly busEventsMatched: number;
  readonly sources: LogSummary['sources'];
  /** What each projection rebuilt and compared. */
  readonly projections: readonly ProjectionSummary[];
  readonly divergences: number;
  readonly findings: Finding[];
}

/**
 * The auditor's replay: re-reads the bus, streams the stored log and checks it end to end (see `LogVerifier`),
 * checks that consecutive checkpoints are consistent with proofs the log serves, and rebuilds the projections to
 * compare them with the services. Every problem is a named finding in the report.
 */
export async function replay(options: ReplayOptions): Promise<ReplayReport> {
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock().toISOString();
  const findings: Finding[] = [];
  // the checkpoints asked beside the log's info (ADR 043): each round trip waits on a busy database
  const checkpointsRead = options.log.checkpoints();
  checkpointsRead.catch(() => undefined); // awaited in the log's read; a failure is thrown there
  const info = await options.log.info();
  // opened once the log's size is known (ADR 043), before the rest: a worker thread boots while the log's
  // checkpoints are read and the bus joins (ADR 022)
  const checks = (options.checks ?? inThreadLogChecks)(info.size);
  try {
    return await replayWith(checks, { info, checkpoints: checkpointsRead }, options, clock, startedAt, findings);
  } finally {
    await checks.close();
  }
}

async function replayWith(
  checks: LogChecks,
  read: { info: Awaited<ReturnType<ReplayLogSource['info']>>; checkpoints: Promise<VerifiableCheckpoint[]> },
  options: ReplayOptions,
  clock: () => Date,
  startedAt: string,
  findings: Finding[],
): Promise<ReplayReport> {
  const { info } = read;
  const runs = (options.projections ?? []).map((p) => new ProjectionRun(p));
  // the bus read starts first (it waits on the broker: offsets, the group join), the log's checks beside it (ADR 015)
  const matcher = options.bus ? new BusMatcher() : undefined;
  const progress = new ReadsProgress(options.progress, info.size);
  const stop = new AbortController();
  const bus =
    options.bus && matcher
      ? readBus(options.bus, info.topics, matcher, stop.signal, (done, total) => progress.bus(done, total))
      : undefined;
  bus?.catch(() => undefined); // awaited below, with the log read; a failure is thrown there
  let checkpoints: VerifiableCheckpoint[] = [];
  let keys: ParsedVerifierKey[] = [];
  let verified: VerifiedCheckpoint[] = [];
  let proofs: Promise<Uint8Array[]>[] | undefined;
  const log = (async () => {
    checkpoints = await read.checkpoints;
    keys = trustedKeys(info, checkpoints, options.verifierKey, findings);
    verified = await checks.start({
      verifierKeys: keys.map((k) => k.verifierKey),
      origin: info.origin,
      checkpoints,
      bus: matcher !== undefined,
      entries: runs.length > 0,
    });
    // the consistency proofs asked once the first page of entries is in (not before it: they would delay it), beside
    // the next pages, and checked after the read (ADR 046)
    const askProofs = () => {
      proofs ??= askConsistencyProofs(options.log, verified);
    };
    await readLog(
      options.log,
      info.size,
      { checks, matcher, runs },
      stop.signal,
      (done) => progress.log(done),
      askProofs,
    );
    askProofs();
    progress.logDone();
  })();
  const [busRead] = await bothOrNeither(bus, log, stop);
  if (busRead) assertSameHub(busRead.checkpointNotes, { origin: info.origin, keys, checkpoints }, findings);
  options.progress?.phase('checks', checkpoints.length);
  await settleInFlight(options.log, matcher, info.size);
  // findings of the checks made here, reported by the log checks in this order before the subject map's
  const reported: Finding[] = [];
  await checkConsistency(verified, proofs ?? askConsistencyProofs(options.log, verified), reported);
  for (const run of runs) {
    const keys = run.state.size;
    if (run.check.reader) options.progress?.phase('projections', keys);
    const found = await run.compare({
      now: clock(),
      ...(run.check.reader ? { onProgress: (done: number) => options.progress?.advance(done) } : {}),
    });
    reported.push(...found);
  }
  for (const { name, reason } of options.skippedProjections ?? []) {
    reported.push(finding('PROJECTION_SKIPPED', `${name}: not rebuilt: ${reason}`));
  }
  const checked = await checks.finish({
    statedSize: info.size,
    reported,
    ...(matcher ? { bus: { findings: matcher.finish(), matched: matcher.matched() } } : {}),
  });
  const projections = [
    ...runs.map((run) => run.summary()),
    ...(options.skippedProjections ?? []).map(({ name, reason }) => ({
      name,
      keys: 0,
      events: 0,
      compared: 0,
      divergences: 0,
      skipped: reason,
    })),
  ];
  const { findings: found, summary } = checked;
  findings.push(...found);
  return {
    ok: divergences(findings).length === 0,
    ...(options.inputs ? { inputs: options.inputs } : {}),
    startedAt,
    finishedAt: clock().toISOString(),
    origin: info.origin,
    verifierKey: keys.map((k) => k.verifierKey).join(' '),
    treeSize: info.size,
    root: Buffer.from(summary.root).toString('hex'),
    topics: info.topics,
    entries: summary.entries,
    checkpoints: checkpoints.length,
    checkpointsVerified: summary.checkpointsVerified,
    busRecords: busRead?.records ?? 0,
    busMalformed: busRead?.malformed ?? 0,
    busEventsMatched: summary.busEventsMatched,
    sources: summary.sources,
    projections,
    divergences: divergences(findings).length,
    findings,
  };
}

/**
 * The keys the replay checks checkpoints with: the pinned key and the keys announced from it in the log's own
 * checkpoints (a rotation; see {@link followLogKeys}); without a pinned key, the log's own keys.
 */
function trustedKeys(
  info: { origin: string; verifierKeys: readonly string[] },
  checkpoints: readonly SizedNote[],
  pinned: string | undefined,
  findings: Finding[],
): ParsedVerifierKey[] {
  const logKeys = info.verifierKeys;
  if (pinned !== undefined) {
    const key = parseVerifierKey(pinned);
    const chain = followLogKeys(key, checkpoints, info.origin);
    for (const why of chain.refused) findings.push(finding('KEY_ANNOUNCEMENT_INVALID', `a key rotation: ${why}`));
    for (const size of checkpointsOfRetiredKeys(chain, checkpoints, info.origin)) {
      findings.push(finding('KEY_RETIRED', `checkpoint ${size} is not signed by the key announced for it`, { size }));
    }
    // a log that rotated may name only its newest key: trusted if announced from the pinned one
    if (logKeys.length > 0 && !chain.keys.some((k) => logKeys.includes(k.verifierKey))) {
      findings.push(finding('KEY_MISMATCH', `the log names ${logKeys.join(', ')}, not the trusted key`));
    }
    return [...chain.keys];
  }
  findings.push(
    finding('KEY_UNPINNED', `checked with the log's own key(s) ${logKeys.join(', ')}: pin the published key`),
  );
  return logKeys.map((k) => parseVerifierKey(k));
}

/**
 * Refuses to compare the log with a bus of another hub: its events would all look missing or altered, a false
 * tampering alarm. A bus that names no hub (no checkpoint on it) is read, with a notice.
 * @throws AppError AUDIT_SOURCE_MISMATCH before any finding is reported.
 */
function assertSameHub(
  notes: readonly string[] | undefined,
  log: Parameters<typeof busVerdict>[1],
  findings: Finding[],
): void {
  if (notes === undefined) return;
  const verdict = busVerdict(notes, log);
  if (verdict.verdict === 'other') {
    throw new AppError(
      'AUDIT_SOURCE_MISMATCH',
      `the bus belongs to another hub than the log ${log.origin}: ${verdict.why}`,
      {
        details: { meta: { origin: log.origin, checkpointsOnBus: String(notes.length) } },
      },
    );
  }
  if (verdict.verdict === 'unknown') {
    findings.push(finding('BUS_UNIDENTIFIED', `${verdict.why}: nothing shows that it is the bus of ${log.origin}`));
  }
}

/**
 * Reads the bus, each record matched with the log as it comes (the leaf its event makes); events beyond the log
 * group's committed offsets are marked once the read is over (in flight, not missing, if the log lacks them).
 */
async function readBus(
  source: ReplayBusSource,
  topics: readonly string[],
  matcher: BusMatcher,
  signal: AbortSignal,
  onProgress: (done: number, total: number) => void,
): Promise<{ records: number; malformed: number; checkpointNotes?: readonly string[] }> {
  const { records, malformed, logReadUpTo, checkpointNotes } = await source.read(
    topics,
    ({ event, topic, partition, offset }) =>
      matcher.addBus(event.id, { leafHash: leafHashOf(event), topic, partition, offset }),
    onProgress,
    signal,
  );
  if (logReadUpTo) {
    matcher.markBeyondLog((event) => {
      const upTo = logReadUpTo.get(`${event.topic}/${event.partition}`);
      return upTo !== undefined && Number(event.offset) >= upTo;
    });
  }
  return { records, malformed, ...(checkpointNotes ? { checkpointNotes } : {}) };
}

/** Entries read between two turns of the event loop. */
const YIELD_EVERY = 64;
/** Entries per batch handed to the log checks (a message to the worker). */
const BATCH = 256;
/** Batches handed over and not yet answered, at most: the read goes on while the checks work. */
const IN_FLIGHT = 4;

/**
 * Streams the stored log through the log checks (verifier and subject map: ADR 022, a worker thread or this one) in
 * batches, a few in flight; as each batch is answered, feeds its leaves to the bus matcher and its entries to the
 * projections (in leaf order), decoding each leaf once.
 */
async function readLog(
  log: ReplayLogSource,
  size: number,
  checks: { checks: LogChecks; matcher: BusMatcher | undefined; runs: ProjectionRun<unknown, unknown>[] },
  signal: AbortSignal,
  onProgress: (done: number) => void,
  onFirstEntry: () => void,
): Promise<void> {
  const { matcher, runs } = checks;
  const inFlight: Array<{ entries: VerifiableEntry[]; answer: Promise<LogChecksBatch> }> = [];
  let read = 0;
  const settle = async () => {
    const { entries, answer } = inFlight.shift()!;
    const batch = await answer;
    for (const [id, leafIndex, leafHash] of batch.busLeaves) matcher?.addLog(id, leafIndex, leafHash);
    batch.entries?.forEach(({ attributes, bodyMatches }, i) => {
      const entry = entries[i]!;
      // only the body the leaf commits to: another one is reported by the verifier (BODY_MISMATCH)
      if (entry.data && attributes && bodyMatches) project(runs, entry, attributes, entry.data);
    });
    const before = read;
    read += entries.length;
    if (Math.floor(read / 1000) > Math.floor(before / 1000)) onProgress(read);
  };
  const handOver = async (entries: VerifiableEntry[]) => {
    const answer = checks.checks.add(entries);
    answer.catch(() => undefined); // awaited in turn by settle; a failure is thrown there
    inFlight.push({ entries, answer });
    if (inFlight.length > IN_FLIGHT) await settle();
  };
  let batch: VerifiableEntry[] = [];
  let first = true;
  for await (const page of pagesOf(log, size, { bodies: runs.length > 0 })) {
    if (first) {
      first = false;
      onFirstEntry();
    }
    // a page comes without a macrotask in between: let the bus's network reads in every few entries, or the bus read
    // waits for this loop instead of overlapping with it
    for (let at = 0; at < page.length; at += YIELD_EVERY) {
      await new Promise((resolve) => setImmediate(resolve));
      if (signal.aborted) return; // the bus failed: the replay is over (leaving the loop closes the source's read)
      const end = Math.min(page.length, at + YIELD_EVERY);
      for (let i = at; i < end; i++) {
        batch.push(page[i]!);
        if (batch.length === BATCH) {
          await handOver(batch);
          batch = [];
        }
      }
    }
  }
  if (batch.length > 0) await handOver(batch);
  while (inFlight.length > 0) {
    if (signal.aborted) return;
    await settle();
  }
  onProgress(read);
}

/**
 * The source's entries a page at a time: its own pages when it has them (no promise per entry, ADR 055), else its
 * entries gathered {@link YIELD_EVERY} at a time.
 */
async function* pagesOf(
  log: ReplayLogSource,
  size: number,
  options: { readonly bodies: boolean },
): AsyncGenerator<readonly VerifiableEntry[]> {
  if (log.pages) {
    for await (const page of log.pages(size, options)) if (page.length > 0) yield page;
    return;
  }
  let page: VerifiableEntry[] = [];
  for await (const entry of log.entries(size, options)) {
    page.push(entry);
    if (page.length === YIELD_EVERY) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

/**
 * Runs the bus read and the log read together and answers the bus's result. When one fails, the other is stopped
 * (its signal aborted) and awaited, and the first failure is thrown: no report is made of half a replay.
 */
async function bothOrNeither<B, L>(
  bus: Promise<B> | undefined,
  log: Promise<L>,
  stop: AbortController,
): Promise<[B | undefined, L]> {
  const stopOnFailure = <R>(p: Promise<R>) =>
    p.catch((err: unknown) => {
      if (!stop.signal.aborted) stop.abort(err);
      throw err;
    });
  const [busResult, logResult] = await Promise.allSettled([bus ? stopOnFailure(bus) : undefined, stopOnFailure(log)]);
  if (stop.signal.aborted) throw stop.signal.reason;
  if (logResult.status === 'rejected') throw logResult.reason; // not reached: a failure aborts
  return [busResult.status === 'fulfilled' ? busResult.value : undefined, logResult.value];
}

/**
 * Progress of the two reads on one display: the log's while it is read (the bus's comes with it), then the bus's if
 * it is still being read.
 */
class ReadsProgress {
  readonly #progress: ReplayProgress | undefined;
  #bus: { done: number; total: number } | undefined;
  #logDone = false;
  #busShown = false;

  constructor(progress: ReplayProgress | undefined, size: number) {
    this.#progress = progress;
    progress?.phase('log', size);
  }

  log(done: number): void {
    this.#progress?.advance(done);
  }

  logDone(): void {
    this.#logDone = true;
    if (this.#bus) this.bus(this.#bus.done, this.#bus.total);
  }

  bus(done: number, total: number): void {
    this.#bus = { done, total };
    if (!this.#logDone || (!this.#busShown && done >= total)) return;
    if (!this.#busShown) this.#progress?.phase('bus', total);
    this.#busShown = true;
    this.#progress?.advance(done);
  }
}

function project(
  runs: ProjectionRun<unknown, unknown>[],
  entry: VerifiableEntry,
  attributes: LeafAttributes,
  data: Uint8Array,
): void {
  const { dataSha256: _hash, ...event } = attributes;
  for (const run of runs) run.apply({ ...event, data }, entry.leafIndex);
}

/** Bus events beyond the log snapshot that the log has by now are not missing: drop them before the verdict. */
async function settleInFlight(log: ReplayLogSource, bus: BusMatcher | undefined, size: number): Promise<void> {
  for (const id of bus?.unmatchedBusIds() ?? []) {
    const index = await log.findEvent(id);
    if (index !== undefined && index >= size) bus?.forgetBus(id);
  }
}

/**
 * The proofs between consecutive checkpoints, every one asked at once (ADR 043: one round trip's wait instead of one
 * per pair), during the log's read (ADR 046: beside its pages, not after them).
 */
function askConsistencyProofs(
  log: ReplayLogSource,
  checkpoints: ReadonlyArray<{ size: number }>,
): Promise<Uint8Array[]>[] {
  const proofs = checkpoints.slice(1).map((b, i) => log.consistencyProof(checkpoints[i]!.size, b.size));
  for (const proof of proofs) proof.catch(() => undefined); // each awaited by checkConsistency, its failure reported there
  return proofs;
}

/** Checks each pair of consecutive checkpoints with its proof (from {@link askConsistencyProofs}), in order. */
async function checkConsistency(
  checkpoints: ReadonlyArray<{ size: number; root: Uint8Array }>,
  proofs: readonly Promise<Uint8Array[]>[],
  reported: Finding[],
): Promise<void> {
  for (let i = 1; i < checkpoints.length; i++) {
    const a = checkpoints[i - 1]!;
    const b = checkpoints[i]!;
    let ok = false;
    let why = 'the larger tree does not extend the smaller one';
    try {
      ok = verifyConsistency(a.size, b.size, await proofs[i - 1]!, a.root, b.root);
    } catch (err) {
      why = err instanceof Error ? err.message : String(err);
    }
    if (!ok) {
      reported.push(
        finding('CHECKPOINT_INCONSISTENT', `checkpoints ${a.size} and ${b.size}: ${why}`, { size: b.size }),
      );
    }
  }
}

/** The replay report as Markdown, for people. */
export function replayMarkdown(report: ReplayReport): string {
  const lines = [
    `# Audit replay: ${report.ok ? 'no divergence' : `${report.divergences} divergence(s)`}`,
    '',
    `- log: \`${report.origin}\`, key \`${report.verifierKey}\``,
    ...(report.inputs ? [`- read: ${inputsLine(report.inputs)}`] : []),
    `- tree size ${report.treeSize}, recomputed root \`${report.root}\``,
    `- ${report.entries} entries read, ${report.checkpointsVerified} of ${report.checkpoints} checkpoints verified`,
    `- bus: ${report.busRecords} records on ${report.topics.length} topics, ${report.busEventsMatched} matched, ${report.busMalformed} malformed`,
    `- from ${report.startedAt} to ${report.finishedAt}`,
    '',
    '## Sources',
    '',
    '| source | highest sequence | complete through |',
    '| --- | --- | --- |',
    ...report.sources.map((s) => `| \`${s.source}\` | ${s.maxSeen} | ${s.contiguous} |`),
    '',
    '## Projections',
    '',
    ...(report.projections.length === 0
      ? ['None.']
      : [
          '| projection | events read | keys rebuilt | compared with the service | divergences |',
          '| --- | --- | --- | --- | --- |',
          ...report.projections.map(
            (p) =>
              `| ${p.name} | ${p.events} | ${p.keys} | ${p.skipped === undefined ? p.compared : `skipped: ${p.skipped.replaceAll('|', '\\|')}`} | ${p.divergences} |`,
          ),
        ]),
    '',
    '## Findings',
    '',
  ];
  if (report.findings.length === 0) lines.push('None.');
  else {
    lines.push('| severity | kind | what |', '| --- | --- | --- |');
    for (const f of report.findings) lines.push(`| ${f.severity} | ${f.kind} | ${f.message.replaceAll('|', '\\|')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** The sources of a replay in one line: `log from hub 127.0.0.1:50051, bus from hub ..., projections from ...`. */
export function inputsLine(inputs: ReplayInputs): string {
  const one = (i: ReplayInput) => (i.kind === 'none' ? 'none' : `${i.kind} ${i.where}`);
  return `log from ${one(inputs.log)}, bus from ${one(inputs.bus)}, projections compared with ${one(inputs.projections)}`;
}
