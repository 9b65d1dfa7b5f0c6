import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  auditV1,
  type BundleReport,
  databaseLogSource,
  divergences,
  exportBundle,
  type Finding,
  inputsLine,
  type LogChecksChoice,
  logChecksThread,
  type ReplayBusSource,
  type ReplayLogSource,
  type ReplayReport,
  replay,
  replayMarkdown,
  transportBusSource,
  verifyBundle,
} from '@onceonly/audit/client';
import { certificateSubjectOf, certificateV1, holderSubjectOf, isCitizenId } from '@onceonly/certificate/client';
import { AppError, invalid, isAppError } from '@onceonly/errors';
import { type Command, Option } from 'commander';
import {
  announcementsFor,
  bundleOf,
  eventOf,
  grpcBusSource,
  grpcExportSource,
  grpcLogSource,
  hex,
  onlineLogView,
} from '../adapters/audit-grpc.js';
import {
  assertHubKeepsLog,
  openProjections,
  openStore,
  openTransport,
  planReplay,
  progress,
  type ReplayPlan,
} from '../adapters/replay-inputs.js';
import {
  type ClientOptions,
  type CliOptions,
  call,
  channelCredentials,
  cliOptions,
  toJson as json,
  writeLine as out,
  withClient,
} from '../client.js';
import { HUB_REPLAY_PROJECTIONS } from '../modules.js';
import { registerChain } from './audit-chain.js';

// `onceonly audit ...`: the auditor's commands. `checkpoint`, `prove` and `export` ask a running hub; `verify` works
// offline on a bundle; `replay` re-reads the bus and checks the whole log. Every proof is verified here, locally,
// with the log's key: the hub is not trusted to say that its own proofs are right.

/** Runs `fn` with an AuditServiceClient, closed afterwards. */
function withAudit<T>(o: ClientOptions, fn: (client: auditV1.AuditServiceClient) => Promise<T>): Promise<T> {
  return withClient(auditV1.AuditServiceClient, o, fn);
}

/** One line per finding, as `judge` prints them on standard error. */
export function findingLine(f: Finding): string {
  const where = [f.leafIndex === undefined ? '' : `leaf ${f.leafIndex}`, f.eventId ? `event ${f.eventId}` : '']
    .filter(Boolean)
    .join(', ');
  return `${f.severity === 'divergence' ? 'DIVERGENCE' : 'notice'} ${f.kind}: ${f.message}${where ? ` (${where})` : ''}`;
}

/** Prints every finding (notices too, unless `quiet`); throws AUDIT_VERIFICATION_FAILED when one is a divergence. */
function judge(findings: readonly Finding[], quiet = false): void {
  for (const f of quiet ? divergences(findings) : findings) process.stderr.write(`${findingLine(f)}\n`);
  const failed = divergences(findings).length;
  if (failed > 0) throw new AppError('AUDIT_VERIFICATION_FAILED', `${failed} divergence(s): see the lines above`);
}

function trust(vkey: string | undefined): { verifierKey?: string } {
  return vkey ? { verifierKey: vkey } : {};
}

/** `checkpoint` and `prove` check a checkpoint or one event, not a subject bundle: no completeness to check. */
function partialTrust(vkey: string | undefined): { verifierKey?: string; partial: true } {
  return { ...trust(vkey), partial: true };
}

/** Findings that do not fail `verify` but must not go unseen: printed as WARNING lines on standard error. */
/** What `export` says when the caller's role could not read the whole log, so the bundle carries no map proof. */
const FILTERED_VIEW_NOTICE =
  'FILTERED_VIEW: the bundle holds the events your role may read and no proof that they are all of the subject; verify it with `audit verify --filtered-view`';

const WARNINGS: ReadonlySet<string> = new Set(['KEY_UNPINNED', 'COMPLETENESS_UNPROVEN', 'COMPLETENESS_NOT_CLAIMED']);

