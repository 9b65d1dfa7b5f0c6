import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AuditBundle,
  type BundleReport,
  CERTIFICATE_STATUS,
  certificateStatusCheck,
  databaseLogSource,
  divergences,
  type ExportSource,
  exportBundle,
  type Finding,
  PROJECTION_NAMES,
  PROJECTIONS,
  type ProjectionCheck,
  type ProjectionName,
  type ReplayBusSource,
  type ReplayLogSource,
  type ReplayProgress,
  replay,
  replayMarkdown,
  transportBusSource,
  verifyBundle,
} from '@onceonly/audit';
import { auditV1, certificateV1 } from '@onceonly/contracts';
import { AppError, isAppError, toAppError } from '@onceonly/errors';
import { createEmbeddedTransport, createKafkaTransport, type EventTransport } from '@onceonly/events';
import { type Database, openDatabase } from '@onceonly/store';
import cliProgress from 'cli-progress';
import { type Command, Option } from 'commander';
import { type ClientOptions, call, channelCredentials, checkHealth, cliOptions } from './client.js';

// `onceonly audit ...`: the auditor's commands. `checkpoint`, `prove` and `export` ask a running hub; `verify` works
// offline on a bundle; `replay` re-reads the bus and checks the whole log. Every proof is verified here, locally,
// with the log's key: the hub is not trusted to say that its own proofs are right.

