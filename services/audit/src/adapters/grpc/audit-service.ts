import type { auditV1 } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { unary } from '@onceonly/kit';
import type { NoteVerifier } from '@onceonly/merkle';
import { addCosignature, type CosignatureSink, cosignedNote } from '../../app/add-cosignature.js';
import type { LeafRecord, LogReader, StoredCheckpoint } from '../../app/ports.js';
import { getConsistencyProof } from '../../app/proofs.js';
import type { ReadLog, SubjectMapProofs } from '../../app/read-entries.js';
import type { CheckpointPolicy } from '../../domain/checkpoint-policy.js';
import { decodeLeaf } from '../../domain/leaf.js';
import { readRpcs } from './read-rpcs.js';
import {
  pageToken,
  parseAddCosignature,
  parseGetCheckpoint,
  parseGetConsistencyProof,
  parseListCheckpoints,
  parseListSequenceGaps,
} from './validation.js';

/** What the gRPC adapter serves from. */
export interface AuditServiceDeps {
  readonly reader: LogReader;
  readonly storeCosignature: CosignatureSink;
  readonly witnesses: readonly (NoteVerifier & { verifierKey: string })[];
  readonly origin: string;
  readonly verifierKey: string;
  /** Every key the log has signed with, oldest first (audit.log_keys): a replay through the hub checks with them. */
  readonly logKeys?: () => Promise<string[]>;
  readonly topics: readonly string[];
  readonly policy: CheckpointPolicy;
  readonly clock: () => Date;
  /** Where reads of entries are recorded (the log's outbox: each read is itself logged). */
  readonly reads: ReadLog;
  /** The subject map's proofs as the log stores them (GetSubjectMapProof). */
  readonly maps: SubjectMapProofs;
}

/** The AuditService implementation: reads, proofs and witness cosignatures (the replay's streams: `replay-streams.ts`). */
export function auditService(
  deps: AuditServiceDeps,
): Omit<auditV1.AuditServiceServer, 'streamEntries' | 'streamBusEvents'> {
  const { reader } = deps;
  return {
    // GetEntries, SearchEvents, GetEvent, GetInclusionProof, GetSubjectMapProof: least privilege, every read logged
    ...readRpcs({
      reader,
      reads: deps.reads,
      maps: deps.maps,
      clock: deps.clock,
      toEntry,
      toCheckpoint: (c) => toCheckpoint(deps.origin, c),
    }),
    getCheckpoint: unary(async (request: auditV1.GetCheckpointRequest) => {
      const { size } = parseGetCheckpoint(request);
      const checkpoint = size === undefined ? await reader.latestCheckpoint() : await reader.checkpoint(size);
      if (checkpoint === undefined) {
        const which = size === undefined ? 'the log has no checkpoint yet' : `no checkpoint of size ${size}`;
        throw new AppError('AUDIT_CHECKPOINT_NOT_FOUND', which);
      }
      return { checkpoint: toCheckpoint(deps.origin, checkpoint), verifierKey: deps.verifierKey };
    }),

    listCheckpoints: unary(async (request: auditV1.ListCheckpointsRequest) => {
      const { limit, after } = parseListCheckpoints(request);
      const list = await reader.checkpoints(after === undefined ? undefined : Number(after), limit);
      const last = list.at(-1);
      return {
        checkpoints: list.map((c) => toCheckpoint(deps.origin, c)),
        page: { nextPageToken: last && list.length === limit ? pageToken(last.size) : '' },
      };
    }),

    getConsistencyProof: unary(async (request: auditV1.GetConsistencyProofRequest) => {
      const { first, second } = parseGetConsistencyProof(request);
      const proof = await getConsistencyProof(reader, first, second);
      return {
        firstSize: String(proof.firstSize),
        secondSize: String(proof.secondSize),
        hashes: proof.hashes.map(buf),
      };
    }),

    addCosignature: unary(async (request: auditV1.AddCosignatureRequest) => {
      const { size, cosignature } = parseAddCosignature(request);
      const { storeCosignature, witnesses, clock } = deps;
      const checkpoint = await addCosignature(reader, storeCosignature, witnesses, size, cosignature, clock());
      return { checkpoint: toCheckpoint(deps.origin, checkpoint) };
    }),

    getVerifierKey: unary(async () => ({ verifierKey: deps.verifierKey, origin: deps.origin })),

    getLogInfo: unary(async () => {
      const head = await reader.head();
      return {
        origin: deps.origin,
        verifierKey: deps.verifierKey,
        witnessKeys: deps.witnesses.map((w) => w.verifierKey),
        topics: [...deps.topics],
        treeSize: String(head.size),
        rootHash: buf(head.root),
        checkpointEveryEntries: String(deps.policy.everyEntries),
        checkpointEveryMs: String(deps.policy.everyMs),
        logKeys: (await deps.logKeys?.()) ?? [deps.verifierKey],
      };
    }),

    listSequenceGaps: unary(async (request: auditV1.ListSequenceGapsRequest) => {
      const { source, openOnly, after, limit } = parseListSequenceGaps(request);
      const gaps = await reader.gaps(source || undefined, openOnly, after, limit);
      const sources = (await reader.sources()).filter((s) => !source || s.source === source);
      const last = gaps.at(-1);
      return {
        gaps: gaps.map((g) => ({
          source: g.source,
          kind: g.kind,
          expected: String(g.expected),
          got: String(g.got),
          eventId: g.eventId,
          detectedAt: g.detectedAt.toISOString(),
          resolvedAt: g.resolvedAt?.toISOString() ?? '',
        })),
        sources: sources.map((s) => ({
          source: s.source,
          contiguousThrough: String(s.contiguous),
          maxSeen: String(s.maxSeen),
          events: String(s.events),
        })),
        page: { nextPageToken: last && gaps.length === limit ? pageToken(last.id) : '' },
      };
    }),
  };
}

