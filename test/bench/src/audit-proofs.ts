import { randomUUID } from 'node:crypto';
import {
  appendPort,
  checkpointStore,
  getInclusionProof,
  hashReader,
  LatestCheckpoint,
  type LoggableEvent,
  leafOf,
  logReader,
  migrateAudit,
  signCheckpoint,
  UpperNodes,
} from '@onceonly/audit';
import {
  CompactRange,
  generateNoteKey,
  inclusionProof,
  MemoryTree,
  parseSignerKey,
  type SubtreeNode,
  verifyInclusion,
} from '@onceonly/merkle';
import type { Database } from '@onceonly/store';
import { AUDIT_BENCH_SOURCES, AUDIT_BENCH_TYPE } from './audit-events.js';
import { countingDatabase } from './counting-database.js';
import { profiled } from './cpu-profile.js';
import { progress } from './progress.js';
import { type Latency, nowMs, summarise } from './stats.js';
import { fmt, type Ratio, type Suite } from './suite.js';

/** What the inclusion-proof measurement found. */
export interface ProofResult {
  treeSize: number;
  /** Seconds to generate and bulk-load the leaves and nodes, and to VACUUM ANALYZE. */
  loadSeconds: number;
  loadedPerSecond: number;
  leavesBytes: number;
  nodesBytes: number;
  nodes: number;
  proofs: number;
  /** The service's HashReader over PostgreSQL alone + libs/merkle `inclusionProof`. */
  database: Latency;
  /** The same with the tree's upper levels in memory (`UpperNodes`, ADR 013), as the service runs it. */
  cached: Latency;
  /** What the upper levels took: nodes, bytes, the lowest level kept, and the first (full) read's seconds. */
  upper: { nodes: number; bytes: number; fromLevel: number; loadSeconds: number };
  /** The GetInclusionProof use case without gRPC, as the service runs it: the entry (with its body), the latest
   * checkpoint, the proof (upper levels in memory). */
  useCase: Latency;
  /** Statements the use case sent per proof (a counting wrapper of its database handle), over the timed proofs. */
  useCaseStatements: number;
  /** Use-case proofs that verified against the root of the checkpoint they came with, of that checkpoint's size. */
  useCaseVerified: number;
  /** libs/merkle `MemoryTree` + `inclusionProof`, in memory. */
  memory: Latency;
  /** Proofs that verified against the tree's root (verifyInclusion), and equalled the in-memory proof. */
  verified: number;
  hashesPerProof: number;
}

const BATCH = 10_000;
const NODE_CHUNK = 20_000; // 3 parameters per node: under PostgreSQL's 65,535
const WARM_UP = 50;
const TOPIC = 'onceonly.bench-audit-bulk.v1';

/** A small deterministic PRNG (mulberry32), so every run proves the same leaves. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Synthetic event `i` of the bulk load: the shape of the suite's Kafka events, with its per-source sequence. */
function syntheticEvent(i: number, base: number, body: Buffer): LoggableEvent {
  body.writeUInt32BE(i, 0);
  return {
    id: randomUUID(),
    source: `/onceonly/bench-audit-${(i % AUDIT_BENCH_SOURCES) + 1}`,
    type: AUDIT_BENCH_TYPE,
    subject: `holder-${i % 64}`,
    time: new Date(base + i).toISOString(),
    specversion: '1.0',
    datacontenttype: 'application/protobuf',
    dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
    sequence: String(Math.floor(i / AUDIT_BENCH_SOURCES) + 1),
    data: Uint8Array.from(body),
  };
}

const INSERT_LEAVES = `INSERT INTO audit.leaves (leaf_index, event_id, topic, partition, "offset", source, type, subject,
    "time", sequence, body_sha256, leaf_hash, canonical, data)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::text[], $7::text[],
    $8::text[], $9::timestamptz[], $10::bigint[], $11::bytea[], $12::bytea[], $13::bytea[], $14::bytea[])`;

/**
 * Bulk-loads a log of `size` synthetic leaves into the audit schema as the service lays it out: the schema from its
 * own migrations, each leaf from its own canonical encoding (`leafOf`), a multi-row INSERT (unnest) per 10,000
 * leaves, the interior nodes that `CompactRange.append` completes stored through the service's own `appendPort`
 * (its multi-row `insertNodes`, as each append does), the tree head through `saveHead`, and one checkpoint signed
 * at the full size. Returns the same tree in memory. Generation in Node overlaps the INSERT of the previous batch.
 */
