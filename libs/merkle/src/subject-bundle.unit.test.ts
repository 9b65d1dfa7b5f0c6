import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSubjectLog, bundleOf, type SubjectLog } from '../test/subject-fixtures.js';
import { emptyMapRoot } from './map-hash.js';
import {
  type BundleReason,
  type SubjectBundle,
  type SubjectBundleEntry,
  verifySubjectBundle,
} from './subject-bundle.js';
import { emptySubjectChain, extendSubjectChain, subjectMapValue } from './subject-chain.js';
import { subjectMapExtension } from './subject-map-extension.js';

const reason = (r: string) => expect.objectContaining({ reason: r });
// A (0, 2, 4, 7, 9), B (1, 5, 8), C (3, 6): a log of 10 with three subjects.
const SUBJECTS = ['A', 'B', 'A', 'C', 'A', 'B', 'C', 'A', 'B', 'A'];

function flip(bytes: Uint8Array, bit = 0): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3] = copy[bit >> 3]! ^ (0x80 >> (bit & 7));
  return copy;
}

const withEntries = (b: SubjectBundle, entries: SubjectBundleEntry[]): SubjectBundle => ({ ...b, entries });
const entryOf = (log: SubjectLog, index: number, subject?: string): SubjectBundleEntry =>
  subject === undefined ? { index, leafHash: log.leaves[index]! } : { index, leafHash: log.leaves[index]!, subject };

describe('subject chains', () => {
  it('grow only by strictly increasing indexes', () => {
    const h = new Uint8Array(32);
    const one = extendSubjectChain(emptySubjectChain(), 3, h);
    expect(one).toMatchObject({ count: 1, lastIndex: 3 });
    expect(() => extendSubjectChain(one, 3, h)).toThrow(reason('CHAIN_ORDER'));
    expect(() => extendSubjectChain(one, 2, h)).toThrow(reason('CHAIN_ORDER'));
    expect(() => extendSubjectChain(emptySubjectChain(), -1, h)).toThrow(reason('CHAIN_ORDER'));
    expect(() => extendSubjectChain(emptySubjectChain(), 0, new Uint8Array(31))).toThrow(reason('MAP_KEY'));
  });

  it('give no map value to a subject without entries', () => {
    expect(() => subjectMapValue(emptySubjectChain())).toThrow(reason('CHAIN_ORDER'));
  });
});