/** A stored checkpoint as the API gives it: the signed note with every cosignature appended. */
export function toCheckpoint(origin: string, c: StoredCheckpoint): auditV1.Checkpoint {
  return {
    origin,
    size: String(c.size),
    rootHash: buf(c.root),
    signedNote: cosignedNote(c),
    cosignatures: c.cosignatures.map((s) => ({
      witnessName: s.witnessName,
      keyId: s.keyId,
      timestamp: String(s.timestamp),
      line: s.line,
      addedAt: s.addedAt.toISOString(),
    })),
    createdAt: c.createdAt.toISOString(),
  };
}

/**
 * A stored leaf as the API gives it. The event's attributes come from the canonical leaf (exactly what the tree
 * commits to); should the stored bytes not decode (tampering), the columns are served and verification names it.
 */
export function toEntry(leaf: LeafRecord): auditV1.Entry {
  let attributes: ReturnType<typeof decodeLeaf> | undefined;
  try {
    attributes = decodeLeaf(leaf.canonical);
  } catch {
    attributes = undefined;
  }
  return {
    leafIndex: String(leaf.leafIndex),
    leafHash: buf(leaf.leafHash),
    canonical: buf(leaf.canonical),
    event: {
      id: attributes?.id ?? leaf.eventId,
      source: attributes?.source ?? leaf.source,
      type: attributes?.type ?? leaf.type,
      subject: attributes?.subject ?? leaf.subject,
      time: attributes?.time ?? leaf.time.toISOString(),
      specversion: attributes?.specversion ?? '',
      datacontenttype: attributes?.datacontenttype ?? '',
      dataschema: attributes?.dataschema ?? '',
      sequence: attributes?.sequence ?? leaf.sequence,
      data: buf(leaf.data),
      dataSha256: buf(leaf.bodySha256),
    },
    topic: leaf.topic,
    partition: leaf.partition,
    offset: leaf.offset,
    appendedAt: leaf.appendedAt?.toISOString() ?? '',
    causationId: leaf.causationId ?? '',
  };
}

function buf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