async function bulkLoad(db: Database, size: number): Promise<{ tree: MemoryTree; seconds: number; nodes: number }> {
  await migrateAudit(db);
  const port = appendPort(db);
  const range = CompactRange.empty();
  const tree = new MemoryTree();
  const body = Buffer.alloc(48, 0x5a);
  const base = Date.parse('2024-05-01T08:30:00.000Z');
  const bar = progress(`bulk-load ${size} leaves`, size);
  const started = nowMs();
  let pending: Promise<unknown> = Promise.resolve();
  let nodes: SubtreeNode[] = [];
  let nodeCount = 0;
  for (let start = 0; start < size; start += BATCH) {
    const end = Math.min(size, start + BATCH);
    const cols: unknown[][] = Array.from({ length: 14 }, () => []);
    for (let i = start; i < end; i++) {
      const event = syntheticEvent(i, base, body);
      const leaf = leafOf(event);
      for (const n of range.append(leaf.hash)) if (n.level > 0) nodes.push(n);
      tree.append(leaf.hash);
      const row = [
        i,
        event.id,
        TOPIC,
        i % 3,
        Math.floor(i / 3),
        event.source,
        event.type,
        event.subject,
        event.time,
        event.sequence,
        leaf.attributes.dataSha256,
        leaf.hash,
        leaf.canonical,
        event.data,
      ];
      for (let c = 0; c < 14; c++) cols[c]!.push(row[c]);
    }
    const batchNodes = nodes;
    nodes = [];
    nodeCount += batchNodes.length;
    await pending;
    pending = (async () => {
      await db.query(INSERT_LEAVES, cols);
      for (let i = 0; i < batchNodes.length; i += NODE_CHUNK) {
        await port.insertNodes(batchNodes.slice(i, i + NODE_CHUNK));
      }
    })();
    bar.update(end);
  }
  await pending;
  bar.stop();
  await port.saveHead({ size: range.size, range: range.hashes(), root: range.root() });
  for (let k = 0; k < AUDIT_BENCH_SOURCES; k++) {
    const events = BigInt(Math.floor(size / AUDIT_BENCH_SOURCES) + (k < size % AUDIT_BENCH_SOURCES ? 1 : 0));
    await port.saveSequence({
      source: `/onceonly/bench-audit-${k + 1}`,
      contiguous: events,
      maxSeen: events,
      events,
    });
  }
  const origin = 'onceonly.bench/audit-bulk';
  const key = generateNoteKey(origin);
  const checkpoint = await signCheckpoint(
    origin,
    parseSignerKey(key.signerKey),
    { size: range.size, root: range.root() },
    new Date(),
  );
  await checkpointStore.insert(db, checkpoint);
  await checkpointStore.recordKey(db, key.verifierKey, origin);
  process.stderr.write('VACUUM ANALYZE audit.leaves, audit.nodes...\n');
  await db.exec('VACUUM ANALYZE audit.leaves');
  await db.exec('VACUUM ANALYZE audit.nodes');
  return { tree, seconds: (nowMs() - started) / 1000, nodes: nodeCount };
}

async function timed(indexes: readonly number[], fn: (index: number) => Promise<unknown>): Promise<Latency> {
  for (const index of indexes.slice(0, WARM_UP)) await fn(index);
  const samples: number[] = [];
  for (const index of indexes) {
    const t = performance.now();
    await fn(index);
    samples.push(performance.now() - t);
  }
  return summarise(samples);
}

/**
 * Inclusion-proof latency at `size` entries: bulk-loads the log, then times `proofs` proofs of random leaves (one at
 * a time, after a warm-up of 50) four ways: the service's HashReader over PostgreSQL with libs/merkle's
 * `inclusionProof`, without and with the upper levels in memory (`UpperNodes`, read in full first and timed); the
 * GetInclusionProof use case as the service runs it (`getInclusionProof` over `logReader` with the same
 * `UpperNodes`: entry with body, latest checkpoint, proof); and `inclusionProof` over libs/merkle's MemoryTree (the baseline). Every database proof is
 * checked to equal the in-memory one and to verify against the root. The baseline runs first, and the in-memory tree
 * is let go before the database is timed.
 */