function client(o: ClientOptions): auditV1.AuditServiceClient {
  return new auditV1.AuditServiceClient(o.addr, channelCredentials(o));
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Prints every finding (notices too, unless `quiet`); throws AUDIT_VERIFICATION_FAILED when one is a divergence. */
function judge(findings: readonly Finding[], quiet = false): void {
  for (const f of quiet ? divergences(findings) : findings) {
    const where = [f.leafIndex === undefined ? '' : `leaf ${f.leafIndex}`, f.eventId ? `event ${f.eventId}` : '']
      .filter(Boolean)
      .join(', ');
    process.stderr.write(
      `${f.severity === 'divergence' ? 'DIVERGENCE' : 'notice'} ${f.kind}: ${f.message}${where ? ` (${where})` : ''}\n`,
    );
  }
  const failed = divergences(findings).length;
  if (failed > 0) throw new AppError('AUDIT_VERIFICATION_FAILED', `${failed} divergence(s): see the lines above`);
}

/** Adds `onceonly audit ...` to the CLI. */
export function addAuditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description('the tamper-evident audit log: checkpoints, proofs, bundles, replay');

  audit
    .command('checkpoint')
    .description("the latest signed checkpoint and the log's verifier key (C2SP vkey)")
    .option('--vkey <vkey>', 'the published log key to check the checkpoint with (default: the one the hub names)')
    .action(async (opts: { vkey?: string }, cmd: Command) => {
      const o = cliOptions(cmd);
      const c = client(o);
      try {
        const { checkpoint, verifierKey } = await call(c.getCheckpoint.bind(c), {}, o);
        if (!checkpoint) throw new AppError('AUDIT_CHECKPOINT_NOT_FOUND', 'the log has no checkpoint yet');
        // a checkpoint is checked like any bundle: with no events, only its signature
        const report = verifyBundle(bundleOf(checkpoint, verifierKey, []), trust(opts.vkey));
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
        if (o.json) out(JSON.stringify(value, null, 2));
        else out(`${checkpoint.signedNote}\nverifier key: ${verifierKey}\nsigned at:    ${checkpoint.createdAt}`);
        judge(report.findings, true);
      } finally {
        c.close();
      }
    });

  audit
    .command('prove')
    .description('fetch the inclusion proof of an event and verify it locally against the signed checkpoint')
    .argument('<event-id>', 'the CloudEvents id of the event')
    .option('--vkey <vkey>', 'the published log key (default: the one the hub names)')
    .option('--size <n>', 'prove in the checkpoint of this tree size (default: the latest)')
    .action(async (eventId: string, opts: { vkey?: string; size?: string }, cmd: Command) => {
      const o = cliOptions(cmd);
      const c = client(o);
      try {
        const { verifierKey } = await call(c.getVerifierKey.bind(c), {}, o);
        const proof = await call(
          c.getInclusionProof.bind(c),
          { leaf: { $case: 'eventId', value: eventId }, ...(opts.size ? { treeSize: opts.size } : {}) },
          o,
        );
        if (!proof.checkpoint || !proof.entry?.event) {
          throw new AppError(
            'AUDIT_CHECKPOINT_NOT_FOUND',
            `no signed checkpoint of size ${proof.treeSize} to prove against`,
          );
        }
        const bundle = bundleOf(proof.checkpoint, verifierKey, [
          {
            leafIndex: Number(proof.leafIndex),
            leafHash: hex(proof.leafHash),
            proof: proof.hashes.map(hex),
            event: eventOf(proof.entry.event),
          },
        ]);
        const report = verifyBundle(bundle, trust(opts.vkey));
        const verified = report.eventsVerified === 1 && divergences(report.findings).length === 0;
        const value = {
          eventId,
          leafIndex: Number(proof.leafIndex),
          treeSize: Number(proof.treeSize),
          leafHash: hex(proof.leafHash),
          proof: proof.hashes.map(hex),
          rootHash: hex(proof.checkpoint.rootHash),
          canonical: Buffer.from(proof.entry.canonical).toString('utf8'),
          signedNote: proof.checkpoint.signedNote,
          verifierKey,
          verified,
        };
        if (o.json) out(JSON.stringify(value, null, 2));
        else {
          out(
            `event ${eventId} is leaf ${value.leafIndex} of the tree of ${value.treeSize} leaves (root ${value.rootHash})`,
          );
          out(verified ? 'proof verified with the log key' : 'PROOF NOT VERIFIED');
        }
        judge(report.findings);
      } finally {
        c.close();
      }
    });

  audit
    .command('export')
    .description("a subject's events with inclusion proofs, a signed checkpoint and the log key, for offline checks")
    .requiredOption('--subject <subject>', 'holder code or certificate id (the events subject)')
    .requiredOption('--out <file>', 'where to write the bundle (JSON)')
    .option('--since-size <n>', 'also prove consistency with the checkpoint of this earlier tree size')
    .action(async (opts: { subject: string; out: string; sinceSize?: string }, cmd: Command) => {
      const o = cliOptions(cmd);
      const c = client(o);
      try {
        const { bundle, pending } = await exportBundle(grpcExportSource(c, o), opts.subject, {
          ...(opts.sinceSize ? { sinceSize: Number(opts.sinceSize) } : {}),
        });
        writeFileSync(opts.out, `${JSON.stringify(bundle, null, 2)}\n`);
        const value = {
          out: opts.out,
          subject: opts.subject,
          events: bundle.events.length,
          treeSize: bundle.treeSize,
          pending,
        };
        if (o.json) out(JSON.stringify(value, null, 2));
        else {
          out(
            `wrote ${bundle.events.length} event(s) of ${opts.subject} proven in the tree of ${bundle.treeSize} to ${opts.out}`,
          );
          if (pending > 0) out(`${pending} newer event(s) are not in a checkpoint yet: export again later`);
        }
      } finally {
        c.close();
      }
    });

  audit
    .command('verify')
    .description('check an exported bundle offline (no hub needed): signature, every leaf, every proof')
    .argument('<bundle>', 'the bundle file written by `onceonly audit export`')
    .option('--vkey <vkey>', 'the published log key (default: the key in the bundle, with a notice)')
    .option('--checkpoint <file>', 'a signed checkpoint seen earlier: the bundle must be consistent with it')
    .action(async (file: string, opts: { vkey?: string; checkpoint?: string }, cmd: Command) => {
      const o = cliOptions(cmd);
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(file, 'utf8'));
      } catch (cause) {
        throw new AppError('AUDIT_BUNDLE_INVALID', `cannot read ${file} as JSON`, { cause });
      }
      const report: BundleReport = verifyBundle(parsed, {
        ...trust(opts.vkey),
        ...(opts.checkpoint ? { earlierCheckpoint: readFileSync(opts.checkpoint, 'utf8') } : {}),
      });
      const ok = divergences(report.findings).length === 0;
      if (o.json) out(JSON.stringify({ ok, ...report }, null, 2));
      else {
        out(
          ok
            ? `bundle verified: ${report.eventsVerified} event(s) proven in the signed tree of ${report.treeSize}`
            : `BUNDLE NOT VERIFIED: ${divergences(report.findings).length} problem(s)`,
        );
      }
      judge(report.findings);
    });

  audit
    .command('replay')
    .description('re-read every topic from the beginning and check the whole log; writes a JSON and a Markdown report')
    .option('--vkey <vkey>', 'the published log key (default: the one the log names, with a notice)')
    .addOption(new Option('--brokers <list>', 'Kafka bootstrap servers: read the bus from Kafka').env('KAFKA_BROKERS'))
    .addOption(
      new Option('--database-url <url>', 'PostgreSQL of the hub (the embedded log, or --from-database)').env(
        'DATABASE_URL',
      ),
    )
    .addOption(
      new Option('--data-dir <dir>', 'embedded data folder (the hub must be stopped: it locks it)')
        .env('ONCEONLY_DATA_DIR')
        .default('.onceonly'),
    )
    .option('--from-database', 'read the stored log from the database instead of asking the hub')
    .option('--no-bus', 'check the stored log alone (signatures, roots, leaves, sequences)')
    .addOption(
      new Option(
        '--projection <name>',
        'rebuild this state from the events and compare it with the service that holds it; fail if that service does not answer (default: certificate-status, compared when the hub answers)',
      ).choices(PROJECTION_NAMES),
    )
    .option('--no-projection', 'do not rebuild state from the events nor compare it with the services')
    .option('--report <prefix>', 'report files: <prefix>.json and <prefix>.md', 'audit-replay')
    .action(
      async (
        opts: {
          vkey?: string;
          brokers?: string;
          databaseUrl?: string;
          dataDir: string;
          fromDatabase?: boolean;
          bus: boolean;
          projection?: ProjectionName | false;
          report: string;
        },
        cmd: Command,
      ) => {
        const o = cliOptions(cmd);
        const opened: Array<() => Promise<void>> = [];
        try {
          const needsDb = opts.fromDatabase || (opts.bus && !opts.brokers);
          const db = needsDb ? await openStore(opts) : undefined;
          if (db) opened.unshift(() => db.close());
          let log: ReplayLogSource;
          if (opts.fromDatabase && db) log = databaseLogSource(db);
          else {
            const c = client(o);
            opened.unshift(async () => c.close());
            log = grpcLogSource(c, o);
          }
          let bus: ReplayBusSource | undefined;
          if (opts.bus) {
            const transport = await openTransport(opts, db);
            opened.unshift(() => transport.close());
            bus = transportBusSource(transport);
          }
          const projections = await openProjections(opts.projection, o);
          opened.unshift(async () => projections.close());
          const report = await replay({
            log,
            ...(bus ? { bus } : {}),
            ...(opts.vkey ? { verifierKey: opts.vkey } : {}),
            projections: projections.checks,
            skippedProjections: projections.skipped,
            progress: progress(),
          });
          writeFileSync(`${opts.report}.json`, `${JSON.stringify(report, null, 2)}\n`);
          writeFileSync(`${opts.report}.md`, replayMarkdown(report));
          const rebuilt = report.projections
            .map(
              (p) =>
                `, ${p.name}: ${p.keys} rebuilt, ${p.skipped === undefined ? `${p.compared} compared` : 'not compared'}`,
            )
            .join('');
          const summary = `${report.ok ? 'replay: no divergence' : `replay: ${report.divergences} divergence(s)`} in ${report.entries} entries, ${report.checkpointsVerified}/${report.checkpoints} checkpoints, ${report.busRecords} bus records${rebuilt}; reports ${opts.report}.json and ${opts.report}.md`;
          if (o.json) out(JSON.stringify(report, null, 2));
          else out(summary);
          judge(report.findings);
        } finally {
          for (const close of opened) await close().catch(() => undefined);
        }
      },
    );
}

