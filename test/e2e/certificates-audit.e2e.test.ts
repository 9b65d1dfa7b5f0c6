import { createHash, createPublicKey, randomUUID, verify as verifySignature } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CliRun,
  freshDatabase,
  type HubProcess as Hub,
  type PrivateBroker,
  runCli,
  runCliJson,
  startHubProcess,
  startPrivateBroker,
  stopProcess,
  type TestDatabase,
  waitFor,
} from '@onceonly/testing';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue 5, "Proof": on real Kafka and PostgreSQL, certificates issued and revoked through the built `onceonly` CLI
// are in the audit log exactly once, their proofs verify, the replay finds no divergence, and after tampering it
// names exactly the tampering. Everything runs as a user runs it: the built CLI (`services/hub/dist/main.js`, built by
// `npx turbo run build` before the tests) in child processes, the hub in external mode.
//
// Kafka: a broker of this file's own (deploy/kafka/kafka.sh with a temporary state folder), not the run's. A hub's
// topics (`onceonly.certificate.v1`, ...) and its audit consumer group (`onceonly-audit`) have fixed names, so on a
// shared broker the fresh log would take in every other hub's events from the group's committed offsets on, and a
// replay of the whole bus would (rightly) report thousands of divergences that are not this test's.

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(REPO, 'services/hub/dist/main.js');

/** 上海市普陀区市场监督管理局, which issues food business licences (services/certificate/src/domain/departments.ts). */
const MARKET = '11310107MB2F03587N';
/** 食品经营许可证. */
const FOOD_LICENCE = '11100000000013338W002';
const CHECKPOINT_TOPIC = 'onceonly.audit.checkpoints.v1';
const SECRETS = {
  ONCEONLY_KEY_PASSPHRASE: 'e2e-certificates-audit-passphrase-0123456789',
  ONCEONLY_HOLDER_HASH_KEY: 'e2e-certificates-audit-holder-hash-key-0123456789',
  // the materials service's content key (32 bytes, base64): required outside embedded mode
  ONCEONLY_MATERIALS_KEY: Buffer.alloc(32, 1).toString('base64'),
};

// ---- identifiers ----

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** A unified social credit code (GB 32100-2015): the 17 characters and their check character. */
function uscc(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(first17.charAt(i)) * USCC_WEIGHTS[i]!;
  return `${first17}${USCC_ALPHABET.charAt((31 - (sum % 31)) % 31)}`;
}

const CITIZEN_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** A citizen ID (GB 11643-1999): the 17 digits and their ISO 7064 MOD 11-2 check character. */
function citizenId(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17.charAt(i)) * CITIZEN_WEIGHTS[i]!;
  return `${first17}${'10X98765432'.charAt(sum % 11)}`;
}

// ---- RFC 6962 / 9162 and C2SP signed notes, recomputed here rather than trusted to the CLI ----

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

const hex = (h: string) => Buffer.from(h, 'hex');

/** RFC 9162 §2.1.3.2: verifies an inclusion proof. */
function verifyInclusion(leafHash: Buffer, index: number, size: number, proof: Buffer[], root: Buffer): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = sha256(Buffer.from([1]), p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = sha256(Buffer.from([1]), r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** Opens a C2SP signed checkpoint with a vkey (`name+keyid+base64(0x01 || Ed25519 key)`); throws unless it verifies. */
function openCheckpoint(note: string, vkey: string): { origin: string; size: number; root: Buffer } {
  // name+keyid+key: the base64 key may itself contain '+', so split at the first two only
  const [name, keyId, ...rest] = vkey.split('+');
  const key = Buffer.from(rest.join('+'), 'base64');
  expect(key[0]).toBe(1); // Ed25519
  expect(
    sha256(Buffer.from(`${name}\n`), key)
      .subarray(0, 4)
      .toString('hex'),
  ).toBe(keyId);
  const split = note.indexOf('\n\n');
  const text = note.slice(0, split + 1);
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: key.subarray(1).toString('base64url') },
    format: 'jwk',
  });
  const signatures = note
    .slice(split + 2)
    .split('\n')
    .filter((line) => line.startsWith(`\u2014 ${name} `))
    .map((line) => Buffer.from(line.slice(`\u2014 ${name} `.length), 'base64'))
    .filter((sig) => sig.subarray(0, 4).toString('hex') === keyId);
  expect(signatures.some((sig) => verifySignature(null, Buffer.from(text), publicKey, sig.subarray(4)))).toBe(true);
  const [origin, size, root] = text.split('\n');
  return { origin: origin!, size: Number(size), root: Buffer.from(root!, 'base64') };
}