describe('verifySubjectBundle', () => {
  let log: SubjectLog;
  let a: SubjectBundle;
  beforeAll(async () => {
    log = await buildSubjectLog(SUBJECTS);
    a = await bundleOf(log, 'A');
  });

  it('accepts the complete bundle of each subject', async () => {
    expect(verifySubjectBundle(a)).toEqual({ ok: true, count: 5, lastIndex: 9 });
    expect(verifySubjectBundle(await bundleOf(log, 'B'))).toEqual({ ok: true, count: 3, lastIndex: 8 });
  });

  it('accepts an empty bundle for a subject the map proves absent', async () => {
    const none = await bundleOf(log, 'never mentioned');
    expect(none.mapProof.chain).toBeUndefined();
    expect(verifySubjectBundle(none)).toEqual({ ok: true, count: 0, lastIndex: -1 });
  });

  // The tampering corpus: each row changes one thing in A's complete bundle and names the reason it must get.
  const corpus: [string, (b: SubjectBundle) => SubjectBundle, BundleReason][] = [
    [
      'one entry removed from the middle',
      (b) =>
        withEntries(
          b,
          b.entries.filter((_, i) => i !== 2),
        ),
      'MISSING_ENTRY',
    ],
    ['the first entry removed', (b) => withEntries(b, b.entries.slice(1)), 'MISSING_ENTRY'],
    ['the last entry removed', (b) => withEntries(b, b.entries.slice(0, -1)), 'MISSING_ENTRY'],
    ['every entry removed', (b) => withEntries(b, []), 'MISSING_ENTRY'],
    [
      'an entry duplicated',
      (b) => withEntries(b, [...b.entries.slice(0, 2), b.entries[1]!, ...b.entries.slice(2)]),
      'DUPLICATE_ENTRY',
    ],
    [
      'two entries swapped',
      (b) => withEntries(b, [b.entries[1]!, b.entries[0]!, ...b.entries.slice(2)]),
      'OUT_OF_ORDER',
    ],
    [
      'another holder’s entry appended, labelled',
      (b) => withEntries(b, [...b.entries, entryOf(log, 8, 'B')]),
      'SUBJECT_MISMATCH',
    ],
    [
      'another holder’s entry inserted, relabelled',
      (b) => withEntries(b, [...b.entries.slice(0, 3), entryOf(log, 5, 'A'), ...b.entries.slice(3)]),
      'EXTRA_ENTRY',
    ],
    [
      'another holder’s entry inserted, unlabelled',
      (b) => withEntries(b, [...b.entries.slice(0, 1), entryOf(log, 1), ...b.entries.slice(1)]),
      'EXTRA_ENTRY',
    ],
    ['the top-level subject changed', (b) => ({ ...b, subject: 'B' }), 'SUBJECT_MISMATCH'],
    [
      'the subject changed everywhere',
      (b) => ({ ...b, subject: 'B', entries: b.entries.map((e) => ({ ...e, subject: 'B' })) }),
      'MAP_PROOF_INVALID',
    ],
    [
      'one leaf hash changed',
      (b) =>
        withEntries(
          b,
          b.entries.map((e, i) => (i === 1 ? { ...e, leafHash: flip(e.leafHash, 77) } : e)),
        ),
      'CHAIN_MISMATCH',
    ],
    [
      'an entry swapped for another holder’s',
      (b) =>
        withEntries(
          b,
          b.entries.map((e, i) => (i === 1 ? entryOf(log, 3, 'A') : e)),
        ),
      'CHAIN_MISMATCH',
    ],
    [
      'the last entry swapped for an earlier one of another holder',
      (b) => withEntries(b, [...b.entries.slice(0, 3), entryOf(log, 7, 'A'), entryOf(log, 8, 'A')]),
      'MISSING_ENTRY',
    ],
    [
      'an index beyond the checkpoint',
      (b) => withEntries(b, [...b.entries, { index: 10, leafHash: new Uint8Array(32), subject: 'A' }]),
      'ENTRY_OUT_OF_RANGE',
    ],
    [
      'a map proof sibling flipped',
      (b) => ({
        ...b,
        mapProof: {
          ...b.mapProof,
          proof: {
            ...b.mapProof.proof,
            siblings: b.mapProof.proof.siblings.map((s, i) => (i === 0 ? flip(s, 200) : s)),
          },
        },
      }),
      'MAP_PROOF_INVALID',
    ],
    [
      'a map proof bitmap bit flipped',
      (b) => ({
        ...b,
        mapProof: { ...b.mapProof, proof: { ...b.mapProof.proof, bitmap: flip(b.mapProof.proof.bitmap, 255) } },
      }),
      'MAP_PROOF_INVALID',
    ],
    [
      'the claimed count lowered to match a removal',
      (b) => ({
        ...withEntries(b, b.entries.slice(0, -1)),
        mapProof: { ...b.mapProof, chain: { ...b.mapProof.chain!, count: 4 } },
      }),
      'MAP_PROOF_INVALID',
    ],
    [
      'the claimed chain replaced by the chain of fewer entries',
      (b) => ({
        ...withEntries(b, b.entries.slice(0, -1)),
        mapProof: {
          ...b.mapProof,
          chain: b.entries
            .slice(0, -1)
            .reduce((c, e) => extendSubjectChain(c, e.index, e.leafHash), emptySubjectChain()),
        },
      }),
      'MAP_PROOF_INVALID',
    ],
    [
      'the subject claimed absent',
      (b) => ({ ...withEntries(b, []), mapProof: { ...b.mapProof, chain: undefined } }),
      'MAP_PROOF_INVALID',
    ],
    [
      'the map root line removed',
      (b) => ({ ...b, checkpoint: { ...b.checkpoint, extensions: [] } }),
      'MAP_ROOT_MISSING',
    ],
    [
      'the map root line repeated',
      (b) => ({
        ...b,
        checkpoint: { ...b.checkpoint, extensions: [...b.checkpoint.extensions!, subjectMapExtension(emptyMapRoot())] },
      }),
      'MAP_ROOT_MISSING',
    ],
    [
      'the map root replaced',
      (b) => ({ ...b, checkpoint: { ...b.checkpoint, extensions: [subjectMapExtension(emptyMapRoot())] } }),
      'MAP_PROOF_INVALID',
    ],
    [
      'the size shrunk below the last entry, which is dropped',
      (b) => ({ ...withEntries(b, b.entries.slice(0, -1)), checkpoint: { ...b.checkpoint, size: 9 } }),
      'MAP_AHEAD_OF_LOG',
    ],
    [
      'a negative index',
      (b) => withEntries(b, [{ index: -1, leafHash: new Uint8Array(32) }, ...b.entries]),
      'BUNDLE_MALFORMED',
    ],
    [
      'a leaf hash of 31 bytes',
      (b) =>
        withEntries(
          b,
          b.entries.map((e, i) => (i === 0 ? { ...e, leafHash: e.leafHash.subarray(1) } : e)),
        ),
      'BUNDLE_MALFORMED',
    ],
  ];

  it.each(corpus)('refuses a bundle with %s', (_, tamper, expected) => {
    expect(verifySubjectBundle(tamper(a))).toMatchObject({ ok: false, reason: expected });
  });

  it('refuses entries fabricated for a subject the map proves absent', async () => {
    const none = await bundleOf(log, 'never mentioned');
    expect(verifySubjectBundle(withEntries(none, [entryOf(log, 0)]))).toMatchObject({
      ok: false,
      reason: 'EXTRA_ENTRY',
    });
  });
});

