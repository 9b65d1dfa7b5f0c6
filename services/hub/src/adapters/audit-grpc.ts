import { status } from '@grpc/grpc-js';
import {
  type AuditBundle,
  type auditV1,
  type ExportSource,
  KEY_ROTATION_EXTENSION,
  type OnlineLogView,
  type ReplayBusSource,
  type ReplayLogSource,
  subjectMapFromLog,
} from '@onceonly/audit/client';
import { AppError, isAppError, statusNameOf } from '@onceonly/errors';
import type { SubjectMapClaim } from '@onceonly/merkle';
import { type ClientOptions, call, serverStream } from '../client.js';

// The audit log over gRPC, as the sources `replay` and `export` read: the CLI's adapters of AuditService. They only
// fetch; every proof they return is verified by the caller, locally, with the log's key.

/** Lower-case hex of bytes, as bundles carry hashes. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** An event of the log as a bundle carries it (data in base64). */
export function eventOf(e: auditV1.Event): AuditBundle['events'][number]['event'] {
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

/** A bundle of `events` under a signed checkpoint (a checkpoint alone is checked as a bundle with no events). */
export function bundleOf(
  checkpoint: auditV1.Checkpoint,
  verifierKey: string,
  events: AuditBundle['events'],
  keyAnnouncements: readonly string[] = [],
): AuditBundle {
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
    ...(keyAnnouncements.length > 0 ? { keyAnnouncements } : {}),
  };
}

/**
 * The announcements a verifier pinned to `pinned` needs to follow to the key the hub names (none when it names the
 * pinned key, or no key is pinned): all of them, since a proof may be against a checkpoint older than a rotation.
 */
export async function announcementsFor(
  c: auditV1.AuditServiceClient,
  o: ClientOptions,
  pinned: string | undefined,
  verifierKey: string,
): Promise<string[]> {
  return pinned === undefined || pinned.trim() === verifierKey ? [] : keyAnnouncementsOf(c, o, Number.MAX_SAFE_INTEGER);
}

/** The stored log over gRPC, for `replay` against a running hub. */
export function grpcLogSource(c: auditV1.AuditServiceClient, o: ClientOptions): ReplayLogSource {
  return {
    async info() {
      const info = await call(c.getLogInfo.bind(c), {}, o);
      return {
        origin: info.origin,
        // every key the log signed with (after a rotation, more than one); an older hub names its current key only
        verifierKeys: info.logKeys.length > 0 ? info.logKeys : [info.verifierKey],
        size: Number(info.treeSize),
        topics: info.topics,
      };
    },
    checkpoints: () => allCheckpoints(c, o),
    entries: (size) => streamedEntries(c, o, size),
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
        const { entry } = await call(c.getEvent.bind(c), { eventId, purpose: 'audit replay' }, o);
        return entry ? Number(entry.leafIndex) : undefined;
      } catch (err) {
        if (isAppError(err, 'AUDIT_EVENT_NOT_FOUND')) return undefined;
        throw err;
      }
    },
  };
}

/**
 * The bus re-read by the hub itself (StreamBusEvents, auditors only): for a replay that cannot reach the bus (the
 * embedded log is in the hub's locked folder; an external hub's Kafka may be out of reach). The checkpoints the hub
 * found on its bus come back as signed notes, which the replay verifies itself with the log's key.
 */
export function grpcBusSource(c: auditV1.AuditServiceClient, o: ClientOptions): ReplayBusSource {
  return {
    async read(topics, onRecord, onProgress, signal) {
      for await (const { item } of serverStream(c.streamBusEvents.bind(c), { topics: [...topics] }, o)) {
        // the replay stopped (its log read failed): leaving the loop cancels the call
        signal?.throwIfAborted();
        if (item?.$case === 'progress') onProgress?.(Number(item.value.read), Number(item.value.total));
        else if (item?.$case === 'records') for (const r of item.value.records) onRecord(busRecordOf(r));
        else if (item?.$case === 'summary') return readSummary(item.value);
      }
      throw new AppError('UNAVAILABLE', 'the hub ended its read of the bus without a summary');
    },
  };
}

function busRecordOf(r: auditV1.BusRecord): Parameters<Parameters<ReplayBusSource['read']>[1]>[0] {
  const e = r.event;
  if (!e) throw new AppError('INTERNAL', `the hub sent a bus record without its event (${r.topic}/${r.partition})`);
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    event: {
      id: e.id,
      source: e.source,
      type: e.type,
      subject: e.subject,
      time: e.time,
      specversion: e.specversion as '1.0',
      datacontenttype: e.datacontenttype,
      dataschema: e.dataschema,
      sequence: e.sequence,
      data: e.data,
    },
  };
}

function readSummary(s: auditV1.BusReadSummary) {
  return {
    records: Number(s.records),
    malformed: Number(s.malformed),
    logReadUpTo: new Map(s.logReadUpTo.map((p) => [`${p.topic}/${p.partition}`, Number(p.offset)])),
    checkpointNotes: s.checkpointNotes,
  };
}

/**
 * Every entry below `size`, in one stream (StreamEntries, auditors only; recorded by the hub as a read, with
 * `purpose`). A missing leaf shows as a jump in the indexes.
 */
async function* streamedEntries(c: auditV1.AuditServiceClient, o: ClientOptions, size: number, purpose = '') {
  const request = { start: '0', end: String(size), omitData: false, purpose };
  for await (const { entries } of serverStream(c.streamEntries.bind(c), request, o)) {
    for (const e of entries) {
      yield {
        leafIndex: Number(e.leafIndex),
        canonical: e.canonical,
        leafHash: e.leafHash,
        data: e.event?.data ?? Buffer.alloc(0),
        topic: e.topic,
        partition: e.partition,
        offset: e.offset,
        ...(e.causationId ? { causationId: e.causationId } : {}),
      };
    }
  }
}