// ---- child processes (libs/testing's helpers) ----

/** Runs the CLI to its end (bounded): the environment holds nothing but what is given. */
const cli = (args: string[], cwd: string, timeoutMs = 30_000) => runCli(MAIN, args, { cwd, timeoutMs });
/** Runs the CLI and parses its JSON output; fails with its output unless it exits 0. */
const cliJson = <T = Record<string, unknown>>(args: string[], cwd: string) => runCliJson<T>(MAIN, args, { cwd });
/** `onceonly start` (every module) with the file's secrets, at the hub's default log level. */
const startHub = (env: NodeJS.ProcessEnv): Promise<Hub> =>
  startHubProcess(MAIN, ['start'], {
    env: { ONCEONLY_LOG_LEVEL: 'info', ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ...SECRETS, ...env },
    timeoutMs: 120_000,
  });

/** The JSON log lines of a hub's output with the given message. */
function logLines(output: string, msg: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg);
}

// ---- a Kafka broker of this file's own ----

/** Starts a single-node broker with an empty state folder (the jars of the repository's broker, when fetched). */
const startBroker = (stateDir: string): Promise<PrivateBroker> => startPrivateBroker(REPO, stateDir);

interface BusRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Every record of the topics, from the beginning up to their ends as they are now, with a throwaway group. */
async function readTopics(kafka: Kafka, topics: readonly string[], timeoutMs = 30_000): Promise<BusRecord[]> {
  const ends = new Map<string, bigint>();
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}/${p.partition}`, BigInt(p.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const records: BusRecord[] = [];
  if (ends.size === 0) return records;
  const consumer = kafka.consumer({ groupId: `onceonly-e2e-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    const pending = new Set(ends.keys());
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${[...pending].join(', ')} not read to the end within ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            const at = `${topic}/${partition}`;
            const end = ends.get(at);
            const offset = BigInt(message.offset);
            if (end === undefined || offset >= end) return;
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(message.headers ?? {})) {
              headers[name] = Array.isArray(value) ? value.map(String).join(',') : String(value ?? '');
            }
            records.push({ topic, partition, offset: message.offset, key: message.key, value: message.value, headers });
            if (offset === end - 1n) pending.delete(at);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

// ---- the replay report ----

interface Finding {
  kind: string;
  severity: 'divergence' | 'notice';
  message: string;
  leafIndex?: number;
  eventId?: string;
  size?: number;
  source?: string;
}

interface ReplayReport {
  ok: boolean;
  divergences: number;
  treeSize: number;
  entries: number;
  checkpoints: number;
  checkpointsVerified: number;
  busRecords: number;
  busEventsMatched: number;
  findings: Finding[];
  projections: Array<{ name: string; keys: number; compared: number; divergences: number; skipped?: string }>;
}

interface Proof {
  eventId: string;
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  proof: string[];
  rootHash: string;
  canonical: string;
  signedNote: string;
  verified: boolean;
}