export async function auditProofs(options: { db: Database; size: number; proofs: number }): Promise<ProofResult> {
  const { db, size } = options;
  const loaded: { tree?: MemoryTree; seconds: number; nodes: number } = await bulkLoad(db, size);
  const { seconds, nodes } = loaded;
  const { rows } = await db.query<{ leaves: string; nodes: string }>(
    `SELECT pg_total_relation_size('audit.leaves') AS leaves, pg_total_relation_size('audit.nodes') AS nodes`,
  );
  const random = prng(6962);
  const indexes = Array.from({ length: options.proofs }, () => Math.floor(random() * size));
  // the baseline first, and what the checks need from the in-memory tree; then the tree (two million small
  // buffers) is let go, so that collecting it is not part of the database readers' tail: the service holds no such tree
  const tree = loaded.tree!;
  const root = tree.root();
  const memory = await timed(indexes, (index) => inclusionProof(tree, index, size));
  const expectedProofs = new Map<number, Uint8Array[]>();
  const leafHashes = new Map<number, Uint8Array>();
  for (const index of indexes) {
    expectedProofs.set(index, await inclusionProof(tree, index, size));
    leafHashes.set(index, await tree.leaf(index));
  }
  delete loaded.tree;

  const upper = new UpperNodes();
  const loadStarted = nowMs();
  await upper.refresh(db);
  const upperLoadSeconds = (nowMs() - loadStarted) / 1000;
  const counted = countingDatabase(db);
  const reader = logReader(counted, upper, new LatestCheckpoint());

  process.stderr.write(`inclusion proofs at ${size} leaves: ${options.proofs} from PostgreSQL...\n`);
  const fromDb = new Map<number, Uint8Array[][]>();
  const database = await timed(indexes, async (index) => {
    fromDb.set(index, [await inclusionProof(hashReader(db, size), index, size)]);
  });
  const cached = await timed(indexes, async (index) => {
    fromDb.get(index)!.push(await inclusionProof(hashReader(db, size, upper), index, size));
  });
  const fromUseCase = new Map<number, Awaited<ReturnType<typeof getInclusionProof>>>();
  let calls = 0;
  let statementsBefore = 0;
  const useCase = await profiled('audit-inclusion-proof', () =>
    timed(indexes, async (index) => {
      if (++calls === WARM_UP + 1) statementsBefore = counted.statements(); // from the first timed proof on
      fromUseCase.set(index, await getInclusionProof(reader, { leafIndex: index }));
    }),
  );
  const useCaseStatements = (counted.statements() - statementsBefore) / indexes.length;

  let verified = 0;
  let useCaseVerified = 0;
  let hashes = 0;
  for (const index of indexes) {
    const [proof, proofCached] = fromDb.get(index)!;
    const expected = expectedProofs.get(index)!;
    const equal = (p: Uint8Array[] | undefined) =>
      p !== undefined && p.length === expected.length && p.every((h, i) => Buffer.from(h).equals(expected[i]!));
    if (equal(proof) && equal(proofCached) && verifyInclusion(leafHashes.get(index)!, index, size, proof!, root)) {
      verified++;
    }
    hashes += expected.length;
    const served = fromUseCase.get(index);
    if (
      served?.checkpoint !== undefined &&
      served.treeSize === size &&
      served.checkpoint.size === size &&
      Buffer.from(served.leafHash).equals(leafHashes.get(index)!) &&
      equal(served.hashes) &&
      verifyInclusion(served.leafHash, index, size, served.hashes, served.checkpoint.root)
    ) {
      useCaseVerified++;
    }
  }
  const held = upper.stats();
  return {
    treeSize: size,
    loadSeconds: seconds,
    loadedPerSecond: size / seconds,
    leavesBytes: Number(rows[0]!.leaves),
    nodesBytes: Number(rows[0]!.nodes),
    nodes,
    proofs: options.proofs,
    database,
    cached,
    upper: { nodes: held.nodes, bytes: held.bytes, fromLevel: held.fromLevel, loadSeconds: upperLoadSeconds },
    useCase,
    useCaseStatements,
    useCaseVerified,
    memory,
    verified,
    hashesPerProof: hashes / indexes.length,
  };
}

/** The full tree of the measurement at scale 1. */
export const FULL_TREE = 1_000_000;

/** The tree size and proof count at `scale`: 1,000,000 leaves at scale 1, at least 100,000 below. */
export function proofSizes(scale: number): { size: number; proofs: number } {
  return {
    size: Math.max(scale < 1 ? 100_000 : 1, Math.round(FULL_TREE * scale)),
    proofs: Math.max(500, Math.round(2000 * scale)),
  };
}

const mib = (bytes: number) => `${fmt(bytes / 1024 / 1024, 0)} MiB`;

