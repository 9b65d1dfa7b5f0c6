import type { auditV1 } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { type Caller, unary } from '@onceonly/kit';
import type { LeafRecord, LogReader } from '../../app/ports.js';
import { getInclusionProof } from '../../app/proofs.js';
import {
  entryOfProof,
  type ReadDeps,
  type ReadingCaller,
  readEvent,
  readRange,
  readSubjectMapProof,
  type SubjectMapProofs,
  searchEntries,
} from '../../app/read-entries.js';
import {
  assertWithinTree,
  pageToken,
  parseGetEntries,
  parseGetEvent,
  parseGetInclusionProof,
  parseGetSubjectMapProof,
  parseSearchEvents,
} from './validation.js';

// The AuditService RPCs that disclose entries, under least privilege (domain/read-access.ts) and each read recorded
// in the log (app/read-entries.ts). Checkpoints, consistency proofs, log info and the verifier key stay public.

/** A GetEntries or SearchEvents response stops growing past this many bytes (gRPC's default limit is 4 MiB). */
const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

/** What the read RPCs need beyond {@link ReadDeps}: how to map a stored leaf and a checkpoint. */
export interface ReadRpcDeps extends Omit<ReadDeps, 'fit'> {
  /** The subject map's proofs as the log stores them (GetSubjectMapProof). */
  readonly maps: SubjectMapProofs;
  readonly toEntry: (leaf: LeafRecord) => auditV1.Entry;
  readonly toCheckpoint: (checkpoint: NonNullable<Awaited<ReturnType<LogReader['checkpoint']>>>) => auditV1.Checkpoint;
}

type ReadRpcs = Pick<
  auditV1.AuditServiceServer,
  'getEntries' | 'searchEvents' | 'getEvent' | 'getInclusionProof' | 'getSubjectMapProof'
>;

/** The caller as the read rules and the read's record see it. */
export function readingCaller(caller: Caller): ReadingCaller {
  return {
    code: caller.departmentCode,
    name: caller.departmentName,
    role: caller.role,
    authenticatedBy: caller.authenticatedBy,
  };
}

/** GetEntries, SearchEvents, GetEvent, GetInclusionProof and GetSubjectMapProof, each checked and logged. */
export function readRpcs(rpcDeps: ReadRpcDeps): ReadRpcs {
  const deps: ReadRpcDeps & ReadDeps = { ...rpcDeps, fit: capped };
  const { reader } = deps;
  return {
    getEntries: unary(async (request: auditV1.GetEntriesRequest, { caller }) => {
      const query = parseGetEntries(request);
      assertWithinTree(query.end, (await reader.head()).size);
      return { entries: (await readRange(deps, readingCaller(caller), query)).map(deps.toEntry) };
    }),

    searchEvents: unary(async (request: auditV1.SearchEventsRequest, { caller }) => {
      const { filter, after, limit, withData, purpose } = parseSearchEvents(request);
      const query = { filter, after: after === undefined ? -1 : Number(after), limit, withData, purpose };
      const { entries, next } = await searchEntries(deps, readingCaller(caller), query);
      return { entries: entries.map(deps.toEntry), page: { nextPageToken: next === undefined ? '' : pageToken(next) } };
    }),

    getEvent: unary(async (request: auditV1.GetEventRequest, { caller }) => {
      const { eventId, purpose } = parseGetEvent(request);
      const entry = await findEvent(reader, eventId);
      await readEvent(deps, readingCaller(caller), entry, 'GetEvent', purpose);
      return { entry: deps.toEntry(entry) };
    }),

    getInclusionProof: unary(async (request: auditV1.GetInclusionProofRequest, { caller }) => {
      const { ref, treeSize, purpose } = parseGetInclusionProof(request);
      const who = readingCaller(caller);
      // by event id the answer would say what the event is: decide before anything else is looked at
      const eventId = 'eventId' in ref ? ref.eventId : undefined;
      if (eventId !== undefined)
        await readEvent(deps, who, await findEvent(reader, eventId), 'GetInclusionProof', purpose);
      const proof = await getInclusionProof(reader, ref, treeSize);
      const entry = eventId !== undefined ? proof.entry : await entryOfProof(deps, who, proof.entry, purpose);
      return {
        leafIndex: String(proof.leafIndex),
        treeSize: String(proof.treeSize),
        leafHash: buf(proof.leafHash),
        hashes: proof.hashes.map(buf),
        checkpoint: proof.checkpoint ? deps.toCheckpoint(proof.checkpoint) : undefined,
        entry: entry ? deps.toEntry(entry) : undefined,
      };
    }),

    getSubjectMapProof: unary(async (request: auditV1.GetSubjectMapProofRequest, { caller }) => {
      const query = parseGetSubjectMapProof(request);
      const { treeSize, claim } = await readSubjectMapProof(deps, readingCaller(caller), query);
      const { chain, proof } = claim;
      return {
        treeSize: String(treeSize),
        chain: chain
          ? { count: String(chain.count), head: buf(chain.head), lastIndex: String(chain.lastIndex) }
          : undefined,
        bitmap: buf(proof.bitmap),
        siblings: proof.siblings.map(buf),
      };
    }),
  };
}

async function findEvent(reader: LogReader, eventId: string): Promise<LeafRecord> {
  const entry = await reader.entryByEventId(eventId, true);
  if (entry === undefined) throw new AppError('AUDIT_EVENT_NOT_FOUND', `event ${eventId} is not in the audit log`);
  return entry;
}

/** The leading leaves that fit in one response. */
function capped(leaves: LeafRecord[]): LeafRecord[] {
  const out: LeafRecord[] = [];
  let bytes = 0;
  for (const leaf of leaves) {
    bytes += leaf.canonical.length + leaf.data.length + 256;
    if (out.length > 0 && bytes > MAX_RESPONSE_BYTES) break;
    out.push(leaf);
  }
  return out;
}

function buf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
