import { AppError } from '@onceonly/errors';
import type { EventEnvelope } from '@onceonly/events';
import { leafHash, type ParsedVerifierKey, parseVerifierKey, verifyConsistency } from '@onceonly/merkle';
import { divergences, type Finding, finding, type ProjectionCheck } from '@onceonly/replay';
import { checkpointsOfRetiredKeys, followLogKeys, type SizedNote } from '../domain/key-rotation.js';
import { decodeLeaf, leafOf, sha256 } from '../domain/leaf.js';
import {
  type BusEvent,
  type LogSummary,
  LogVerifier,
  type VerifiableCheckpoint,
  type VerifiableEntry,
} from '../domain/log-verifier.js';
import { ProjectionRun, type ProjectionSummary } from '../domain/projection.js';
import { busVerdict } from '../domain/source-identity.js';
import { SubjectMapCheck } from '../domain/subject-map-check.js';

/** The stored log, as the replay reads it: from the hub over gRPC, or from the database when the hub is down. */
export interface ReplayLogSource {
  /** The log's identity and size at the start of the replay. */
  info(): Promise<{ origin: string; verifierKeys: readonly string[]; size: number; topics: readonly string[] }>;
  checkpoints(): Promise<VerifiableCheckpoint[]>;
  /** Every entry with index < size, ascending (bodies included when the source has them). */
  entries(size: number): AsyncIterable<VerifiableEntry>;
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
 * The auditor's replay: re-reads the bus, streams the stored log and checks it end to end (see {@link LogVerifier}),
 * checks that consecutive checkpoints are consistent with proofs the log serves, and rebuilds the projections to
 * compare them with the services. Every problem is a named finding in the report.
 */
export async function replay(options: ReplayOptions): Promise<ReplayReport> {
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock().toISOString();
  const findings: Finding[] = [];
  const info = await options.log.info();
  const checkpoints = await options.log.checkpoints();
  const keys = trustedKeys(info, checkpoints, options.verifierKey, findings);
  const bus = options.bus ? await readBus(options.bus, info.topics, findings, options.progress) : undefined;
  if (bus) assertSameHub(bus.checkpointNotes, { origin: info.origin, keys, checkpoints }, findings);
  const verifier = new LogVerifier({
    verifiers: keys,
    origin: info.origin,
    checkpoints,
    ...(bus ? { bus: bus.events } : {}),
  });
  const runs = (options.projections ?? []).map((p) => new ProjectionRun(p));
  // the subject map each signed checkpoint commits to, recomputed from the same leaves (ADR 006)
  const subjectMap = await SubjectMapCheck.start(verifier.verifiedCheckpoints());
  options.progress?.phase('log', info.size);
  let read = 0;
  for await (const entry of options.log.entries(info.size)) {
    verifier.add(entry);
    await addToSubjectMap(subjectMap, entry);
    if (runs.length > 0 && entry.data) project(runs, entry, entry.data);
    if (++read % 1000 === 0) options.progress?.advance(read);
  }
  options.progress?.advance(read);
  options.progress?.phase('checks', checkpoints.length);
  await settleInFlight(options.log, bus?.events, info.size);
  await checkConsistency(options.log, verifier);
  for (const run of runs) {
    const keys = run.state.size;
    if (run.check.reader) options.progress?.phase('projections', keys);
    const found = await run.compare({
      now: clock(),
      ...(run.check.reader ? { onProgress: (done: number) => options.progress?.advance(done) } : {}),
    });
    for (const f of found) verifier.report(f);
  }
  const projections = [
    ...runs.map((run) => run.summary()),
    ...(options.skippedProjections ?? []).map(({ name, reason }) => {
      verifier.report(finding('PROJECTION_SKIPPED', `${name}: not rebuilt: ${reason}`));
      return { name, keys: 0, events: 0, compared: 0, divergences: 0, skipped: reason };
    }),
  ];
  for (const f of subjectMap.findings) verifier.report(f);
  const { findings: found, summary } = verifier.finish(info.size);
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
    busRecords: bus?.records ?? 0,
    busMalformed: bus?.malformed ?? 0,
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

async function readBus(
  source: ReplayBusSource,
  topics: readonly string[],
  findings: Finding[],
  progress: ReplayProgress | undefined,
): Promise<{ events: Map<string, BusEvent>; records: number; malformed: number; checkpointNotes?: readonly string[] }> {
  const events = new Map<string, BusEvent>();
  let total = -1;
  const read: BusRecord[] = [];
  const { records, malformed, logReadUpTo, checkpointNotes } = await source.read(
    topics,
    (record) => read.push(record),
    (done, all) => {
      if (all !== total) {
        total = all;
        progress?.phase('bus', all);
      }
      progress?.advance(done);
    },
  );
  for (const { event, topic, partition, offset } of read) {
    const hash = leafOf(event).hash;
    const known = events.get(event.id);
    if (known && !Buffer.from(known.leafHash).equals(hash)) {
      findings.push(
        finding('EVENT_ALTERED', `two different events on the bus share the id ${event.id}`, { eventId: event.id }),
      );
    }
    const upTo = logReadUpTo?.get(`${topic}/${partition}`);
    const beyondLog = upTo !== undefined && Number(offset) >= upTo;
    if (!known) events.set(event.id, { leafHash: hash, topic, partition, offset, beyondLog });
  }
  return { events, records, malformed, ...(checkpointNotes ? { checkpointNotes } : {}) };
}

/** Feeds one entry to the subject-map check; a leaf it cannot read (LEAF_MALFORMED) stops the check there. */
async function addToSubjectMap(check: SubjectMapCheck, entry: VerifiableEntry): Promise<void> {
  let subject: string;
  try {
    subject = decodeLeaf(entry.canonical).subject;
  } catch {
    check.stop();
    return;
  }
  await check.add({ leafIndex: entry.leafIndex, subject, leafHash: leafHash(entry.canonical) });
}

function project(runs: ProjectionRun<unknown, unknown>[], entry: VerifiableEntry, data: Uint8Array): void {
  let attributes: ReturnType<typeof decodeLeaf>;
  try {
    attributes = decodeLeaf(entry.canonical);
  } catch {
    return; // a malformed leaf is reported by the verifier (LEAF_MALFORMED); it cannot feed a projection
  }
  // only the body the leaf commits to: another one is reported by the verifier (BODY_MISMATCH)
  if (!Buffer.from(sha256(data)).equals(attributes.dataSha256)) return;
  const { dataSha256: _hash, ...event } = attributes;
  for (const run of runs) run.apply({ ...event, data }, entry.leafIndex);
}

/** Bus events beyond the log snapshot that the log has by now are not missing: drop them before the verdict. */
async function settleInFlight(
  log: ReplayLogSource,
  bus: Map<string, BusEvent> | undefined,
  size: number,
): Promise<void> {
  if (!bus || bus.size === 0) return;
  for (const id of [...bus.keys()]) {
    const index = await log.findEvent(id);
    if (index !== undefined && index >= size) bus.delete(id);
  }
}

async function checkConsistency(log: ReplayLogSource, verifier: LogVerifier): Promise<void> {
  const checkpoints: ReadonlyArray<{ size: number; root: Uint8Array }> = verifier.verifiedCheckpoints();
  for (let i = 1; i < checkpoints.length; i++) {
    const a = checkpoints[i - 1]!;
    const b = checkpoints[i]!;
    let ok = false;
    let why = 'the larger tree does not extend the smaller one';
    try {
      ok = verifyConsistency(a.size, b.size, await log.consistencyProof(a.size, b.size), a.root, b.root);
    } catch (err) {
      why = err instanceof Error ? err.message : String(err);
    }
    if (!ok) {
      verifier.report(
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
