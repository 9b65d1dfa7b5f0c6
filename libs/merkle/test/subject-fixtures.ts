import { type Checkpoint, formatCheckpoint, parseCheckpoint } from '../src/checkpoint.js';
import { CompactRange } from '../src/compact-range.js';
import { leafHash } from '../src/hash.js';
import { mapKey } from '../src/map-hash.js';
import { MemoryMap } from '../src/sparse-map.js';
import type { SubjectBundle, SubjectBundleEntry } from '../src/subject-bundle.js';
import { emptySubjectChain, extendSubjectChain, type SubjectChain, subjectMapValue } from '../src/subject-chain.js';
import { subjectMapExtension } from '../src/subject-map-extension.js';

/** A log whose leaves each name one subject, with its subject map, built the way the audit service will build it. */
export interface SubjectLog {
  readonly subjects: readonly string[];
  readonly leaves: readonly Uint8Array[];
  readonly chains: ReadonlyMap<string, SubjectChain>;
  readonly map: MemoryMap;
  readonly checkpoint: Checkpoint;
}

/** Appends one leaf per subject (in order), batching map updates per `batch` leaves as the audit appender does. */
export async function buildSubjectLog(subjects: readonly string[], batch = 4): Promise<SubjectLog> {
  const map = new MemoryMap();
  const range = CompactRange.empty();
  const chains = new Map<string, SubjectChain>();
  const leaves: Uint8Array[] = [];
  for (let start = 0; start < subjects.length; start += batch) {
    const touched = new Set<string>();
    subjects.slice(start, start + batch).forEach((subject, i) => {
      const h = leafHash(new TextEncoder().encode(`event ${start + i} about ${subject}`));
      leaves.push(h);
      range.append(h);
      chains.set(subject, extendSubjectChain(chains.get(subject) ?? emptySubjectChain(), start + i, h));
      touched.add(subject);
    });
    await map.setMany([...touched].map((s) => ({ key: mapKey(s), value: subjectMapValue(chains.get(s)!) })));
  }
  const extensions = [subjectMapExtension(await map.root())];
  const text = formatCheckpoint({ origin: 'onceonly.example/audit', size: range.size, root: range.root(), extensions });
  return { subjects, leaves, chains, map, checkpoint: parseCheckpoint(text) };
}

/** The complete bundle of one subject against the log's checkpoint. */
export async function bundleOf(log: SubjectLog, subject: string): Promise<SubjectBundle> {
  const entries = log.subjects.flatMap((s, index) =>
    s === subject ? [{ index, leafHash: log.leaves[index]!, subject }] : [],
  );
  const { proof } = await log.map.proof(mapKey(subject));
  return { checkpoint: log.checkpoint, subject, entries, mapProof: { chain: log.chains.get(subject), proof } };
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/**
 * The bundle as JSON, in the wire shape the independent verifier reads (the shape is spelled out in ADR 006):
 * hashes in standard base64, the checkpoint as its note text.
 */
export function bundleJson(bundle: SubjectBundle): unknown {
  const chain = bundle.mapProof.chain;
  return {
    checkpoint: formatCheckpoint(bundle.checkpoint),
    subject: bundle.subject,
    entries: bundle.entries.map((e) => ({ index: e.index, leafHash: b64(e.leafHash), subject: e.subject })),
    mapProof: {
      chain: chain && { count: chain.count, head: b64(chain.head), lastIndex: chain.lastIndex },
      bitmap: b64(bundle.mapProof.proof.bitmap),
      siblings: bundle.mapProof.proof.siblings.map(b64),
    },
  };
}

/** The bundle with other entries. */
export const withEntries = (b: SubjectBundle, entries: SubjectBundleEntry[]): SubjectBundle => ({ ...b, entries });

/** The log's entry at `index`, labelled with `subject` if given. */
export const entryOf = (log: SubjectLog, index: number, subject?: string): SubjectBundleEntry =>
  subject === undefined ? { index, leafHash: log.leaves[index]! } : { index, leafHash: log.leaves[index]!, subject };

/** A copy with one bit flipped (bit 0 = the most significant bit of byte 0). */
export function flip(bytes: Uint8Array, bit = 0): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3] = copy[bit >> 3]! ^ (0x80 >> (bit & 7));
  return copy;
}
