import { CompactRange, emptySubjectChain, extendSubjectChain } from '@onceonly/merkle';
import { type LoggableEvent, leafOf } from '../domain/leaf.js';
import { partiesOf } from '../domain/read-access.js';
import {
  advance,
  afterArrival,
  classifyArrival,
  type SequenceArrival,
  type SequenceState,
} from '../domain/sequences.js';
import { subjectKeyOf } from '../domain/subject-key.js';
import type { AppendPort, SourceSequence } from './ports.js';

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

const WALK_BATCH = 500;

/**
 * Appends one event as the next leaf, inside the caller's transaction (the consumer's, which also records the event
 * in its inbox): locks the tree head, stores the leaf and the interior nodes it completes, moves the head, and
 * checks the source's sequence (a hole or a repeat is recorded, never skipped: the leaf is appended anyway).
 * It also extends the subject's hash chain by the new leaf (ADR 006), under the same lock, so the chains always
 * match the tree head: the next checkpoint commits to them in its subject map. That costs one extra statement: the
 * chain is read with the head. An event id that is already a leaf appends nothing.
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
  const inserted = await port.insertLeaf({
    leafIndex: head.size,
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
  });
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
