import { createHash, randomBytes } from 'node:crypto';
import {
  CompactRange,
  emptySubjectChain,
  extendSubjectChain,
  formatCheckpoint,
  MemoryMap,
  mapKey,
  parseCheckpoint,
  type SubjectBundle,
  type SubjectChain,
  subjectMapExtension,
  subjectMapValue,
  verifySubjectBundle,
} from '@onceonly/merkle';
import { fmt, type Ratio, type Suite } from './suite.js';

const LOG_SIZE = 1_000_000;
const BUNDLE_SIZES = [1, 100, 10_000] as const;
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const leaf = (i: number) => createHash('sha256').update(`leaf ${i}`).digest();

/** One way of appending, its rate and what each append cost. */
export interface AppendCost {
  name: string;
  appends: number;
  perSecond: number;
  /** SHA-256 computations per append: log interior nodes (1, amortised), the chain step, the map nodes written. */
  hashesPerAppend: number;
  /** Map nodes written per append (0 for the log alone). */
  nodesPerAppend: number;
}

/** One completeness proof: its size on the wire and its verification time. */
export interface BundleCost {
  entries: number;
  /** Map proof: bitmap + siblings + claimed chain (count, head, last index). */
  mapProofBytes: number;
  siblings: number;
  /** The entries as the bundle lists them: index (8) + leaf hash (32) each. */
  entryBytes: number;
  /** RFC 9162 inclusion proofs of every entry in a log of 1,000,000 (20 hashes each), for scale; verified apart. */
  inclusionBytes: number;
  verifyMs: number;
}

/** What the suite measured. */
export interface MapCosts {
  subjects: number;
  sha256PerSecond: number;
  appends: AppendCost[];
  bundles: BundleCost[];
}

/** A map already holding `subjects` random subjects with one entry each: the background every measurement runs on. */
async function backgroundMap(subjects: number): Promise<MemoryMap> {
  const map = new MemoryMap();
  const batch = [];
  for (let i = 0; i < subjects; i++) batch.push({ key: mapKey(`background ${i}`), value: randomBytes(32) });
  for (let i = 0; i < batch.length; i += 256) await map.setMany(batch.slice(i, i + 256));
  return map;
}

/** The bare SHA-256 rate of this machine (64-byte inputs, as map nodes hash), for the ceiling of 258 per update. */
function sha256PerSecond(): number {
  let x = Buffer.alloc(32);
  const start = process.hrtime.bigint();
  for (let i = 0; i < 100_000; i++) x = createHash('sha256').update(Uint8Array.of(0x12)).update(x).update(x).digest();
  return 100_000 / seconds(start);
}

function compactRangeRate(appends: number): AppendCost {
  const leaves = Array.from({ length: appends }, (_, i) => leaf(i));
  const range = CompactRange.empty();
  const start = process.hrtime.bigint();
  for (const h of leaves) range.append(h);
  const perSecond = appends / seconds(start);
  return { name: 'log only: CompactRange.append', appends, perSecond, hashesPerAppend: 1, nodesPerAppend: 0 };
}

/**
 * The log with the subject index: each append extends its subject's chain and sets the subject's map value, the map
 * updated once per batch (the audit appender's batches). `subjects` distinct subjects in turn.
 */
async function indexedRate(map: MemoryMap, appends: number, batch: number, subjects: number): Promise<AppendCost> {
  const leaves = Array.from({ length: appends }, (_, i) => leaf(i));
  const chains = new Map<string, SubjectChain>();
  const range = CompactRange.empty();
  let nodes = 0;
  const start = process.hrtime.bigint();
  for (let b = 0; b < appends; b += batch) {
    const touched = new Set<string>();
    for (let i = b; i < Math.min(appends, b + batch); i++) {
      const subject = `subject ${i % subjects}`;
      range.append(leaves[i]!);
      chains.set(subject, extendSubjectChain(chains.get(subject) ?? emptySubjectChain(), i, leaves[i]!));
      touched.add(subject);
    }
    const update = await map.setMany(
      [...touched].map((s) => ({ key: mapKey(s), value: subjectMapValue(chains.get(s)!) })),
    );
    nodes += update.nodes.length;
  }
  const perSecond = appends / seconds(start);
  const name =
    batch === 1000
      ? 'log + subject chains per append, map per checkpoint of 1,000 (ADR 006 plan)'
      : `log + subject map, batches of ${batch}`;
  return { name, appends, perSecond, hashesPerAppend: 2 + nodes / appends, nodesPerAppend: nodes / appends };
}