/**
 * The projections of a replay. By name (`--projection`): compared with their service, which must answer. By default:
 * compared when the service answers on `--addr` (grpc.health.v1), else still rebuilt and their events checked, and
 * the comparison reported as skipped. `--no-projection`: none. The service is read as the caller the global options
 * name (`--as`/`--role` or the mTLS certificate); GetCertificate answers any caller but a platform.
 */
async function openProjections(
  choice: ProjectionName | false | undefined,
  o: ClientOptions,
): Promise<{
  checks: ProjectionCheck<unknown, unknown>[];
  skipped: { name: string; reason: string }[];
  close(): void;
}> {
  if (choice === false) {
    const reason = 'not asked for (--no-projection)';
    return { checks: [], skipped: PROJECTION_NAMES.map((name) => ({ name, reason })), close: () => undefined };
  }
  const name = choice ?? CERTIFICATE_STATUS;
  const { service } = PROJECTIONS[name];
  const status = await checkHealth(o, service).catch((err: unknown) => toAppError(err).message);
  if (status !== 'SERVING') {
    const why = `${service} at ${o.addr} is not serving (${status})`;
    if (choice !== undefined) throw new AppError('UNAVAILABLE', `--projection ${name}: ${why}`);
    return { checks: [certificateStatusCheck(undefined, { skipped: why })], skipped: [], close: () => undefined };
  }
  const c = new certificateV1.CertificateServiceClient(o.addr, channelCredentials(o));
  const lookup = async (id: string) => {
    try {
      return (await call(c.getCertificate.bind(c), { ref: { $case: 'id', value: id } }, o)).certificate;
    } catch (err) {
      if (isAppError(err, 'CERT_NOT_FOUND')) return undefined;
      throw err;
    }
  };
  return { checks: [certificateStatusCheck(lookup)], skipped: [], close: () => c.close() };
}

