import { AppError } from '@onceonly/errors';
import {
  leafHash as leafHashOf,
  openCheckpoint,
  parseVerifierKey,
  type SubjectMapClaim,
  subjectMapRoot,
} from '@onceonly/merkle';
import { type AuditBundle, BUNDLE_FORMAT, type BundleEvent, type BundleSubjectMap } from '../domain/bundle.js';
import { decodeLeaf } from '../domain/leaf.js';

/** One logged event of the subject, as the export reads it. */
export interface ExportedEntry {
  readonly leafIndex: number;
  readonly canonical: Uint8Array;
  readonly data: Uint8Array;
}

/** Where an export reads from: the hub over gRPC (the CLI), or the database. */
export interface ExportSource {
  /** The log's verifier key (vkey) and the latest signed checkpoint (with cosignatures). */
  latest(): Promise<{ verifierKey: string; signedNote: string }>;
  /** Every logged event whose subject is `subject`, in leaf order. */
  entriesOf(subject: string): AsyncIterable<ExportedEntry>;
  inclusionProof(leafIndex: number, treeSize: number): Promise<Uint8Array[]>;
  /** The signed checkpoints up to `treeSize` that announce a new log key, oldest first (none: the log never rotated). */
  keyAnnouncements?(treeSize: number): Promise<string[]>;
  consistencyProof(firstSize: number, secondSize: number): Promise<Uint8Array[]>;
  /**
   * The subject map's chain for `subject` at checkpoint size `treeSize` and its proof (ADR 006); undefined when the
   * log keeps no map version of that size. A source that cannot serve map proofs leaves it out: its bundles then
   * fail verification (MAP_PROOF_MISSING) once the checkpoint signs a map.
   */
  subjectMap?(subject: string, treeSize: number): Promise<SubjectMapClaim | undefined>;
}

/** Options of {@link exportBundle}. */
export interface ExportOptions {
  /** Also prove that the checkpoint extends an earlier tree size the auditor holds a checkpoint of. */
  readonly sinceSize?: number;
  readonly clock?: () => Date;
}

/**
 * Builds the offline bundle of one subject: all its events in the latest checkpoint, each with its inclusion proof,
 * the signed checkpoint and the log's key, and, when the checkpoint signs a subject map, the map's proof of the
 * subject's chain, which shows that no event of the subject is missing and none added. Events newer than the checkpoint are left for the next export (the
 * result says how many). The checkpoint is opened with the log's key first, so a bundle never carries a
 * checkpoint that does not verify.
 */
export async function exportBundle(
  source: ExportSource,
  subject: string,
  options: ExportOptions = {},
): Promise<{ bundle: AuditBundle; pending: number }> {
  const { verifierKey, signedNote } = await source.latest();
  const { checkpoint } = openCheckpoint(signedNote, [parseVerifierKey(verifierKey)]);
  const events: BundleEvent[] = [];
  let pending = 0;
  for await (const entry of source.entriesOf(subject)) {
    if (entry.leafIndex >= checkpoint.size) {
      pending++;
      continue;
    }
    const { dataSha256: _hash, ...attributes } = decodeLeaf(entry.canonical);
    const proof = await source.inclusionProof(entry.leafIndex, checkpoint.size);
    events.push({
      leafIndex: entry.leafIndex,
      leafHash: hex(leafHashOf(entry.canonical)),
      proof: proof.map(hex),
      event: { ...attributes, data: Buffer.from(entry.data).toString('base64') },
    });
  }
  let consistency: AuditBundle['consistency'];
  if (options.sinceSize !== undefined) {
    if (options.sinceSize > checkpoint.size) {
      throw new AppError('INVALID_ARGUMENT', `--since-size ${options.sinceSize} is beyond the checkpoint`);
    }
    const proof = await source.consistencyProof(options.sinceSize, checkpoint.size);
    consistency = { fromSize: options.sinceSize, proof: proof.map(hex) };
  }
  const subjectMap = await mapClaimOf(source, subject, checkpoint);
  // a verifier pinned to an earlier key follows these to the key of this checkpoint
  const keyAnnouncements = (await source.keyAnnouncements?.(checkpoint.size)) ?? [];
  const bundle: AuditBundle = {
    format: BUNDLE_FORMAT,
    origin: checkpoint.origin,
    verifierKey,
    checkpoint: signedNote,
    treeSize: checkpoint.size,
    rootHash: hex(checkpoint.root),
    subject,
    exportedAt: (options.clock ?? (() => new Date()))().toISOString(),
    events,
    ...(consistency ? { consistency } : {}),
    ...(subjectMap ? { subjectMap } : {}),
    ...(keyAnnouncements.length > 0 ? { keyAnnouncements } : {}),
  };
  return { bundle, pending };
}

/** The map claim at the checkpoint's size, as the bundle carries it; none before the map existed. */
async function mapClaimOf(
  source: ExportSource,
  subject: string,
  checkpoint: { size: number; extensions?: readonly string[] },
): Promise<BundleSubjectMap | undefined> {
  if (subjectMapRoot(checkpoint) === undefined || !source.subjectMap) return undefined;
  const claim = await source.subjectMap(subject, checkpoint.size);
  if (claim === undefined) return undefined;
  const { chain, proof } = claim;
  return {
    chain: chain ? { count: chain.count, head: hex(chain.head), lastIndex: chain.lastIndex } : null,
    bitmap: hex(proof.bitmap),
    siblings: proof.siblings.map(hex),
  };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
