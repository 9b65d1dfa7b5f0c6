/**
 * Property: appending batches (`appendEvents`) leaves the log in the same state as appending the same events one by
 * one (`appendEvent`) with the same clock per batch: head, leaves, nodes, subject chains, sequence states, gaps and
 * repeats with their times, and each event's arrival. Over in-memory ports (no I/O), for random streams of a few
 * sources with numbers out of order, lost, repeated, and events redelivered.
 */
import { CompactRange, type SubjectChain, type SubtreeNode } from '@onceonly/merkle';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LoggableEvent } from '../domain/leaf.js';
import type { SequenceArrival } from '../domain/sequences.js';
import { appendEvent, appendEvents } from './append-event.js';
import {
  type AppendPort,
  type BatchAppendPort,
  type LeafRecord,
  type NewGapRecord,
  type SourceSequence,
  sequenceKey,
  type TreeHead,
} from './ports.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The log's tables, in memory. */
class MemoryLog {
  head: TreeHead = { size: 0, range: [], root: CompactRange.empty().root() };
  readonly leaves: LeafRecord[] = [];
  readonly nodes: SubtreeNode[] = [];
  readonly chains = new Map<string, SubjectChain>();
  readonly sequences = new Map<string, SourceSequence>();
  readonly gaps: NewGapRecord[] = [];

  numbersOf(source: string): bigint[] {
    return this.leaves
      .filter((l) => l.source === source)
      .map((l) => BigInt(l.sequence))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  saveChain(key: string, chain: SubjectChain): void {
    const before = this.chains.get(key);
    if (before && before.lastIndex >= chain.lastIndex) throw new Error('a chain moved backwards');
    this.chains.set(key, chain);
  }

  resolve(source: string, contiguous: bigint, at: Date): void {
    for (const [i, g] of this.gaps.entries()) {
      if (g.source === source && g.kind === 'gap' && !g.resolvedAt && g.got - 1n <= contiguous) {
        this.gaps[i] = { ...g, resolvedAt: at };
      }
    }
  }

  appendPort(): AppendPort {
    return {
      lockHead: async (key) => {
        const chain = key ? this.chains.get(hex(key)) : undefined;
        return chain ? { ...this.head, chain } : this.head;
      },
      saveHead: async (head) => {
        this.head = head;
      },
      saveSubjectChain: async (key, chain) => this.saveChain(hex(key), chain),
      insertLeaf: async (leaf) => {
        if (this.leaves.some((l) => l.eventId === leaf.eventId)) return false;
        this.leaves.push(leaf);
        return true;
      },
      insertNodes: async (nodes) => {
        this.nodes.push(...nodes);
      },
      sequenceOf: async (source) => this.sequences.get(source),
      sequenceLogged: async (source, sequence, eventId) =>
        this.leaves.some((l) => l.source === source && BigInt(l.sequence) === sequence && l.eventId !== eventId),
      sequencesAbove: async (source, after, limit) =>
        this.numbersOf(source)
          .filter((n) => n > after)
          .slice(0, limit),
      saveSequence: async (state) => {
        this.sequences.set(state.source, state);
      },
      recordGap: async (gap) => {
        this.gaps.push(gap);
      },
      resolveGaps: async (source, contiguous, at) => this.resolve(source, contiguous, at),
    };
  }

  batchPort(): BatchAppendPort {
    return {
      lockHeadWithChains: async (keys) => {
        const chains = new Map<string, SubjectChain>();
        for (const key of keys) {
          const chain = this.chains.get(hex(key));
          if (chain) chains.set(hex(key), chain);
        }
        return { head: this.head, chains };
      },
      loggedEventIds: async (ids) => new Set(this.leaves.filter((l) => ids.includes(l.eventId)).map((l) => l.eventId)),
      sequencesOf: async (sources) => new Map([...this.sequences].filter(([source]) => sources.includes(source))),
      sequencesLogged: async (pairs) =>
        new Set(
          pairs
            .filter((p) => this.leaves.some((l) => l.source === p.source && BigInt(l.sequence) === p.sequence))
            .map((p) => sequenceKey(p.source, p.sequence)),
        ),
      sequencesAbove: async (source, after, limit) =>
        this.numbersOf(source)
          .filter((n) => n > after)
          .slice(0, limit),
      insertLeaves: async (leaves) => {
        for (const leaf of leaves) {
          if (this.leaves.some((l) => l.eventId === leaf.eventId)) throw new Error('a leaf twice');
          this.leaves.push(leaf);
        }
      },
      insertNodes: async (nodes) => {
        this.nodes.push(...nodes);
      },
      saveHead: async (head) => {
        this.head = head;
      },
      saveSubjectChains: async (chains) => {
        for (const { key, chain } of chains) this.saveChain(hex(key), chain);
      },
      saveSequences: async (states) => {
        for (const state of states) this.sequences.set(state.source, state);
      },
      recordGaps: async (gaps) => {
        this.gaps.push(...gaps);
      },
      resolveGaps: async (resolved, at) => {
        for (const { source, contiguous } of resolved) this.resolve(source, contiguous, at);
      },
    };
  }

  /** Everything, comparable with toEqual. */
  snapshot() {
    return {
      head: { size: this.head.size, range: this.head.range.map(hex), root: hex(this.head.root) },
      leaves: this.leaves.map((l) => ({ ...l, leafHash: hex(l.leafHash), canonical: hex(l.canonical) })),
      nodes: this.nodes.map((n) => `${n.level}/${n.index}/${hex(n.hash)}`).sort(),
      chains: [...this.chains].map(([k, c]) => [k, c.count, hex(c.head), c.lastIndex]).sort(),
      sequences: [...this.sequences.values()].sort((a, b) => a.source.localeCompare(b.source)),
      gaps: this.gaps,
    };
  }
}

function event(id: string, source: string, sequence: number, subject: string): LoggableEvent {
  return {
    id,
    source,
    type: 'test.thing.happened',
    subject,
    time: '2024-05-01T08:30:00.000Z',
    specversion: '1.0',
    datacontenttype: 'application/protobuf',
    dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
    sequence: String(sequence),
    data: new Uint8Array([sequence & 0xff]),
  };
}

/** A stream of events: a few sources, numbers 1..20 in any order with some lost and some repeated, redeliveries. */
const streams = fc
  .array(
    fc.record({
      source: fc.constantFrom('/a', '/b', '/c'),
      sequence: fc.integer({ min: 1, max: 20 }),
      subject: fc.constantFrom('', 's1', 's2', 's3'),
      redeliver: fc.option(fc.nat(), { freq: 5 }),
    }),
    { maxLength: 60 },
  )
  .map((specs) => {
    const events: LoggableEvent[] = [];
    for (const [i, spec] of specs.entries()) {
      const again = spec.redeliver !== null && events.length > 0 ? events[spec.redeliver % events.length] : undefined;
      events.push(again ?? event(`e${i}`, spec.source, spec.sequence, spec.subject));
    }
    return events;
  });

/** Cuts a stream into batches of the given sizes (the rest in one). */
function cut(events: readonly LoggableEvent[], sizes: readonly number[]): LoggableEvent[][] {
  const batches: LoggableEvent[][] = [];
  let i = 0;
  for (const size of sizes) {
    if (i >= events.length) break;
    batches.push(events.slice(i, i + size));
    i += size;
  }
  if (i < events.length) batches.push(events.slice(i));
  return batches;
}

const FROM = { topic: 'onceonly.test.v1', partition: 0, offset: '0' };
const nowOf = (batch: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, batch));