function trust(vkey: string | undefined): { verifierKey?: string } {
  return vkey ? { verifierKey: vkey } : {};
}

function eventOf(e: auditV1.Event): AuditBundle['events'][number]['event'] {
  return {
    id: e.id,
    source: e.source,
    type: e.type,
    subject: e.subject,
    time: e.time,
    specversion: e.specversion,
    datacontenttype: e.datacontenttype,
    dataschema: e.dataschema,
    sequence: e.sequence,
    data: Buffer.from(e.data).toString('base64'),
  };
}

function bundleOf(checkpoint: auditV1.Checkpoint, verifierKey: string, events: AuditBundle['events']): AuditBundle {
  return {
    format: 'onceonly.audit.bundle/v1',
    origin: checkpoint.origin,
    verifierKey,
    checkpoint: checkpoint.signedNote,
    treeSize: Number(checkpoint.size),
    rootHash: hex(checkpoint.rootHash),
    subject: '',
    exportedAt: new Date().toISOString(),
    events,
  };
}

/** The stored log over gRPC, for `replay` against a running hub. */
function grpcLogSource(c: auditV1.AuditServiceClient, o: ClientOptions): ReplayLogSource {
  return {
    async info() {
      const info = await call(c.getLogInfo.bind(c), {}, o);
      return {
        origin: info.origin,
        verifierKeys: [info.verifierKey],
        size: Number(info.treeSize),
        topics: info.topics,
      };
    },
    async checkpoints() {
      const all = [];
      let pageToken = '';
      do {
        const page = await call(c.listCheckpoints.bind(c), { page: { pageSize: 1000, pageToken } }, o);
        all.push(...page.checkpoints.map((cp) => ({ size: Number(cp.size), signedNote: cp.signedNote })));
        pageToken = page.page?.nextPageToken ?? '';
      } while (pageToken);
      return all;
    },
    async *entries(size) {
      for (let start = 0; start < size; ) {
        const end = Math.min(size, start + 1000);
        const { entries } = await call(
          c.getEntries.bind(c),
          { start: String(start), end: String(end), omitData: false },
          o,
        );
        if (entries.length === 0) throw new AppError('INTERNAL', `the hub returned no entries from ${start}`);
        for (const e of entries) {
          yield {
            leafIndex: Number(e.leafIndex),
            canonical: e.canonical,
            leafHash: e.leafHash,
            data: e.event?.data ?? Buffer.alloc(0),
            topic: e.topic,
            partition: e.partition,
            offset: e.offset,
          };
        }
        // a missing leaf shows as a jump in the indexes; continue after the last one returned
        start = Number(entries.at(-1)!.leafIndex) + 1;
      }
    },
    async consistencyProof(first, second) {
      const proof = await call(
        c.getConsistencyProof.bind(c),
        { firstSize: String(first), secondSize: String(second) },
        o,
      );
      return proof.hashes;
    },
    async findEvent(eventId) {
      try {
        const { entry } = await call(c.getEvent.bind(c), { eventId }, o);
        return entry ? Number(entry.leafIndex) : undefined;
      } catch (err) {
        if (isAppError(err, 'AUDIT_EVENT_NOT_FOUND')) return undefined;
        throw err;
      }
    },
  };
}

