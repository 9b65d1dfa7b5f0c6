import { AppError } from '@onceonly/errors';
import { leafHash as leafHashOf, openCheckpoint, parseVerifierKey } from '@onceonly/merkle';
import { type AuditBundle, BUNDLE_FORMAT, type BundleEvent } from '../domain/bundle.js';
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
  consistencyProof(firstSize: number, secondSize: number): Promise<Uint8Array[]>;
}

/** Options of {@link exportBundle}. */
export interface ExportOptions {
  /** Also prove that the checkpoint extends an earlier tree size the auditor holds a checkpoint of. */
  readonly sinceSize?: number;
  readonly clock?: () => Date;
}

/**
 * Builds the offline bundle of one subject: its events in the latest checkpoint, each with its inclusion proof,
 * the signed checkpoint and the log's key. Events newer than the checkpoint are left for the next export (the
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
  };
  return { bundle, pending };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