/** The complete bundle of a subject with `n` entries spread over a log of 1,000,000, and its verification time. */
async function bundleCost(map: MemoryMap, n: number): Promise<BundleCost> {
  const subject = `bundle subject ${n}`;
  const stride = Math.floor(LOG_SIZE / n);
  const entries = Array.from({ length: n }, (_, i) => ({ index: i * stride, leafHash: leaf(i * stride), subject }));
  const chain = entries.reduce((c, e) => extendSubjectChain(c, e.index, e.leafHash), emptySubjectChain());
  const { root } = await map.set(mapKey(subject), subjectMapValue(chain));
  const { proof } = await map.proof(mapKey(subject));
  const text = formatCheckpoint({
    origin: 'bench',
    size: LOG_SIZE,
    root: leaf(-1),
    extensions: [subjectMapExtension(root)],
  });
  const bundle: SubjectBundle = { checkpoint: parseCheckpoint(text), subject, entries, mapProof: { chain, proof } };
  const runs = n >= 10_000 ? 5 : 200;
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    if (!verifySubjectBundle(bundle).ok) throw new Error(`the bench bundle of ${n} entries does not verify`);
    times.push(seconds(start) * 1000);
  }
  times.sort((a, b) => a - b);
  const siblings = proof.siblings.length;
  return {
    entries: n,
    mapProofBytes: 32 + 32 * siblings + 8 + 32 + 8,
    siblings,
    entryBytes: 40 * n,
    inclusionBytes: 32 * Math.ceil(Math.log2(LOG_SIZE)) * n,
    verifyMs: times[Math.floor(times.length / 2)]!,
  };
}

/** Runs every measurement; pure CPU and memory, no broker or database. */
export async function measureMapCosts(scale: number): Promise<MapCosts> {
  const subjects = Math.max(200, Math.round(2000 * scale));
  const appends = Math.max(500, Math.round(4000 * scale));
  const costs: AppendCost[] = [compactRangeRate(appends * 10)];
  for (const batch of [1, 16, 256, 1000])
    costs.push(await indexedRate(await backgroundMap(subjects), appends, batch, 64));
  const map = await backgroundMap(subjects);
  const bundles: BundleCost[] = [];
  for (const n of BUNDLE_SIZES) bundles.push(await bundleCost(map, n));
  return { subjects, sha256PerSecond: sha256PerSecond(), appends: costs, bundles };
}

function markdown(c: MapCosts): string {
  const base = c.appends[0]!.perSecond;
  return [
    '### Appends with the subject map (ADR 006)',
    '',
    `In memory (\`MemoryMap\`, no database), on a map already holding ${c.subjects} subjects; appends about 64 subjects in turn. Hashes per append count the log's interior nodes (1 per append, amortised), the subject chain step (1) and every map hash (map leaf and interior nodes); the log leaf hashes are computed before timing.`,
    '',
    `Bare SHA-256 on this machine: ${fmt(c.sha256PerSecond, 0)} hashes/s, so one map update alone (258 hashes) could reach about ${fmt(c.sha256PerSecond / 258, 0)}/s; the rest is the in-memory store (string keys, garbage collection).`,
    '',
    '| what | appends | appends/s | × log only | hashes/append | map nodes written/append |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...c.appends.map(
      (a) =>
        `| ${a.name} | ${a.appends} | ${fmt(a.perSecond, 0)} | ${fmt(a.perSecond / base, 4)} | ${fmt(a.hashesPerAppend, 1)} | ${fmt(a.nodesPerAppend, 1)} |`,
    ),
    '',
    `### Completeness proofs in a log of ${LOG_SIZE}`,
    '',
    'A subject whose entries are spread evenly over the log. The completeness proof is the map proof (32-byte bitmap, the non-empty siblings, the claimed count, chain head and last index) plus the list of (index, leaf hash); verification is `verifySubjectBundle` (median). The inclusion proofs of the entries (20 hashes each at this size) are listed for scale and are checked apart with `verifyInclusion`.',
    '',
    '| entries | map proof bytes (siblings) | entry list bytes | inclusion proofs bytes | verify ms |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...c.bundles.map(
      (b) =>
        `| ${b.entries} | ${b.mapProofBytes} (${b.siblings}) | ${b.entryBytes} | ${b.inclusionBytes} | ${fmt(b.verifyMs, 3)} |`,
    ),
  ].join('\n');
}

/** The subject map of issue 9 (ADR 006): append cost beside the log alone, completeness-proof size and time. */
export const merkleMapSuite: Suite = {
  name: 'merkle-map',
  title: 'Subject map: append cost and completeness proofs',
  async run({ scale }) {
    const costs = await measureMapCosts(scale);
    const batched = costs.appends.at(-1)!;
    const ratios: Ratio[] = [
      {
        name: 'log + subject map (per checkpoint of 1,000) / log only, appends/s',
        value: batched.perSecond / costs.appends[0]!.perSecond,
        meaning: 'share of the in-memory append rate kept with the subject chains and map, as ADR 006 plans them',
      },
    ];
    return { markdown: markdown(costs), json: costs, ratios };
  },
};