describe('on random logs', () => {
  const logs = fc.array(fc.constantFrom('A', 'B', 'C', 'D'), { minLength: 1, maxLength: 40 });
  const cases = fc.tuple(logs, fc.integer({ min: 1, max: 6 }), fc.nat());

  it('every subject’s bundle verifies, and removing, adding, duplicating or reordering an entry fails by name', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ([subjects, batch, seed]) => {
        const log = await buildSubjectLog(subjects, batch);
        const subject = subjects[seed % subjects.length]!;
        const b = await bundleOf(log, subject);
        expect(verifySubjectBundle(b)).toMatchObject({ ok: true, count: b.entries.length });
        const i = seed % b.entries.length;
        expect(
          verifySubjectBundle(
            withEntries(
              b,
              b.entries.filter((_, j) => j !== i),
            ),
          ),
        ).toMatchObject({ ok: false, reason: 'MISSING_ENTRY' });
        expect(verifySubjectBundle(withEntries(b, [...b.entries, b.entries[i]!]))).toMatchObject({
          ok: false,
          reason: 'DUPLICATE_ENTRY',
        });
        if (b.entries.length > 1) {
          const reversed = [...b.entries].reverse();
          expect(verifySubjectBundle(withEntries(b, reversed))).toMatchObject({ ok: false, reason: 'OUT_OF_ORDER' });
        }
        const other = subjects.findIndex((s) => s !== subject);
        if (other >= 0) {
          const added = [...b.entries, entryOf(log, other)].sort((x, y) => x.index - y.index);
          expect(verifySubjectBundle(withEntries(b, added))).toMatchObject({ ok: false, reason: 'EXTRA_ENTRY' });
        }
      }),
      { numRuns: 40 },
    );
  });
});