describe('certificates issued through the CLI are in the audit log exactly once (Kafka, PostgreSQL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onceonly-e2e-certs-audit-'));
  const keysDir = join(dir, 'keys-hub');
  const kafkaDir = mkdtempSync(join(tmpdir(), 'onceonly-e2e-kafka-'));
  let broker: PrivateBroker | undefined;
  let kafka: Kafka;
  let db: TestDatabase | undefined;
  let embedded: Hub | undefined;
  let hub: Hub | undefined;
  /** The log key as the embedded start published it when it generated the key: pinned in every check. */
  let vkey = '';
  /** The topics the log reads, as the audit module named them at start. */
  let auditedTopics: string[] = [];

  const holderA = uscc('91310107MA1H2B3C4');
  const holderB = uscc('91310107MA1J5K6L7');
  const citizen = citizenId('31010719880315123');
  const certificates: Record<'a' | 'b' | 'citizen', string> = { a: '', b: '', citizen: '' };
  /** The audited topics' records and the log's proofs, once a checkpoint covers every event. */
  let bus: BusRecord[] = [];
  const proofs = new Map<string, Proof>();
  let treeSize = 0;

  const as = (caller: string) => ['--addr', hub!.address, '--as', caller];

  beforeAll(async () => {
    const [started] = await Promise.all([
      startBroker(kafkaDir),
      // external mode needs the hub CA and the audit key: an embedded start generates them under the same passphrase
      (async () => {
        embedded = await startHub({ ONCEONLY_DATA_DIR: keysDir });
        expect(await stopProcess(embedded.child)).toBe(0);
      })(),
    ]);
    broker = started;
    kafka = new Kafka({ clientId: 'onceonly-e2e', brokers: broker.brokers.split(','), logLevel: logLevel.NOTHING });
    const generated = logLines(embedded!.output(), 'generated a development audit signing key');
    vkey = String(generated[0]?.verifierKey ?? '');
    expect(vkey).toMatch(/^onceonly\.gov\.cn\/audit\/dev\+[0-9a-f]{8}\+/);

    db = await freshDatabase('e2e_certs_audit');
    hub = await startHub({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: broker.brokers,
      ONCEONLY_CA_CERT: join(keysDir, 'keys', 'ca.pem'),
      ONCEONLY_CA_KEY: join(keysDir, 'keys', 'ca.key.pem'),
      ONCEONLY_AUDIT_NOTE_KEY: readFileSync(join(keysDir, 'keys', 'audit-note.key'), 'utf8').trim(),
      ONCEONLY_AUDIT_CHECKPOINT_MS: '500',
      ONCEONLY_LOG_LEVEL: 'debug',
    });
  }, 120_000);

  afterAll(async () => {
    await stopProcess(hub?.child);
    await stopProcess(embedded?.child);
    await broker?.stop().catch(() => undefined);
    await db?.drop();
    // the jars are the repository's: unlink them before the state folder goes
    const jars = join(kafkaDir, 'lib');
    if (lstatSync(jars, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(jars);
    rmSync(kafkaDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('starts in external mode, the audit log reading every topic of the hub', async () => {
    expect(hub!.readyLine).toMatch(/mode=external storage=postgres events=kafka/);
    // the hub's log is written asynchronously: under load its lines may follow the ready line
    const started = await waitFor(() => logLines(hub!.output(), 'audit log started')[0], {
      message: 'the line "audit log started"',
      timeoutMs: 10_000,
    });
    expect(started).toMatchObject({ verifierKey: vkey });
    auditedTopics = [...(started!.topics as string[])].sort();
    expect(auditedTopics).toContain('onceonly.certificate.v1');
    // every topic on this broker is audited but for the dead-letter topics and the checkpoint topic
    const admin = kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics().finally(() => admin.disconnect());
    const expected = topics.filter((t) => t.startsWith('onceonly.') && !t.endsWith('.dlq') && t !== CHECKPOINT_TOPIC);
    expect(auditedTopics).toEqual(expected.sort());
  });

  it('issues three food business licences, revokes one, suspends one and verifies one online', async () => {
    // the check characters computed here, against known codes (libs/ids/test/vectors/citizen-id-vectors.csv, the demo
    // market regulation department)
    expect(citizenId('31010719400122815')).toBe('310107194001228156');
    expect(uscc('11310107MB2F03587')).toBe(MARKET);
    const types = await cliJson<{
      types: Array<{
        typeCode: string;
        nameZh: string;
        issuerCodes: string[];
        fields: Array<{ key: string; required?: boolean }>;
      }>;
    }>([...as('anyone'), '--json', 'cert', 'types'], dir);
    const food = types.types.find((t) => t.typeCode === FOOD_LICENCE);
    expect(food).toMatchObject({ nameZh: '食品经营许可证' });
    expect(food!.issuerCodes).toContain(MARKET);

    // a seal is not provisioned outside the embedded mode: the department creates its licensing seal first
    await cliJson([...as(MARKET), '--json', 'seal', 'create'], dir);

    const fields = {
      legal_representative: '王芳',
      premises: '上海市普陀区长寿路100号',
      main_format: '餐饮服务经营者',
      business_items: '热食类食品制售',
    };
    const required = food!.fields.filter((f) => f.required).map((f) => f.key);
    expect(Object.keys(fields)).toEqual(expect.arrayContaining(required));
    writeFileSync(join(dir, 'fields.json'), JSON.stringify(fields));
    const issue = async (holder: string, name: string, key: string) => {
      const issued = await cliJson<{ certificate: { id: string; status: string; metadata: { holder: object } } }>(
        [
          ...as(MARKET),
          '--json',
          ...['cert', 'issue', '--type', FOOD_LICENCE, '--holder', holder, '--holder-name', name],
          ...['--fields', `@${join(dir, 'fields.json')}`, '--idempotency-key', key],
        ],
        dir,
      );
      expect(issued.certificate.status).toBe('LICENCE_STATUS_VALID');
      return issued.certificate;
    };
    certificates.a = (await issue(holderA, '上海普陀小笼包餐饮有限公司', `e2e-a-${randomUUID()}`)).id;
    certificates.b = (await issue(holderB, '上海长寿路便利店有限公司', `e2e-b-${randomUUID()}`)).id;
    const ofCitizen = await issue(citizen, '李娜', `e2e-c-${randomUUID()}`);
    certificates.citizen = ofCitizen.id;
    expect(ofCitizen.metadata.holder).toMatchObject({ codeType: 'HOLDER_CODE_TYPE_CITIZEN_ID' });

    const revoked = await cliJson<{ certificate: { status: string } }>(
      [
        ...as(MARKET),
        '--json',
        ...['cert', 'revoke', certificates.a, '--reason', '违法经营', '--legal-basis', '《食品安全法》第一百三十五条'],
      ],
      dir,
    );
    expect(revoked.certificate.status).toBe('LICENCE_STATUS_REVOKED');
    const suspended = await cliJson<{ certificate: { status: string } }>(
      [
        ...as(MARKET),
        '--json',
        ...['cert', 'suspend', certificates.citizen, '--reason', '存在食品安全隐患'],
        ...['--legal-basis', '《食品安全法》第一百二十六条'],
      ],
      dir,
    );
    expect(suspended.certificate.status).toBe('LICENCE_STATUS_SUSPENDED');

    // by id the licence face is shown to the issuer (others get the verdict only)
    const verified = await cli([...as(MARKET), 'cert', 'verify', certificates.b], dir);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(
      /^VALID\ngenuine {6}yes\nmay operate {2}yes\n食品经营许可证 JY\d+ 上海长寿路便利店有限公司 .* status valid/,
    );
  });

  it('signs a checkpoint that covers every event on the bus', async () => {
    const expectedTypes = [
      'hub.started',
      'seal.created',
      'certificate.issued',
      'certificate.issued',
      'certificate.issued',
      'certificate.revoked',
      'certificate.suspended',
      'certificate.verified',
      // 双公示 (issue 13, ADR 024): the credit service records each licence, follows its revocation and suspension,
      // and grades each new holder for the first time
      'credit.record.recorded',
      'credit.record.recorded',
      'credit.record.recorded',
      'credit.record.updated',
      'credit.record.updated',
      'credit.grade.changed',
      'credit.grade.changed',
      'credit.grade.changed',
    ].sort();
    await waitFor(
      async () => {
        const records = await readTopics(kafka, auditedTopics);
        const types = records.map((r) => r.headers.ce_type ?? '');
        if (JSON.stringify(types.sort()) !== JSON.stringify(expectedTypes)) {
          throw new Error(`the bus holds ${types.join(', ')}`); // named in the timeout's cause
        }
        const checkpoint = await cliJson<{ treeSize: number; verified: boolean }>(
          ['--addr', hub!.address, '--role', 'auditor', '--json', 'audit', 'checkpoint', '--vkey', vkey],
          dir,
        );
        const ids = new Set(records.map((r) => r.headers.ce_id));
        if (!checkpoint.verified || checkpoint.treeSize !== ids.size) return false;
        bus = records;
        treeSize = checkpoint.treeSize;
        return true;
      },
      { timeoutMs: 45_000, intervalMs: 500, message: 'a signed checkpoint of every event on the bus' },
    );
  }, 60_000);

  it('holds every event exactly once: distinct leaves, proofs that verify, the same events as the bus', async () => {
    const byId = new Map(bus.map((r) => [r.headers.ce_id!, r]));
    expect(byId.size).toBe(treeSize);
    for (const [id, record] of byId) {
      // in the checkpoint of treeSize: each read is itself logged, so the tree grows as the proofs are fetched
      const p = await cliJson<Proof>(
        [
          ...as('AUDITOR-1'),
          '--role',
          'auditor',
          '--json',
          'audit',
          'prove',
          id,
          '--vkey',
          vkey,
          '--size',
          `${treeSize}`,
        ],
        dir,
      );
      expect(p).toMatchObject({ eventId: id, treeSize, verified: true });
      // recomputed here: the leaf, the proof and the signed root
      const canonical = Buffer.from(p.canonical, 'utf8');
      expect(sha256(Buffer.from([0]), canonical).toString('hex')).toBe(p.leafHash);
      expect(verifyInclusion(hex(p.leafHash), p.leafIndex, p.treeSize, p.proof.map(hex), hex(p.rootHash))).toBe(true);
      const checkpoint = openCheckpoint(p.signedNote, vkey);
      expect(checkpoint).toMatchObject({ origin: 'onceonly.gov.cn/audit/dev', size: treeSize });
      expect(checkpoint.root.toString('hex')).toBe(p.rootHash);
      // the leaf is the bus's event: its attributes and the hash of its body
      const leaf = JSON.parse(p.canonical) as Record<string, string>;
      const h = record.headers;
      expect(leaf).toMatchObject({
        id,
        type: h.ce_type,
        source: h.ce_source,
        subject: h.ce_subject,
        time: h.ce_time,
        sequence: h.ce_sequence,
        datasha256: sha256(record.value ?? Buffer.alloc(0)).toString('hex'),
      });
      proofs.set(id, p);
    }
    // one leaf per event, and every leaf of the tree is one of them
    const indexes = [...proofs.values()].map((p) => p.leafIndex).sort((x, y) => x - y);
    expect(indexes).toEqual([...Array(treeSize).keys()]);
    // the certificates' events, by certificate: issued for each, then the acts on them
    const typesOf = (subjectRecords: BusRecord[]) => subjectRecords.map((r) => r.headers.ce_type);
    const certificateEvents = bus.filter((r) => r.topic === 'onceonly.certificate.v1');
    expect(typesOf(certificateEvents.filter((r) => r.headers.ce_subject === holderA))).toEqual([
      'certificate.issued',
      'certificate.revoked',
    ]);
    expect(typesOf(certificateEvents.filter((r) => r.headers.ce_subject === holderB))).toEqual([
      'certificate.issued',
      'certificate.verified',
    ]);
    const ofCitizen = certificateEvents.filter((r) => r.headers.ce_subject?.startsWith('h:'));
    expect(typesOf(ofCitizen)).toEqual(['certificate.issued', 'certificate.suspended']);
    // one CLI process per event, one after another: a few seconds each on a loaded machine
  }, 180_000);

  it('replays against the running hub: no divergence, and the certificates rebuilt from the events are the service’s', async () => {
    const report = join(dir, 'live');
    const run = await cli(
      [
        ...['--addr', hub!.address, '--role', 'auditor', 'audit', 'replay', '--brokers', broker!.brokers],
        ...['--database-url', db!.url, '--from-database', '--projection', 'certificate-status'],
        ...['--vkey', vkey, '--report', report],
      ],
      dir,
    );
    expect(run.stderr).not.toContain('DIVERGENCE');
    expect(run.code).toBe(0);
    const json = JSON.parse(readFileSync(`${report}.json`, 'utf8')) as ReplayReport;
    // the log holds the events of the bus and, since, the records of the auditor's reads (themselves on the bus)
    expect(json).toMatchObject({ ok: true, divergences: 0, entries: json.treeSize, busEventsMatched: json.treeSize });
    expect(json.treeSize).toBeGreaterThan(treeSize);
    expect(json.checkpointsVerified).toBe(json.checkpoints);
    expect(json.findings.filter((f) => f.severity === 'divergence')).toEqual([]);
    expect(json.projections).toEqual([
      expect.objectContaining({ name: 'certificate-status', keys: 3, compared: 3, divergences: 0 }),
    ]);
    expect(readFileSync(`${report}.md`, 'utf8')).toContain('certificate-status');
  }, 60_000);

  it('replays the external hub from a shell without KAFKA_BROKERS nor DATABASE_URL: through the hub, never a leftover folder', async () => {
    // the shell of issue 9: a leftover embedded data folder (of this very log key) where the auditor runs the CLI
    const shell = join(dir, 'auditor-shell');
    mkdirSync(shell);
    symlinkSync(keysDir, join(shell, '.onceonly'));
    const report = join(shell, 'through-hub');
    const run = await cli(
      [
        ...['--addr', hub!.address, 'audit', 'replay', '--projection', 'certificate-status'],
        ...['--vkey', vkey, '--report', report],
      ],
      shell,
    );
    expect(run.code, run.stderr).toBe(0);
    const at = hub!.address;
    expect(run.stdout.split('\n')[0]).toBe(
      `replay: log from hub ${at}, bus from hub ${at}, projections compared with hub ${at}`,
    );
    const json = JSON.parse(readFileSync(`${report}.json`, 'utf8')) as ReplayReport;
    // the log holds the bus's events and, since, the records of the auditors' reads (themselves on the bus)
    expect(json).toMatchObject({ ok: true, divergences: 0, entries: json.treeSize, busEventsMatched: json.treeSize });
    expect(json.treeSize).toBeGreaterThan(treeSize);
    expect(json.findings.map((f) => f.kind)).not.toContain('EVENT_MISSING_FROM_LOG');
    expect(json.projections).toEqual([
      expect.objectContaining({ name: 'certificate-status', keys: 3, compared: 3, divergences: 0 }),
    ]);
  }, 60_000);

  it('refuses to compare the leftover embedded log with the external hub, though they share a key', async () => {
    const report = join(dir, 'leftover');
    const run = await cli(
      [
        ...['--addr', hub!.address, '--json', 'audit', 'replay', '--from-database', '--data-dir', keysDir],
        ...['--projection', 'certificate-status', '--vkey', vkey, '--report', report],
      ],
      dir,
    );
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stderr.trim().split('\n').at(-1)!).error.code).toBe('AUDIT_SOURCE_MISMATCH');
    expect(existsSync(`${report}.json`)).toBe(false);
  }, 60_000);

  it('stops cleanly, and the replay of the stopped hub from its database finds no divergence', async () => {
    expect(await stopProcess(hub!.child)).toBe(0);
    const report = await replayStopped('stopped');
    expect(report.run.code).toBe(0);
    expect(report.json).toMatchObject({ ok: true, divergences: 0 });
    expect(report.json.entries).toBeGreaterThan(treeSize);
    // what the hub published while it stopped (after its audit consumer) is not in the log yet: a notice
    for (const f of report.json.findings) expect(['PROJECTION_SKIPPED', 'EVENT_NOT_YET_LOGGED']).toContain(f.kind);
  }, 60_000);

  it('keeps the citizen ID out of every Kafka record and out of the hub’s output', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics().finally(() => admin.disconnect());
    const records = await readTopics(
      kafka,
      topics.filter((t) => !t.startsWith('__')),
    );
    expect(records.length).toBeGreaterThan(treeSize);
    const id = Buffer.from(citizen, 'utf8');
    // the citizen's certificate is on the bus (so this looks at the right records), its holder's ID is not
    expect(records.some((r) => r.value?.includes(certificates.citizen))).toBe(true);
    for (const r of records) {
      const where = `${r.topic}/${r.partition}@${r.offset}`;
      expect(r.key?.includes(id) ?? false, `key of ${where}`).toBe(false);
      expect(r.value?.includes(id) ?? false, `value of ${where}`).toBe(false);
      expect(JSON.stringify(r.headers), `headers of ${where}`).not.toContain(citizen);
    }
    expect(hub!.output()).toContain('"msg":"stopped"');
    expect(hub!.output()).not.toContain(citizen);
    expect(embedded!.output()).not.toContain(citizen);
  }, 60_000);

  /** `audit replay` of the stopped hub: the log from its database, the bus from Kafka. */
  async function replayStopped(name: string): Promise<{ run: CliRun; json: ReplayReport }> {
    const report = join(dir, name);
    const run = await cli(
      [
        ...['audit', 'replay', '--brokers', broker!.brokers, '--database-url', db!.url, '--from-database'],
        ...['--no-projection', '--vkey', vkey, '--report', report],
      ],
      dir,
    );
    return { run, json: JSON.parse(readFileSync(`${report}.json`, 'utf8')) as ReplayReport };
  }

  /** Runs `fn` with a client on the hub's database. */
  async function withDatabase<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: db!.url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  /** The leaf of the revocation of licence A: the one tampered with. */
  function revocation(): Proof {
    const record = bus.find((r) => r.headers.ce_type === 'certificate.revoked')!;
    return proofs.get(record.headers.ce_id!)!;
  }

  async function checkpointSizesAbove(client: pg.Client, index: number): Promise<number[]> {
    const { rows } = await client.query<{ size: string }>(
      'SELECT size FROM audit.checkpoints WHERE size > $1 ORDER BY size',
      [index],
    );
    return rows.map((r) => Number(r.size));
  }

  it('names exactly a leaf whose stored bytes were changed, and nothing once they are restored', async () => {
    const { leafIndex, eventId } = revocation();
    await withDatabase(async (client) => {
      const later = await checkpointSizesAbove(client, leafIndex);
      expect(later.length).toBeGreaterThan(0);
      const { rows } = await client.query<{ canonical: Buffer }>(
        'SELECT canonical FROM audit.leaves WHERE leaf_index = $1',
        [leafIndex],
      );
      const original = rows[0]!.canonical;
      expect(original.toString('utf8')).toBe(revocation().canonical);
      // the revocation made to read as a resumption
      const forged = Buffer.from(
        original.toString('utf8').replace('"type":"certificate.revoked"', '"type":"certificate.resumed"'),
      );
      expect(forged.equals(original)).toBe(false);
      await client.query('UPDATE audit.leaves SET canonical = $2 WHERE leaf_index = $1', [leafIndex, forged]);
      try {
        const { run, json } = await replayStopped('changed');
        expect(run.code).toBe(1);
        expect(run.stderr).toContain('AUDIT_VERIFICATION_FAILED');
        expect(run.stderr).toContain(`DIVERGENCE LEAF_HASH_MISMATCH: leaf ${leafIndex}`);
        const divergences = json.findings.filter((f) => f.severity === 'divergence');
        const kinds = new Set(divergences.map((f) => f.kind));
        expect(kinds).toContain('LEAF_HASH_MISMATCH');
        expect(kinds).toContain('EVENT_ALTERED');
        const bySize = ['CHECKPOINT_ROOT_MISMATCH', 'SUBJECT_MAP_MISMATCH'];
        for (const f of divergences) {
          if (bySize.includes(f.kind)) continue;
          expect(['LEAF_HASH_MISMATCH', 'ENTRY_MISMATCH', 'EVENT_ALTERED']).toContain(f.kind);
          expect(f).toMatchObject({ leafIndex, eventId });
        }
        // every checkpoint signed after the leaf, and none before it: its root, and the subject map it signs (the
        // subject's chain commits to the leaf)
        const roots = divergences.filter((f) => f.kind === 'CHECKPOINT_ROOT_MISMATCH').map((f) => f.size);
        expect(roots).toEqual(later);
        const maps = divergences.filter((f) => f.kind === 'SUBJECT_MAP_MISMATCH').map((f) => f.size);
        expect(maps).toEqual(later);
      } finally {
        await client.query('UPDATE audit.leaves SET canonical = $2 WHERE leaf_index = $1', [leafIndex, original]);
      }
      const restored = await replayStopped('restored');
      expect(restored.run.code).toBe(0);
      expect(restored.json).toMatchObject({ ok: true, divergences: 0 });
    });
  }, 60_000);

  it('names exactly a deleted leaf', async () => {
    const { leafIndex, eventId, canonical } = revocation();
    const sequence = (JSON.parse(canonical) as { sequence: string; source: string }).sequence;
    await withDatabase(async (client) => {
      const later = await checkpointSizesAbove(client, leafIndex);
      await client.query('CREATE TEMP TABLE deleted_leaf AS SELECT * FROM audit.leaves WHERE leaf_index = $1', [
        leafIndex,
      ]);
      const { rowCount } = await client.query('DELETE FROM audit.leaves WHERE leaf_index = $1', [leafIndex]);
      expect(rowCount).toBe(1);
      try {
        const { run, json } = await replayStopped('deleted');
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(`DIVERGENCE LEAF_MISSING: leaf ${leafIndex} is missing from the log`);
        expect(run.stderr).toContain(`DIVERGENCE EVENT_MISSING_FROM_LOG: event ${eventId}`);
        const divergences = json.findings.filter((f) => f.severity === 'divergence');
        expect(divergences).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ kind: 'LEAF_MISSING', leafIndex }),
            expect.objectContaining({ kind: 'EVENT_MISSING_FROM_LOG', eventId }),
          ]),
        );
        for (const f of divergences) {
          switch (f.kind) {
            case 'LEAF_MISSING':
              expect(f.leafIndex).toBe(leafIndex);
              break;
            case 'EVENT_MISSING_FROM_LOG':
              expect(f.eventId).toBe(eventId);
              break;
            case 'SEQUENCE_GAP':
              // the deleted event's own number, of its own source
              expect(f).toMatchObject({ source: '/onceonly/certificate' });
              expect(f.message).toMatch(new RegExp(`sequence ${sequence} never arrived`));
              break;
            case 'TREE_SIZE_MISMATCH':
              {
                // the log also holds the records of the auditor's reads: one leaf fewer than it holds
                const [, holds, returned] = /holds (\d+) leaves and returned (\d+)/.exec(f.message) ?? [];
                expect(Number(returned)).toBe(Number(holds) - 1);
                expect(Number(holds)).toBeGreaterThan(treeSize);
              }
              break;
            case 'CHECKPOINT_ROOT_MISMATCH':
            case 'CHECKPOINT_INCONSISTENT':
            case 'CHECKPOINT_BEYOND_LOG':
              // only checkpoints that hold the deleted leaf
              expect(later).toContain(f.size);
              break;
            case 'CAUSE_UNKNOWN':
              // an event the deleted one caused (the credit service's record following the revocation, ADR 024)
              // names it as its cause: a leaf after it, and the deleted event's id in the words
              expect(f.leafIndex).toBeGreaterThan(leafIndex);
              expect(f.message).toContain(eventId);
              continue;
            default:
              throw new Error(`unexpected finding ${f.kind}: ${f.message}`);
          }
          if (f.leafIndex !== undefined) expect(f.leafIndex).toBe(leafIndex);
          if (f.eventId !== undefined) expect(f.eventId).toBe(eventId);
        }
      } finally {
        await client.query('INSERT INTO audit.leaves SELECT * FROM deleted_leaf');
      }
      const restored = await replayStopped('reinserted');
      expect(restored.run.code).toBe(0);
      expect(restored.json).toMatchObject({ ok: true, divergences: 0 });
    });
  }, 60_000);
});