function registerCheckpoint(audit: Command): void {
  audit
    .command('checkpoint')
    .description("the latest signed checkpoint and the log's verifier key (C2SP vkey)")
    .option('--vkey <vkey>', 'the published log key to check the checkpoint with (default: the one the hub names)')
    .action(async (opts: { vkey?: string }, cmd: Command) => {
      const o = cliOptions(cmd);
      const { checkpoint, verifierKey, announcements } = await withAudit(o, async (c) => {
        const latest = await call(c.getCheckpoint.bind(c), {}, o);
        return { ...latest, announcements: await announcementsFor(c, o, opts.vkey, latest.verifierKey) };
      });
      if (!checkpoint) throw new AppError('AUDIT_CHECKPOINT_NOT_FOUND', 'the log has no checkpoint yet');
      // a checkpoint is checked like any bundle: with no events, only its signature (and any key announcements)
      const report = verifyBundle(bundleOf(checkpoint, verifierKey, [], announcements), partialTrust(opts.vkey));
      const value = {
        origin: checkpoint.origin,
        treeSize: Number(checkpoint.size),
        rootHash: hex(checkpoint.rootHash),
        createdAt: checkpoint.createdAt,
        verifierKey,
        signedNote: checkpoint.signedNote,
        cosignatures: checkpoint.cosignatures.map((s) => ({
          witness: s.witnessName,
          keyId: s.keyId,
          timestamp: Number(s.timestamp),
        })),
        verified: divergences(report.findings).length === 0,
      };
      const text = `${checkpoint.signedNote}\nverifier key: ${verifierKey}\nsigned at:    ${checkpoint.createdAt}`;
      out(o.json ? json(value) : text);
      judge(report.findings, true);
    });
}

/** Fetches the inclusion proof of an event and verifies it locally; the value `prove --json` prints. */
async function proveEvent(o: ClientOptions, eventId: string, opts: { vkey?: string; size?: string; why?: string }) {
  const [{ verifierKey }, proof, announcements] = await withAudit(o, async (c) => {
    const [key, found] = await Promise.all([
      call(c.getVerifierKey.bind(c), {}, o),
      call(
        c.getInclusionProof.bind(c),
        {
          leaf: { $case: 'eventId', value: eventId },
          ...(opts.size ? { treeSize: opts.size } : {}),
          purpose: opts.why ?? '',
        },
        o,
      ),
    ]);
    return [key, found, await announcementsFor(c, o, opts.vkey, key.verifierKey)] as const;
  });
  if (!proof.checkpoint || !proof.entry?.event) {
    throw new AppError('AUDIT_CHECKPOINT_NOT_FOUND', `no signed checkpoint of size ${proof.treeSize} to prove against`);
  }
  const leaf = { leafIndex: Number(proof.leafIndex), leafHash: hex(proof.leafHash), proof: proof.hashes.map(hex) };
  const bundle = bundleOf(
    proof.checkpoint,
    verifierKey,
    [{ ...leaf, event: eventOf(proof.entry.event) }],
    announcements,
  );
  const report = verifyBundle(bundle, partialTrust(opts.vkey));
  const verified = report.eventsVerified === 1 && divergences(report.findings).length === 0;
  const value = {
    eventId,
    leafIndex: leaf.leafIndex,
    treeSize: Number(proof.treeSize),
    leafHash: leaf.leafHash,
    proof: leaf.proof,
    rootHash: hex(proof.checkpoint.rootHash),
    canonical: Buffer.from(proof.entry.canonical).toString('utf8'),
    signedNote: proof.checkpoint.signedNote,
    verifierKey,
    verified,
  };
  return { value, findings: report.findings };
}

function registerProve(audit: Command): void {
  audit
    .command('prove')
    .description('fetch the inclusion proof of an event and verify it locally against the signed checkpoint')
    .argument('<event-id>', 'the CloudEvents id of the event')
    .option('--vkey <vkey>', 'the published log key (default: the one the hub names)')
    .option('--size <n>', 'prove in the checkpoint of this tree size (default: the latest)')
    .option('--why <text>', 'why you read the event (logged by the hub with the read)')
    .action(async (eventId: string, opts: { vkey?: string; size?: string; why?: string }, cmd: Command) => {
      const o = cliOptions(cmd);
      const { value, findings } = await proveEvent(o, eventId, opts);
      const where = `event ${eventId} is leaf ${value.leafIndex} of the tree of ${value.treeSize} leaves (root ${value.rootHash})`;
      out(
        o.json ? json(value) : `${where}\n${value.verified ? 'proof verified with the log key' : 'PROOF NOT VERIFIED'}`,
      );
      judge(findings);
    });
}