describe('appendEvents', () => {
  it('leaves the log as appending the same events one by one would', async () => {
    await fc.assert(
      fc.asyncProperty(streams, fc.array(fc.integer({ min: 1, max: 15 }), { maxLength: 20 }), async (events, sizes) => {
        const batches = cut(events, sizes);
        const single = new MemoryLog();
        const one: SequenceArrival[] = [];
        for (const [b, batch] of batches.entries()) {
          for (const e of batch) {
            const outcome = await appendEvent(single.appendPort(), e, FROM, nowOf(b));
            if (outcome.appended) one.push(outcome.arrival);
          }
        }
        const batched = new MemoryLog();
        const many: SequenceArrival[] = [];
        for (const [b, batch] of batches.entries()) {
          const outcome = await appendEvents(
            batched.batchPort(),
            batch.map((e) => ({ event: e, from: FROM })),
            nowOf(b),
          );
          many.push(...outcome.appended.map((a) => a.arrival));
          expect(outcome.size).toBe(batched.head.size);
        }
        expect(many).toEqual(one);
        expect(batched.snapshot()).toEqual(single.snapshot());
      }),
      { numRuns: 300 },
    );
  });

  it('without subject chains, appends the same tree and sequences and touches no chain', async () => {
    const events = [event('x1', '/a', 2, 's1'), event('x2', '/a', 1, 's1'), event('x3', '/b', 1, 's2')];
    const withChains = new MemoryLog();
    const without = new MemoryLog();
    const batch = events.map((e) => ({ event: e, from: FROM }));
    await appendEvents(withChains.batchPort(), batch, nowOf(0));
    await appendEvents(without.batchPort(), batch, nowOf(0), { subjectChains: false });
    expect(without.chains.size).toBe(0);
    expect(withChains.chains.size).toBe(2);
    const { chains: _a, ...rest } = withChains.snapshot();
    const { chains: _b, ...restWithout } = without.snapshot();
    expect(restWithout).toEqual(rest);
  });
});
