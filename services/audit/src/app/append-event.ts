import { CAUSATION_EXTENSION } from '@onceonly/events';
import { CompactRange, emptySubjectChain, extendSubjectChain, type SubjectChain } from '@onceonly/merkle';
import { type Leaf, type LoggableEvent, leafOf } from '../domain/leaf.js';
import { partiesOf } from '../domain/read-access.js';
import {
  advance,
  afterArrival,
  classifyArrival,
  type SequenceArrival,
  type SequenceState,
} from '../domain/sequences.js';
import { subjectKeyOf } from '../domain/subject-key.js';
import {
  type AppendPort,
  type BatchAppendPort,
  type KeyedChain,
  type LeafRecord,
  type NewGapRecord,
  type SourceSequence,
  sequenceKey,
} from './ports.js';

/** Where the event was read; kept beside the leaf, not in it. */
export interface ReadFrom {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** What one append did. */
export type AppendOutcome =
  | { readonly appended: true; readonly leafIndex: number; readonly size: number; readonly arrival: SequenceArrival }
  | { readonly appended: false };

/** The stored row of an event appended as leaf `leafIndex`. */
function leafRecordOf(event: LoggableEvent, from: ReadFrom, leaf: Leaf, leafIndex: number): LeafRecord {
  return {
    leafIndex,
    eventId: event.id,
    ...from,
    source: event.source,
    type: event.type,
    subject: event.subject,
    time: new Date(event.time),
    sequence: event.sequence,
    bodySha256: leaf.attributes.dataSha256,
    leafHash: leaf.hash,
    canonical: leaf.canonical,
    data: event.data,
    ...partiesOf(event.extensions),
    ...(event.extensions?.[CAUSATION_EXTENSION] ? { causationId: event.extensions[CAUSATION_EXTENSION] } : {}),
  };
}

const WALK_BATCH = 500;

/**
 * Appends one event as the next leaf, inside the caller's transaction (the consumer's, which also records the event
 * in its inbox): locks the tree head, stores the leaf and the interior nodes it completes, moves the head, and
 * checks the source's sequence (a hole or a repeat is recorded, never skipped: the leaf is appended anyway).
 * It also extends the subject's hash chain by the new leaf (ADR 006), under the same lock, so the chains always
 * match the tree head: the next checkpoint commits to them in its subject map. That costs two extra statements: the
 * chain is read right after the lock, and saved. An event id that is already a leaf appends nothing.
 */
export async function appendEvent(
  port: AppendPort,
  event: LoggableEvent,
  from: ReadFrom,
  now: Date,
): Promise<AppendOutcome> {
  const subjectKey = subjectKeyOf(event.subject);
  const head = await port.lockHead(subjectKey);
  const leaf = leafOf(event);
  const range = CompactRange.fromHashes(head.size, head.range);
  const completed = range.append(leaf.hash);
  const inserted = await port.insertLeaf(leafRecordOf(event, from, leaf, head.size));
  if (!inserted) return { appended: false };
  await port.insertNodes(completed.filter((n) => n.level > 0));
  await port.saveHead({ size: range.size, range: range.hashes(), root: range.root() });
  if (subjectKey) {
    await port.saveSubjectChain(
      subjectKey,
      extendSubjectChain(head.chain ?? emptySubjectChain(), head.size, leaf.hash),
    );
  }
  const arrival = await checkSequence(port, event, now);
  return { appended: true, leafIndex: head.size, size: range.size, arrival };
}

async function checkSequence(port: AppendPort, event: LoggableEvent, now: Date): Promise<SequenceArrival> {
  const sequence = BigInt(event.sequence);
  const before: SourceSequence = (await port.sequenceOf(event.source)) ?? {
    source: event.source,
    contiguous: 0n,
    maxSeen: 0n,
    events: 0n,
  };
  const seen = await port.sequenceLogged(event.source, sequence, event.id);
  const arrival = classifyArrival(before, sequence, seen);
  let state: SequenceState = arrival.kind === 'repeat' ? before : afterArrival(before, sequence);
  if (arrival.kind === 'next' && state.contiguous < state.maxSeen) {
    state = { ...state, contiguous: await walk(port, event.source, state.contiguous) };
  }
  if (arrival.kind === 'next' && before.contiguous < before.maxSeen) {
    await port.resolveGaps(event.source, state.contiguous, now);
  }
  const detected = { source: event.source, eventId: event.id, detectedAt: now };
  if (arrival.kind === 'ahead' && arrival.gap) {
    await port.recordGap({ ...detected, kind: 'gap', expected: arrival.gap.expected, got: arrival.gap.got });
  }
  if (arrival.kind === 'repeat')
    await port.recordGap({ ...detected, kind: 'repeat', expected: sequence, got: sequence });
  await port.saveSequence({ source: event.source, ...state, events: before.events + 1n });
  return arrival;
}

/** Moves the complete prefix over numbers that arrived early, reading them in batches. */
async function walk(port: AppendPort, source: string, from: bigint): Promise<bigint> {
  let contiguous = from;
  for (;;) {
    const above = await port.sequencesAbove(source, contiguous, WALK_BATCH);
    const step = advance(contiguous, above);
    contiguous = step.contiguous;
    if (step.blocked || above.length < WALK_BATCH) return contiguous;
  }
}

/** One event of a batch, with where it was read. */
export interface BatchEvent<E extends LoggableEvent = LoggableEvent> {
  readonly event: E;
  readonly from: ReadFrom;
}

/** One event a batch appended. */
export interface BatchAppended<E extends LoggableEvent = LoggableEvent> {
  readonly event: E;
  readonly leafIndex: number;
  readonly arrival: SequenceArrival;
}

/** What one batch append did: the events it appended (in order) and the tree's size after it. */
export interface BatchOutcome<E extends LoggableEvent = LoggableEvent> {
  readonly appended: readonly BatchAppended<E>[];
  readonly size: number;
}

/** Options of {@link appendEvents}. */
export interface AppendBatchOptions {
  /**
   * Extend the subject chains (default true). Only the benchmark turns it off, to measure what the subject index
   * costs: a log appended without it has chains that do not match its tree, so it must not sign subject maps.
   */
  readonly subjectChains?: boolean;
}

/**
 * Appends a batch of events as the next leaves, in order, inside the caller's transaction, with the same result as
 * {@link appendEvent} called for each event in turn with the same `now` (ADR 011): one lock of the tree head (which
 * also reads the chains of the batch's subjects), the leaves, the interior nodes and the extended chains each in
 * one multi-row statement, the head saved once; the sources' sequence bookkeeping (repeats, holes, the complete
 * prefix, gaps opened and resolved) is computed in memory with the pure functions of domain/sequences.ts from one
 * read of the sources' states and one of the stored leaves that carry the batch's numbers, and saved once per
 * source. An event id that is already a leaf (or came earlier in the batch) appends nothing.
 */
export async function appendEvents<E extends LoggableEvent>(
  port: BatchAppendPort,
  batch: readonly BatchEvent<E>[],
  now: Date,
  options: AppendBatchOptions = {},
): Promise<BatchOutcome<E>> {
  const withChains = options.subjectChains ?? true;
  // the leaves and subject keys do not depend on the head: computed before the lock, so that it is held shorter
  const keyed = batch.map((item) => ({
    ...item,
    leaf: leafOf(item.event),
    subjectKey: withChains ? subjectKeyOf(item.event.subject) : undefined,
  }));
  const keys = new Map<string, Uint8Array>();
  for (const { subjectKey } of keyed) if (subjectKey) keys.set(hex(subjectKey), subjectKey);
  const { head, chains } = await port.lockHeadWithChains([...keys.values()]);
  if (batch.length === 0) return { appended: [], size: head.size };

  // the events to append: not a leaf yet, first copy in the batch
  const logged = await port.loggedEventIds([...new Set(batch.map((b) => b.event.id))]);
  const fresh = keyed.filter((item) => {
    if (logged.has(item.event.id)) return false;
    logged.add(item.event.id);
    return true;
  });
  if (fresh.length === 0) return { appended: [], size: head.size };

  // the tree and the chains, in memory
  const range = CompactRange.fromHashes(head.size, head.range);
  const nodes: ReturnType<CompactRange['append']> = [];
  const leaves: LeafRecord[] = [];
  const extended = new Map<string, SubjectChain>();
  for (const { event, from, leaf, subjectKey } of fresh) {
    const leafIndex = range.size;
    for (const node of range.append(leaf.hash)) if (node.level > 0) nodes.push(node);
    leaves.push(leafRecordOf(event, from, leaf, leafIndex));
    if (subjectKey) {
      const k = hex(subjectKey);
      const chain = extended.get(k) ?? chains.get(k) ?? emptySubjectChain();
      extended.set(k, extendSubjectChain(chain, leafIndex, leaf.hash));
    }
  }

  // the sequences, in memory, from what was stored before the batch
  const books = await sequenceBooks(port, fresh, now);

  await port.insertLeaves(leaves);
  await port.insertNodes(nodes);
  await port.saveHead({ size: range.size, range: range.hashes(), root: range.root() });
  if (extended.size > 0) {
    await port.saveSubjectChains(
      [...extended].map(([k, chain]): KeyedChain => ({ key: keys.get(k) ?? Buffer.from(k, 'hex'), chain })),
    );
  }
  await port.saveSequences(books.states);
  if (books.resolve.length > 0) await port.resolveGaps(books.resolve, now);
  if (books.gaps.length > 0) await port.recordGaps(books.gaps);
  return {
    appended: fresh.map((item, i) => ({ event: item.event, leafIndex: head.size + i, arrival: books.arrivals[i]! })),
    size: range.size,
  };
}

/** Per source: the state, the numbers the batch brought so far, and the stored numbers above the state (paged). */
interface SourceBook {
  before: SourceSequence;
  state: SequenceState;
  events: bigint;
  /** Numbers of the batch's events so far (ascending, repeats kept). */
  arrived: bigint[];
  /** Stored numbers read by the last page, ascending: every stored number above the prefix and at or below
   * `storedThrough` (every one above the prefix when `storedAll`). */
  stored: bigint[];
  storedThrough: bigint;
  storedAll: boolean;
  /** A 'next' arrival found holes behind it: the stored open gaps are resolved up to the final prefix. */
  resolves: boolean;
}

/**
 * The sequence bookkeeping of a batch, event by event as {@link checkSequence} does it, but in memory: the states
 * and the stored leaves that carry the batch's numbers are read once, the stored numbers above a prefix only when a
 * walk needs them.
 */
async function sequenceBooks(
  port: BatchAppendPort,
  fresh: ReadonlyArray<{ event: LoggableEvent }>,
  now: Date,
): Promise<{
  arrivals: SequenceArrival[];
  states: SourceSequence[];
  gaps: NewGapRecord[];
  resolve: Array<{ source: string; contiguous: bigint }>;
}> {
  const sources = [...new Set(fresh.map((f) => f.event.source))];
  const stored = await port.sequencesOf(sources);
  const seenBefore = await port.sequencesLogged(
    fresh.map((f) => ({ source: f.event.source, sequence: BigInt(f.event.sequence) })),
  );
  const books = new Map<string, SourceBook>();
  for (const source of sources) {
    const before = stored.get(source) ?? { source, contiguous: 0n, maxSeen: 0n, events: 0n };
    books.set(source, {
      before,
      state: { contiguous: before.contiguous, maxSeen: before.maxSeen },
      events: before.events,
      arrived: [],
      stored: [],
      storedThrough: before.contiguous,
      storedAll: false,
      resolves: false,
    });
  }
  const arrivals: SequenceArrival[] = [];
  const gaps: NewGapRecord[] = [];
  for (const { event } of fresh) {
    const book = books.get(event.source)!;
    const sequence = BigInt(event.sequence);
    const seen = seenBefore.has(sequenceKey(event.source, sequence)) || book.arrived.includes(sequence);
    const prior = book.state;
    const arrival = classifyArrival(prior, sequence, seen);
    insertSorted(book.arrived, sequence);
    let state: SequenceState = arrival.kind === 'repeat' ? prior : afterArrival(prior, sequence);
    if (arrival.kind === 'next' && state.contiguous < state.maxSeen) {
      state = { ...state, contiguous: await walkBook(port, event.source, book, state.contiguous) };
    }
    if (arrival.kind === 'next' && prior.contiguous < prior.maxSeen) {
      book.resolves = true;
      // gaps this batch opened are resolved in memory, as the stored ones will be by the final prefix
      for (const gap of gaps) {
        if (gap.source === event.source && gap.kind === 'gap' && !gap.resolvedAt && gap.got - 1n <= state.contiguous) {
          Object.assign(gap, { resolvedAt: now });
        }
      }
    }
    const detected = { source: event.source, eventId: event.id, detectedAt: now };
    if (arrival.kind === 'ahead' && arrival.gap) {
      gaps.push({ ...detected, kind: 'gap', expected: arrival.gap.expected, got: arrival.gap.got });
    }
    if (arrival.kind === 'repeat') gaps.push({ ...detected, kind: 'repeat', expected: sequence, got: sequence });
    book.state = state;
    book.events += 1n;
    arrivals.push(arrival);
  }
  const states: SourceSequence[] = [];
  const resolve: Array<{ source: string; contiguous: bigint }> = [];
  for (const [source, book] of books) {
    states.push({ source, ...book.state, events: book.events });
    if (book.resolves) resolve.push({ source, contiguous: book.state.contiguous });
  }
  return { arrivals, states, gaps, resolve };
}

/**
 * Moves the complete prefix over numbers that arrived early (as {@link walk}): those stored before the batch,
 * read in pages of {@link WALK_BATCH} as far as the walk goes, and those the batch brought so far.
 */
async function walkBook(port: BatchAppendPort, source: string, book: SourceBook, from: bigint): Promise<bigint> {
  let contiguous = from;
  for (;;) {
    if (!book.storedAll && book.storedThrough <= contiguous) {
      // what was read before is at or below the prefix now: read the next page above it
      const page = await port.sequencesAbove(source, contiguous, WALK_BATCH);
      book.stored = page;
      if (page.length < WALK_BATCH) book.storedAll = true;
      else book.storedThrough = page[page.length - 1]!;
    }
    const bound = book.storedAll ? undefined : book.storedThrough;
    const following = mergeSorted(
      book.stored.filter((n) => n > contiguous),
      book.arrived.filter((n) => n > contiguous && (bound === undefined || n <= bound)),
    );
    const step = advance(contiguous, following);
    contiguous = step.contiguous;
    // stopped at a hole; or every number is known; or the next number is at or below the bound, and absent
    if (step.blocked || bound === undefined || contiguous < bound) return contiguous;
  }
}

function insertSorted(list: bigint[], n: bigint): void {
  let i = list.length;
  while (i > 0 && list[i - 1]! > n) i--;
  list.splice(i, 0, n);
}

function mergeSorted(a: readonly bigint[], b: readonly bigint[]): bigint[] {
  const out: bigint[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