/** How `audit export --subject` finds the events subject of what the user typed. */
export interface SubjectOptions {
  /** The key of the holder hash (ONCEONLY_HOLDER_HASH_KEY), for a citizen ID. */
  hashKey?: string | undefined;
  /** The holder subject of a certificate id (asks the hub); undefined when no certificate has this id. */
  certificateSubject(id: string): Promise<string | undefined>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The events subject of `--subject`: a certificate id names its holder (its events are logged under the holder); a credit code is the subject itself; a
 * citizen ID is hashed here with the holder hash key, the way the certificate service does (`h:<keyed hash>`), and
 * never sent in clear; anything else (`h:…`, a seal kid, an origin) is taken as it is.
 * @throws AppError CONFIG_MISSING for a citizen ID without the hash key.
 */
export async function exportSubject(subject: string, options: SubjectOptions): Promise<string> {
  const text = subject.trim();
  // a UUID that names no certificate is another events subject (a hub instance, for one)
  if (UUID.test(text)) return (await options.certificateSubject(text)) ?? text;
  if (isCitizenId(text)) {
    if (!options.hashKey) {
      throw new AppError(
        'CONFIG_MISSING',
        'a citizen ID is hashed here, never sent: set ONCEONLY_HOLDER_HASH_KEY (or --hash-key-file) to the hub’s holder hash key',
      );
    }
    return holderSubjectOf(text, options.hashKey)!;
  }
  return holderSubjectOf(text, undefined) ?? text;
}

/** The holder hash key: `--hash-key-file`, else ONCEONLY_HOLDER_HASH_KEY, else the embedded hub's generated key. */
function hashKeyOf(opts: { hashKeyFile?: string; dataDir: string }): string | undefined {
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  if (opts.hashKeyFile) {
    const key = read(opts.hashKeyFile);
    if (key === undefined) throw new AppError('INVALID_ARGUMENT', `--hash-key-file: cannot read ${opts.hashKeyFile}`);
    return key;
  }
  return process.env.ONCEONLY_HOLDER_HASH_KEY || read(join(opts.dataDir, 'keys', 'holder-hash.key'));
}

async function certificateSubject(o: ClientOptions, id: string): Promise<string | undefined> {
  const request = certificateV1.GetCertificateRequest.fromPartial({ ref: { $case: 'id', value: id } });
  const response = await withClient(certificateV1.CertificateServiceClient, o, (c) =>
    call(c.getCertificate.bind(c), request, o),
  ).catch((err: unknown) => {
    if (isAppError(err, 'CERT_NOT_FOUND')) return undefined;
    throw err;
  });
  if (response === undefined) return undefined;
  const holder = response.certificate?.metadata?.holder;
  const subject = holder ? certificateSubjectOf(holder) : undefined;
  if (subject === undefined) throw new AppError('CERT_NOT_FOUND', `certificate ${id} names no holder`);
  return subject;
}

interface ExportOptions {
  subject: string;
  out: string;
  sinceSize?: string;
  hashKeyFile?: string;
  dataDir: string;
  why?: string;
}

function registerExport(audit: Command): void {
  audit
    .command('export')
    .description("a holder's events with inclusion proofs, a signed checkpoint and the log key, for offline checks")
    .requiredOption(
      '--subject <subject>',
      'a credit code, a citizen ID (hashed here with the holder hash key, never sent), a certificate id (its holder), or an events subject as the log shows it (h:…)',
    )
    .requiredOption('--out <file>', 'where to write the bundle (JSON)')
    .option('--since-size <n>', 'also prove consistency with the checkpoint of this earlier tree size')
    .option('--hash-key-file <file>', 'the holder hash key, for a citizen ID (default: ONCEONLY_HOLDER_HASH_KEY)')
    .option('--why <text>', 'why you read these entries (logged by the hub with every read)')
    .addOption(
      new Option('--data-dir <dir>', "an embedded hub's data folder: its generated holder hash key")
        .env('ONCEONLY_DATA_DIR')
        .default('.onceonly'),
    )
    .action(async (opts: ExportOptions, cmd: Command) => {
      const o = cliOptions(cmd);
      const subject = await exportSubject(opts.subject, {
        hashKey: isCitizenId(opts.subject.trim()) ? hashKeyOf(opts) : undefined,
        certificateSubject: (id) => certificateSubject(o, id),
      });
      const { bundle, pending } = await withAudit(o, (c) =>
        exportBundle(
          grpcExportSource(c, o, opts.why ?? ''),
          subject,
          opts.sinceSize ? { sinceSize: Number(opts.sinceSize) } : {},
        ),
      );
      writeFileSync(opts.out, `${JSON.stringify(bundle, null, 2)}\n`);
      const complete = bundle.subjectMap !== undefined;
      const value = {
        out: opts.out,
        subject,
        events: bundle.events.length,
        treeSize: bundle.treeSize,
        pending,
        complete,
      };
      const wrote = `wrote ${bundle.events.length} event(s) of ${subject} proven in the tree of ${bundle.treeSize} to ${opts.out}`;
      const later = pending > 0 ? `\n${pending} newer event(s) are not in a checkpoint yet: export again later` : '';
      out(o.json ? json(value) : `${wrote}${later}`);
      if (!complete) process.stderr.write(`WARNING ${FILTERED_VIEW_NOTICE}\n`);
    });
}

/** The one-line verdict of `verify`, for people: proven, and whether the bundle is proven complete. */
function verdict(report: BundleReport): string {
  const failed = divergences(report.findings).length;
  if (failed > 0) return `BUNDLE NOT VERIFIED: ${failed} problem(s)`;
  const proven = `bundle verified: ${report.eventsVerified} event(s) proven in the signed tree of ${report.treeSize}`;
  return report.completeness === 'proven'
    ? `${proven}, and proven to be every event of the subject up to that size`
    : `${proven}; NOT proven complete (the checkpoint has no subject map)`;
}

function registerVerify(audit: Command): void {
  audit
    .command('verify')
    .description(
      'check an exported bundle offline (no hub needed): signature, every leaf, every proof, and that no event of the subject is missing or added',
    )
    .argument('<bundle>', 'the bundle file written by `onceonly audit export`')
    .option('--vkey <vkey>', 'the published log key (default: the key in the bundle, with a notice)')
    .option('--checkpoint <file>', 'a signed checkpoint seen earlier: the bundle must be consistent with it')
    .option(
      '--filtered-view',
      "the bundle is a department's or the portal's export (only what that role may read): prove each event, do not ask for completeness",
    )
    .option(
      '--online',
      "with --vkey: also ask the hub (--addr) for the log's key announcements and latest checkpoint, and check that the bundle's checkpoint is signed by the key in force at its size (not by a key replaced since: ADR 009) in a tree the log still extends",
    )
    .action(async (file: string, opts: VerifyOptions, cmd: Command) => {
      const o = cliOptions(cmd);
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(file, 'utf8'));
      } catch (cause) {
        throw new AppError('AUDIT_BUNDLE_INVALID', `cannot read ${file} as JSON`, { cause });
      }
      if (opts.online && !opts.vkey) {
        throw invalid('INVALID_ARGUMENT', [
          {
            field: '--online',
            reason: 'VKEY_REQUIRED',
            description: 'checks the key rotations from the pinned --vkey',
          },
        ]);
      }
      const online = opts.online ? await fetchOnline(o, parsed) : undefined;
      const report: BundleReport = verifyBundle(parsed, {
        ...trust(opts.vkey),
        ...(opts.filteredView ? { filteredView: true } : {}),
        ...(opts.checkpoint ? { earlierCheckpoint: readFileSync(opts.checkpoint, 'utf8') } : {}),
        ...(online ? { online } : {}),
      });
      const failed = divergences(report.findings).length;
      const warnings: { kind: string; message: string }[] = report.findings.filter((f) => WARNINGS.has(f.kind));
      if (report.keyRotation === 'unchecked') warnings.push(ROTATION_UNCHECKED(report.treeSize));
      out(o.json ? json({ ok: failed === 0, warnings: warnings.map((f) => f.kind), ...report }) : verdict(report));
      for (const f of warnings) process.stderr.write(`WARNING ${f.kind}: ${f.message}\n`);
      judge(report.findings.filter((f) => !WARNINGS.has(f.kind)));
    });
}