/** Every signed checkpoint of the log, in size order (ListCheckpoints, pages of 1000). */
async function allCheckpoints(
  c: auditV1.AuditServiceClient,
  o: ClientOptions,
): Promise<Array<{ size: number; signedNote: string }>> {
  const all = [];
  let pageToken = '';
  do {
    const page = await call(c.listCheckpoints.bind(c), { page: { pageSize: 1000, pageToken } }, o);
    all.push(...page.checkpoints.map((cp) => ({ size: Number(cp.size), signedNote: cp.signedNote })));
    pageToken = page.page?.nextPageToken ?? '';
  } while (pageToken);
  return all;
}

/**
 * The log as it is now, for `audit verify --online` (ADR 009): every checkpoint that announces a key, and the latest
 * checkpoint with the consistency proof from the bundle's size. Only public RPCs; the caller verifies all of it.
 * @throws AppError AUDIT_SOURCE_MISMATCH when the hub keeps another log than the bundle's.
 */
export async function onlineLogView(
  c: auditV1.AuditServiceClient,
  o: ClientOptions,
  bundle: { origin: string; treeSize: number },
): Promise<OnlineLogView> {
  const info = await call(c.getLogInfo.bind(c), {}, o);
  if (info.origin !== bundle.origin) {
    throw new AppError(
      'AUDIT_SOURCE_MISMATCH',
      `the hub keeps the log ${info.origin}, the bundle is of ${bundle.origin}`,
    );
  }
  const announcements = (await allCheckpoints(c, o)).filter((cp) =>
    cp.signedNote.includes(`\n${KEY_ROTATION_EXTENSION} `),
  );
  const { checkpoint } = await call(c.getCheckpoint.bind(c), {}, o);
  if (!checkpoint) return { announcements };
  const size = Number(checkpoint.size);
  // a log now smaller than the bundle has no proof to give: the check names it
  const consistency =
    size <= bundle.treeSize || bundle.treeSize === 0
      ? []
      : (
          await call(
            c.getConsistencyProof.bind(c),
            { firstSize: String(bundle.treeSize), secondSize: checkpoint.size },
            o,
          )
        ).hashes;
  return { announcements, latest: { signedNote: checkpoint.signedNote, consistency } };
}

/** The signed checkpoints up to `treeSize` that announce a new log key (a rotation), oldest first. */
export async function keyAnnouncementsOf(
  c: auditV1.AuditServiceClient,
  o: ClientOptions,
  treeSize: number,
): Promise<string[]> {
  const announcing = (await allCheckpoints(c, o)).filter(
    (cp) => cp.size <= treeSize && cp.signedNote.includes(`\n${KEY_ROTATION_EXTENSION} `),
  );
  return announcing.map((cp) => cp.signedNote);
}

/** `export` over gRPC; `purpose` (why the caller reads, `--why`) is logged by the hub with every read. */
export function grpcExportSource(c: auditV1.AuditServiceClient, o: ClientOptions, purpose = ''): ExportSource {
  return {
    async latest() {
      const { checkpoint, verifierKey } = await call(c.getCheckpoint.bind(c), {}, o);
      if (!checkpoint) throw new AppError('AUDIT_CHECKPOINT_NOT_FOUND', 'the log has no checkpoint yet');
      return { verifierKey, signedNote: checkpoint.signedNote };
    },
    keyAnnouncements: (treeSize) => keyAnnouncementsOf(c, o, treeSize),
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
            purpose,
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
        { leaf: { $case: 'leafIndex', value: String(leafIndex) }, treeSize: String(treeSize), purpose },
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
    // The map proof the hub stores (GetSubjectMapProof: an auditor, or the portal for a holder none of whose entries
    // is kept secret); a caller refused it gets a bundle without it: a filtered view, which `verify` refuses as a
    // complete bundle (MAP_PROOF_MISSING). A hub without the RPC: recomputed from the whole log (auditors only).
    async subjectMap(subject, treeSize) {
      try {
        return await subjectMapProofOf(c, o, subject, treeSize, purpose);
      } catch (err) {
        if (isAppError(err) && statusNameOf(err.code) === 'PERMISSION_DENIED') return undefined;
        if (!unimplemented(err)) throw err;
      }
      try {
        return await subjectMapFromLog(streamedEntries(c, o, treeSize, purpose), subject, treeSize);
      } catch (err) {
        if (isAppError(err) && statusNameOf(err.code) === 'PERMISSION_DENIED') return undefined;
        throw err;
      }
    },
  };
}

/** The subject's map proof at `treeSize`, as the hub stores it (GetSubjectMapProof); verified by the caller. */
export async function subjectMapProofOf(
  c: auditV1.AuditServiceClient,
  o: ClientOptions,
  subject: string,
  treeSize: number,
  purpose = '',
): Promise<SubjectMapClaim> {
  const answer = await call(c.getSubjectMapProof.bind(c), { subject, treeSize: String(treeSize), purpose }, o);
  if (Number(answer.treeSize) !== treeSize) {
    throw new AppError(
      'AUDIT_VERIFICATION_FAILED',
      `the hub answered the map of size ${answer.treeSize}, not ${treeSize}`,
    );
  }
  const { chain } = answer;
  return {
    chain: chain && { count: Number(chain.count), head: chain.head, lastIndex: Number(chain.lastIndex) },
    proof: { bitmap: answer.bitmap, siblings: answer.siblings },
  };
}

/** The hub does not serve the RPC (an older hub): gRPC status 12, whatever code the client mapped it to. */
function unimplemented(err: unknown): boolean {
  return isAppError(err) && (err.cause as { code?: unknown } | undefined)?.code === status.UNIMPLEMENTED;
}