/** The Markdown section and ratios of an inclusion-proof measurement (in the audit suite and `audit-proofs`). */
export function proofsSection(proof: ProofResult, scale: number): { markdown: string[]; ratios: Ratio[] } {
  const treeSize = proof.treeSize;
  const sizeNote =
    treeSize === FULL_TREE
      ? ''
      : ` **Tree of ${treeSize} entries, not ${FULL_TREE}** (scale ${scale}: the bulk load grows with the scale).`;
  const markdown = [
    `### Inclusion-proof latency at ${treeSize} entries`,
    '',
    `${treeSize} synthetic canonical leaves bulk-loaded into the service's own tables (its migrations; its leaf encoding; a multi-row INSERT per 10,000 leaves; the interior nodes from CompactRange written with its \`appendPort.insertNodes\`; tree head, one signed checkpoint; VACUUM ANALYZE) in ${fmt(proof.loadSeconds, 1)} s (${fmt(proof.loadedPerSecond, 0)} leaves/s): \`leaves\` ${mib(proof.leavesBytes)}, \`nodes\` ${mib(proof.nodesBytes)} (${proof.nodes} rows), indexes included.${sizeNote} Then ${proof.proofs} proofs of random leaves, one at a time after 50 warm-up proofs.`,
    '',
    '| reader | proofs | p50 ms | p99 ms | max ms | × in-memory p50 | note |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    `| PostgreSQL: the service's \`hashReader\` + libs/merkle \`inclusionProof\` | ${proof.proofs} | ${fmt(proof.database.p50, 3)} | ${fmt(proof.database.p99, 3)} | ${fmt(proof.database.max, 3)} | ${fmt(proof.database.p50 / proof.memory.p50, 1)} | one query per proof |`,
    `| PostgreSQL + upper levels in memory: \`hashReader\` with \`UpperNodes\` (ADR 013) | ${proof.proofs} | ${fmt(proof.cached.p50, 3)} | ${fmt(proof.cached.p99, 3)} | ${fmt(proof.cached.max, 3)} | ${fmt(proof.cached.p50 / proof.memory.p50, 1)} | levels ≥ ${proof.upper.fromLevel} in memory: ${proof.upper.nodes} hashes, ${mib(proof.upper.bytes)}, read in ${fmt(proof.upper.loadSeconds, 2)} s at start |`,
    `| PostgreSQL: \`getInclusionProof\` (the GetInclusionProof use case, no gRPC) | ${proof.proofs} | ${fmt(proof.useCase.p50, 3)} | ${fmt(proof.useCase.p99, 3)} | ${fmt(proof.useCase.max, 3)} | ${fmt(proof.useCase.p50 / proof.memory.p50, 1)} | the entry with its body, the latest checkpoint with its cosignatures, the proof, as the service runs it; ${fmt(proof.useCaseStatements, 2)} statements per proof |`,
    `| libs/merkle MemoryTree + \`inclusionProof\`, in memory (baseline) | ${proof.proofs} | ${fmt(proof.memory.p50, 3)} | ${fmt(proof.memory.p99, 3)} | ${fmt(proof.memory.max, 3)} | 1.0 | no I/O |`,
    '',
    `${proof.verified} of ${proof.proofs} database proofs equal the in-memory proof and verify against the root (\`verifyInclusion\`); ${proof.useCaseVerified} of ${proof.proofs} use-case proofs equal it and verify against the root of the checkpoint they came with; ${fmt(proof.hashesPerProof, 1)} hashes per proof on average.`,
  ];
  const ratios: Ratio[] = [
    {
      name: `inclusion proof p50, PostgreSQL / MemoryTree (${treeSize} entries)`,
      value: proof.database.p50 / proof.memory.p50,
      meaning: 'how many times slower a proof read from the database is than from memory',
    },
    {
      name: `inclusion proof p99, GetInclusionProof use case (upper levels in memory) / PostgreSQL alone (${treeSize} entries)`,
      value: proof.useCase.p99 / proof.database.p99,
      meaning: 'the tail of a whole proof request as served, against the bare database reader (below 1: faster)',
    },
  ];
  return { markdown, ratios };
}

/**
 * The inclusion-proof part of the audit suite alone (`npm run bench -- audit-proofs`): the bulk load and the proofs,
 * no broker traffic. Not in the default run (the audit suite measures the same).
 */
export const auditProofsSuite: Suite = {
  name: 'audit-proofs',
  title: 'Audit log: inclusion proofs only',
  partOf: 'audit',
  usesBroker: false,
  async run({ withFreshDatabase, scale }) {
    const proof = await withFreshDatabase((db) => auditProofs({ db, ...proofSizes(scale) }));
    const { markdown, ratios } = proofsSection(proof, scale);
    return { markdown: markdown.join('\n'), json: { proofs: proof }, ratios };
  },
};