/** The options of `audit verify`. */
interface VerifyOptions {
  vkey?: string;
  checkpoint?: string;
  filteredView?: boolean;
  online?: boolean;
}

/** What `verify` says when a pinned key verified the bundle offline (ADR 009's known limit). */
function ROTATION_UNCHECKED(size: number | undefined): { kind: string; message: string } {
  return {
    kind: 'KEY_ROTATION_UNCHECKED',
    message: `verified offline: nothing shows that the key which signed checkpoint ${size ?? '?'} had not been replaced by then (a leaked key could sign it); add --online to check the hub's key announcements, or compare with the operator's published rotations`,
  };
}

/** The log as the hub serves it now, for `verify --online`; nothing when the bundle names no origin and size. */
async function fetchOnline(o: ClientOptions, parsed: unknown) {
  const b = parsed as { origin?: unknown; treeSize?: unknown } | null;
  if (typeof b?.origin !== 'string' || !Number.isSafeInteger(b.treeSize)) return undefined;
  const bundle = { origin: b.origin, treeSize: b.treeSize as number };
  return withAudit(o, (c) => onlineLogView(c, o, bundle));
}

/** The options of `audit replay`. */
interface ReplayOptions {
  vkey?: string;
  brokers?: string;
  namespace?: string;
  databaseUrl?: string;
  dataDir: string;
  fromDatabase?: boolean;
  bus: boolean;
  projection?: string | false;
  report: string;
}

