import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSubjectLog, bundleOf, entryOf, type SubjectLog, withEntries } from '../test/subject-fixtures.js';
import { CORPUS_SUBJECTS, TAMPERING_CORPUS } from '../test/tampering-corpus.js';
import { type SubjectBundle, verifySubjectBundle } from './subject-bundle.js';
import { emptySubjectChain, extendSubjectChain, subjectMapValue } from './subject-chain.js';

const reason = (r: string) => expect.objectContaining({ reason: r });
const SUBJECTS = CORPUS_SUBJECTS;

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

  it.each(TAMPERING_CORPUS)('refuses a bundle with %s', (_, tamper, expected) => {
    expect(verifySubjectBundle(tamper(a, log))).toMatchObject({ ok: false, reason: expected });
  });

  it.each([
    ['mapProof null', (b: SubjectBundle) => ({ ...b, mapProof: null })],
    ['no map proof inside the claim', (b: SubjectBundle) => ({ ...b, mapProof: { chain: b.mapProof.chain } })],
    ['a null entry', (b: SubjectBundle) => ({ ...b, entries: [null] })],
    ['no checkpoint', (b: SubjectBundle) => ({ ...b, checkpoint: undefined })],
    ['a claimed chain that is a number', (b: SubjectBundle) => ({ ...b, mapProof: { ...b.mapProof, chain: 5 } })],
  ])('refuses a hostile shape (%s) as malformed, without throwing', (_, tamper) => {
    const hostile = tamper(a) as unknown as SubjectBundle;
    expect(verifySubjectBundle(hostile)).toEqual({ ok: false, reason: 'BUNDLE_MALFORMED' });
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
