import { AppError } from '@onceonly/errors';
import type { SubjectMapClaim } from '@onceonly/merkle';
import type { Reader } from '../domain/read-access.js';
import { assertMayReadAll, denied, isSecret, mayRead, searchScope } from '../domain/read-access.js';
import { type ReadSubject, readSubjects } from '../domain/read-subjects.js';
import type { LeafRecord, LogReader, SearchFilter } from './ports.js';

// The reads of entries under least privilege (services/audit README, "Who may read what"): each use case decides
// with the pure rules of domain/read-access.ts, records the read through the ReadLog port (in the log's outbox, so
// the read is itself logged) before anything is disclosed, and returns only what the reader may read.

/** Who reads, with what the transport says about them (for the record of the read). */
export interface ReadingCaller extends Reader {
  readonly name: string;
  readonly authenticatedBy: string;
}

/** One read of entries, as the log records it (`audit.entries-read`). */
export interface ReadRecord {
  readonly caller: ReadingCaller;
  readonly method:
    | 'GetEntries'
    | 'SearchEvents'
    | 'GetEvent'
    | 'GetInclusionProof'
    | 'StreamEntries'
    | 'StreamBusEvents'
    | 'GetSubjectMapProof';
  readonly filter?: SearchFilter;
  readonly range?: { readonly start: number; readonly end: number };
  readonly eventId?: string;
  readonly leafIndexes: readonly number[];
  /** The disclosed entries by whose they are (domain/read-subjects.ts): the read is recorded for each. */
  readonly subjects: readonly ReadSubject[];
  /** Disclosed entries with no subject. */
  readonly unowned: readonly number[];
  readonly purpose: string;
  readonly at: Date;
}

/** Records reads; a read that cannot be recorded fails (no read goes unlogged). */
export interface ReadLog {
  record(read: ReadRecord): Promise<void>;
}

/** What the read use cases need. */
export interface ReadDeps {
  readonly reader: LogReader;
  readonly reads: ReadLog;
  readonly clock: () => Date;
  /** Keeps the leading leaves that fit in one response; only those are disclosed and recorded. */
  readonly fit: (leaves: LeafRecord[]) => LeafRecord[];
}

/** GetEntries: a range of leaves, all of which the caller must be allowed to read (AUDIT_READ_DENIED otherwise). */
export async function readRange(
  deps: ReadDeps,
  caller: ReadingCaller,
  q: { start: number; end: number; withData: boolean; purpose: string },
): Promise<LeafRecord[]> {
  const now = deps.clock();
  const all = await deps.reader.entries(q.start, q.end, q.withData);
  assertMayReadAll(caller, all, now);
  const leaves = deps.fit(all);
  const range = { start: q.start, end: q.end };
  await record(deps, { caller, method: 'GetEntries', range, purpose: q.purpose, at: now }, leaves);
  return leaves;
}

/**
 * SearchEvents: the caller's search, narrowed or refused by its role ({@link searchScope}), then only the entries
 * it may read. `next` is the leaf index to continue after (undefined when the search is exhausted): the last entry
 * returned when the response size cut the page, else the last one looked at, so paging moves past entries left out.
 */
export async function searchEntries(
  deps: ReadDeps,
  caller: ReadingCaller,
  q: { filter: SearchFilter; after: number; limit: number; withData: boolean; purpose: string },
): Promise<{ entries: LeafRecord[]; next: number | undefined }> {
  const now = deps.clock();
  const scope = searchScope(caller, q.filter);
  const filter: SearchFilter = { ...q.filter, ...definedOnly(scope.filter) };
  const found = await deps.reader.search(filter, q.after, q.limit, q.withData);
  const readable = found.filter((leaf) => mayRead(scope.reader, leaf, now));
  const entries = deps.fit(readable);
  await record(deps, { caller, method: 'SearchEvents', filter, purpose: q.purpose, at: now }, entries);
  if (entries.length < readable.length) return { entries, next: entries.at(-1)?.leafIndex };
  return { entries, next: found.length === q.limit ? found.at(-1)?.leafIndex : undefined };
}

/** GetEvent, and the entry of an inclusion proof asked by event id: AUDIT_READ_DENIED unless the caller may read it. */
export async function readEvent(
  deps: ReadDeps,
  caller: ReadingCaller,
  leaf: LeafRecord,
  method: 'GetEvent' | 'GetInclusionProof',
  purpose: string,
): Promise<void> {
  const now = deps.clock();
  assertMayReadAll(caller, [leaf], now);
  await record(deps, { caller, method, eventId: leaf.eventId, purpose, at: now }, [leaf]);
}