/** The one-line summary of a replay, for people. */
export function replaySummary(report: ReplayReport, prefix: string): string {
  const rebuilt = report.projections
    .map(
      (p) => `, ${p.name}: ${p.keys} rebuilt, ${p.skipped === undefined ? `${p.compared} compared` : 'not compared'}`,
    )
    .join('');
  const verdict = report.ok ? 'replay: no divergence' : `replay: ${report.divergences} divergence(s)`;
  return `${verdict} in ${report.entries} entries, ${report.checkpointsVerified}/${report.checkpoints} checkpoints, ${report.busRecords} bus records${rebuilt}; reports ${prefix}.json and ${prefix}.md`;
}

/** Opens the sources the plan names and runs the replay; `opened` collects what to close, last opened first. */
async function runReplay(
  opts: ReplayOptions,
  o: CliOptions,
  plan: ReplayPlan,
  opened: Array<() => Promise<void>>,
  onChecks: (choice: LogChecksChoice) => void,
) {
  const db = plan.log === 'database' || plan.bus === 'database' ? await openStore(opts) : undefined;
  if (db) opened.unshift(() => db.close());
  const c = new auditV1.AuditServiceClient(o.addr, channelCredentials(o));
  opened.unshift(async () => c.close());
  const log: ReplayLogSource = plan.log === 'database' && db ? databaseLogSource(db) : grpcLogSource(c, o);
  let bus: ReplayBusSource | undefined;
  if (plan.bus === 'hub') bus = grpcBusSource(c, o);
  else if (plan.bus !== 'none') {
    const namespace = opts.namespace ?? '';
    const transport = await openTransport(plan.bus === 'kafka' ? opts : { namespace }, db);
    opened.unshift(() => transport.close());
    bus = transportBusSource(transport);
  }
  // the keys a projection checks signed notes with (the draws'): the pinned key and the log's own, whose chain from
  // the pinned one the replay checks (KEY_NOT_ANNOUNCED otherwise)
  const verifierKeys = [...(opts.vkey ? [opts.vkey] : []), ...(await log.info()).verifierKeys];
  const projections = await openProjections(opts.projection, o, { verifierKeys });
  opened.unshift(async () => projections.close());
  if (plan.log === 'database' && projections.checks.some((check) => check.reader)) await assertHubKeepsLog(log, c, o);
  return replay({
    log,
    ...(bus ? { bus } : {}),
    ...(opts.vkey ? { verifierKey: opts.vkey } : {}),
    projections: projections.checks,
    skippedProjections: projections.skipped,
    progress: progress(),
    inputs: plan.inputs,
    // the stored log's checks in a worker thread beside the bus read, when built (ADR 022)
    checks: logChecksThread({ log: onChecks }),
  });
}