/** `export` over gRPC. */
function grpcExportSource(c: auditV1.AuditServiceClient, o: ClientOptions): ExportSource {
  return {
    async latest() {
      const { checkpoint, verifierKey } = await call(c.getCheckpoint.bind(c), {}, o);
      if (!checkpoint) throw new AppError('AUDIT_CHECKPOINT_NOT_FOUND', 'the log has no checkpoint yet');
      return { verifierKey, signedNote: checkpoint.signedNote };
    },
    async *entriesOf(subject) {
      let pageToken = '';
      do {
        const page = await call(
          c.searchEvents.bind(c),
          {
            subject,
            type: '',
            source: '',
            timeFrom: '',
            timeTo: '',
            page: { pageSize: 500, pageToken },
            omitData: false,
          },
          o,
        );
        for (const e of page.entries) {
          yield { leafIndex: Number(e.leafIndex), canonical: e.canonical, data: e.event?.data ?? Buffer.alloc(0) };
        }
        pageToken = page.page?.nextPageToken ?? '';
      } while (pageToken);
    },
    async inclusionProof(leafIndex, treeSize) {
      const proof = await call(
        c.getInclusionProof.bind(c),
        { leaf: { $case: 'leafIndex', value: String(leafIndex) }, treeSize: String(treeSize) },
        o,
      );
      return proof.hashes;
    },
    async consistencyProof(first, second) {
      const proof = await call(
        c.getConsistencyProof.bind(c),
        { firstSize: String(first), secondSize: String(second) },
        o,
      );
      return proof.hashes;
    },
  };
}

async function openStore(opts: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  if (opts.databaseUrl) return openDatabase({ url: opts.databaseUrl });
  const dataDir = join(opts.dataDir, 'pgdata');
  // never create an empty database here: a replay against nothing would find nothing wrong
  if (!existsSync(dataDir)) {
    throw new AppError('CONFIG_INVALID', `no embedded database in ${opts.dataDir} (set --data-dir or --database-url)`);
  }
  return openDatabase({ dataDir });
}

async function openTransport(opts: { brokers?: string }, db: Database | undefined): Promise<EventTransport> {
  if (opts.brokers) return createKafkaTransport({ brokers: opts.brokers, clientId: 'onceonly-audit-replay' });
  if (!db) throw new AppError('CONFIG_MISSING', 'the embedded log needs --database-url or --data-dir');
  return createEmbeddedTransport({ db });
}

/** A progress bar with the rate on a terminal; plain lines (every 10 %) otherwise. */
function progress(): ReplayProgress {
  const tty = process.stderr.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  let phase = '';
  let total = 0;
  let started = Date.now();
  let lastLine = -1;
  return {
    phase(name, size) {
      bar?.stop();
      phase = name;
      total = size;
      started = Date.now();
      lastLine = -1;
      if (tty && size > 0) {
        bar = new cliProgress.SingleBar(
          { format: `${name.padEnd(6)} [{bar}] {percentage}% {value}/{total} {rate}/s`, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        );
        bar.start(size, 0, { rate: 0 });
      } else if (!tty) process.stderr.write(`replay: ${name}: ${size} to read\n`);
    },
    advance(done) {
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      const rate = Math.round(done / seconds);
      if (bar) {
        bar.update(done, { rate });
        if (done >= total) bar.stop();
        return;
      }
      const tenth = total > 0 ? Math.floor((10 * done) / total) : 10;
      if (tenth !== lastLine) {
        lastLine = tenth;
        process.stderr.write(`replay: ${phase}: ${done}/${total} (${rate}/s)\n`);
      }
    },
  };
}