/** The subject map's proofs, as the log stores them (ADR 006). */
export interface SubjectMapProofs {
  /** The subject's chain and proof at checkpoint size `size`; undefined when no map version of that size is kept. */
  claim(subject: string, size: number): Promise<SubjectMapClaim | undefined>;
}

/** Entries per page when the map proof's reader checks every entry of the subject. */
const SUBJECT_PAGE = 1000;

/**
 * GetSubjectMapProof: the subject's map proof at a checkpoint's size, to an auditor, or to the portal acting for the
 * subject it names when it may read **every** entry of the subject up to that size: with it a bundle proves it holds
 * all of them, so a portal that may not read one of them (an entry a law keeps secret) is refused
 * (AUDIT_READ_DENIED) and keeps the filtered view; so are departments and platforms. Decided before the map is read; the read is recorded as a read of
 * the subject (no entry disclosed: the chain commits to their indexes and hashes).
 * @throws AppError AUDIT_READ_DENIED, AUDIT_CHECKPOINT_NOT_FOUND (no checkpoint, or none that signs a map of that size).
 */
export async function readSubjectMapProof(
  deps: Omit<ReadDeps, 'fit'> & { readonly maps: SubjectMapProofs },
  caller: ReadingCaller,
  q: { subject: string; treeSize?: number | undefined; purpose: string },
): Promise<{ treeSize: number; claim: SubjectMapClaim }> {
  const now = deps.clock();
  // only roles that may read a whole subject ask: a department's or a platform's refusal would otherwise say whether
  // another party's entries exist for the subject
  if (caller.code === '' || (caller.role !== 'auditor' && caller.role !== 'portal')) {
    throw denied(caller, 'the map proof of a subject is for auditors and for the portal acting for its holder');
  }
  const reader: Reader = caller.role === 'portal' ? { ...caller, onBehalfOf: q.subject } : caller;
  const size = q.treeSize ?? (await deps.reader.latestCheckpoint())?.size;
  if (size === undefined) throw new AppError('AUDIT_CHECKPOINT_NOT_FOUND', 'the log has no checkpoint yet');
  // the latest secrecy of the subject's entries: the record of this read is kept from the holder as long
  let secretUntil: Date | undefined;
  for (let after = -1; ; ) {
    const page = await deps.reader.search({ subject: q.subject }, after, SUBJECT_PAGE, false);
    const within = page.filter((leaf) => leaf.leafIndex < size);
    assertMayReadAll(reader, within, now);
    for (const leaf of within) {
      if (isSecret(leaf, now) && leaf.secretUntil! > (secretUntil ?? now)) secretUntil = leaf.secretUntil;
    }
    if (page.length < SUBJECT_PAGE || within.length < page.length) break;
    after = page.at(-1)!.leafIndex;
  }
  const claim = await deps.maps.claim(q.subject, size);
  if (claim === undefined) {
    throw new AppError('AUDIT_CHECKPOINT_NOT_FOUND', `no checkpoint of size ${size} signs a subject map`);
  }
  const subjects = [{ subject: q.subject, ...(secretUntil ? { secretUntil } : {}), leafIndexes: [] }];
  const filter = { subject: q.subject };
  await deps.reads.record({
    caller,
    method: 'GetSubjectMapProof',
    filter,
    range: { start: 0, end: size },
    leafIndexes: [],
    subjects,
    unowned: [],
    purpose: q.purpose,
    at: now,
  });
  return { treeSize: size, claim };
}

/**
 * The entry of an inclusion proof asked by leaf index: disclosed (and the read recorded) when the caller may read it,
 * left out otherwise. The proof's hashes disclose nothing of any event, so the proof itself is answered either way.
 */
export async function entryOfProof(
  deps: ReadDeps,
  caller: ReadingCaller,
  leaf: LeafRecord,
  purpose: string,
): Promise<LeafRecord | undefined> {
  const now = deps.clock();
  if (!mayRead(caller, leaf, now)) return undefined;
  await record(deps, { caller, method: 'GetInclusionProof', eventId: leaf.eventId, purpose, at: now }, [leaf]);
  return leaf;
}

async function record(
  deps: ReadDeps,
  read: Omit<ReadRecord, 'leafIndexes' | 'subjects' | 'unowned'>,
  leaves: readonly LeafRecord[],
) {
  await deps.reads.record({ ...read, leafIndexes: leaves.map((l) => l.leafIndex), ...readSubjects(leaves) });
}

function definedOnly(filter: { subject?: string | undefined; type?: string | undefined; source?: string | undefined }) {
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== '')) as SearchFilter;
}