function registerReplay(audit: Command): void {
  audit
    .command('replay')
    .description('re-read every topic from the beginning and check the whole log; writes a JSON and a Markdown report')
    .option('--vkey <vkey>', 'the published log key (default: the one the log names, with a notice)')
    .addOption(new Option('--brokers <list>', 'Kafka bootstrap servers: read the bus from Kafka').env('KAFKA_BROKERS'))
    .addOption(
      new Option(
        '--namespace <name>',
        "the hub's namespace, when it has one: its topics and consumer groups on the bus (ADR 023)",
      ).env('ONCEONLY_NAMESPACE'),
    )
    .addOption(
      new Option('--database-url <url>', 'PostgreSQL of the hub (the embedded log, or --from-database)').env(
        'DATABASE_URL',
      ),
    )
    .addOption(
      new Option(
        '--data-dir <dir>',
        'embedded data folder, with --from-database (the hub must be stopped: it locks it)',
      )
        .env('ONCEONLY_DATA_DIR')
        .default('.onceonly'),
    )
    .option(
      '--from-database',
      'read the stored log (and, without --brokers, the embedded bus) from the database instead of asking the hub',
    )
    .option('--no-bus', 'check the stored log alone (signatures, roots, leaves, sequences)')
    .addOption(
      new Option(
        '--projection <name>',
        'rebuild only this state from the events and compare it with the service that holds it; fail if that service does not answer (default: every projection, each compared when its service answers)',
      ).choices(HUB_REPLAY_PROJECTIONS.map((p) => p.name)),
    )
    .option('--no-projection', 'do not rebuild state from the events nor compare it with the services')
    .option('--report <prefix>', 'report files: <prefix>.json and <prefix>.md', 'audit-replay')
    .action(async (opts: ReplayOptions, cmd: Command) => {
      const o = cliOptions(cmd);
      // the replay reads every party's events: it asks as an auditor (an mTLS certificate names its own role)
      if (!o.ca && o.role === undefined) o.role = 'auditor';
      const plan = planReplay(
        opts,
        (name) => cmd.getOptionValueSource(name),
        () => o.addr,
      );
      if (!o.json) out(`replay: ${inputsLine(plan.inputs)}`);
      const opened: Array<() => Promise<void>> = [];
      try {
        let checksIn: LogChecksChoice | undefined;
        const report = await runReplay(opts, o, plan, opened, (choice) => (checksIn = choice));
        // where the log's checks ran (ADR 022), once the replay is over: a refusal stays one line, --json's stderr
        // carries only errors
        if (checksIn && !o.json) process.stderr.write(`replay: ${checksIn.why}\n`);
        writeFileSync(`${opts.report}.json`, `${JSON.stringify(report, null, 2)}\n`);
        writeFileSync(`${opts.report}.md`, replayMarkdown(report));
        out(o.json ? json(report) : replaySummary(report, opts.report));
        judge(report.findings);
      } finally {
        for (const close of opened) await close().catch(() => undefined);
      }
    });
}

/** Adds `onceonly audit ...` to the CLI. */
export function registerAuditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description('the tamper-evident audit log: checkpoints, proofs, bundles, replay');
  registerCheckpoint(audit);
  registerProve(audit);
  registerExport(audit);
  registerVerify(audit);
  registerReplay(audit);
  registerChain(audit);
}
