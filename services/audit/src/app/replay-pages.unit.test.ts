import { describe, expect, it } from 'vitest';
import { busOf, logSourceOf, type SignedLog, signedLog } from '../../test/fixtures.js';
import type { VerifiableEntry } from '../domain/log-verifier.js';
import { type ReplayLogSource, replay } from './replay.js';

// A source that gives its entries a page at a time (`pages`, the database's: ADR 055) is replayed to the same report
// as the same entries given one at a time, findings included (in the same order). In memory, no I/O.

/** The log's source, with (given `pageSize`) its entries also a page at a time, as the database source gives them. */
function source(log: SignedLog, entries: readonly VerifiableEntry[], pageSize?: number): ReplayLogSource {
  const oneByOne = logSourceOf(log, entries);
  if (pageSize === undefined) return oneByOne;
  return {
    ...oneByOne,
    async *pages(size) {
      const below = entries.slice(0, size);
      for (let at = 0; at < below.length; at += pageSize) yield below.slice(at, at + pageSize);
    },
  };
}

const clock = () => new Date('2026-12-06T12:00:00.000Z');

async function reportsOf(log: SignedLog, entries: readonly VerifiableEntry[]) {
  const run = (pageSize?: number) =>
    replay({ log: source(log, entries, pageSize), bus: busOf(log), verifierKey: log.key.verifierKey, clock });
  const oneByOne = await run();
  const paged = await Promise.all([1, 63, 64, 65, 255, 600, 1000].map((size) => run(size)));
  return { oneByOne, paged };
}

describe('replay of a source that gives its entries in pages', () => {
  it('gives the report of the same entries one at a time', async () => {
    const log = await signedLog(600, [100, 256, 600]);
    const { oneByOne, paged } = await reportsOf(log, log.entries);
    expect(oneByOne.ok).toBe(true);
    expect(oneByOne.entries).toBe(600);
    expect(oneByOne.checkpointsVerified).toBe(3);
    expect(oneByOne.busEventsMatched).toBe(600);
    for (const report of paged) expect(report).toEqual(oneByOne);
  });

  it('gives the same findings, in the same order, for missing, reordered and duplicated entries', async () => {
    const log = await signedLog(300, [100, 300]);
    const e = log.entries;
    const tampered = [...e.slice(0, 40), ...e.slice(41, 120), e[121]!, e[120]!, ...e.slice(122, 200), e[150]!];
    tampered.push(...e.slice(200));
    const { oneByOne, paged } = await reportsOf(log, tampered);
    expect(oneByOne.ok).toBe(false);
    const kinds = new Set(oneByOne.findings.map((f) => f.kind));
    expect(kinds).toContain('LEAF_MISSING');
    expect(kinds).toContain('LEAF_INDEX_INVALID');
    for (const report of paged) expect(report).toEqual(oneByOne);
  });

  it('gives the same findings for a stored column that differs from its leaf', async () => {
    const log = await signedLog(130, [130]);
    const altered = log.entries.map((entry, i) =>
      i === 7
        ? { ...entry, columns: { ...entry.columns, subject: 'someone else' } }
        : i === 90
          ? { ...entry, columns: { subject: 'another', id: 'event-x' } }
          : entry,
    );
    const { oneByOne, paged } = await reportsOf(log, altered);
    expect(oneByOne.findings.filter((f) => f.kind === 'ENTRY_MISMATCH').map((f) => f.message)).toEqual([
      'leaf 7: stored subject differs from the leaf',
      'leaf 90: stored subject differs from the leaf',
      'leaf 90: stored id differs from the leaf',
    ]);
    for (const report of paged) expect(report).toEqual(oneByOne);
  });
});
