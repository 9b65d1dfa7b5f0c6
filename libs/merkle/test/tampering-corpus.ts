import { emptyMapRoot } from '../src/map-hash.js';
import type { BundleReason, SubjectBundle } from '../src/subject-bundle.js';
import { emptySubjectChain, extendSubjectChain } from '../src/subject-chain.js';
import { subjectMapExtension } from '../src/subject-map-extension.js';
import { entryOf, flip, type SubjectLog, withEntries } from './subject-fixtures.js';

/** One tampering: its name, how it changes a complete bundle, and the reason the verifiers must give. */
export type Tampering = readonly [string, (bundle: SubjectBundle, log: SubjectLog) => SubjectBundle, BundleReason];

/**
 * Tamperings of the complete bundle of subject A in {@link CORPUS_SUBJECTS}: both the library and the independent
 * verifier must refuse each with its reason.
 */
// A (0, 2, 4, 7, 9), B (1, 5, 8), C (3, 6): a log of 10 with three subjects.
export const CORPUS_SUBJECTS = ['A', 'B', 'A', 'C', 'A', 'B', 'C', 'A', 'B', 'A'];

export const TAMPERING_CORPUS: readonly Tampering[] = [
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
  ['two entries swapped', (b) => withEntries(b, [b.entries[1]!, b.entries[0]!, ...b.entries.slice(2)]), 'OUT_OF_ORDER'],
  [
    'another holder’s entry appended, labelled',
    (b, log) => withEntries(b, [...b.entries, entryOf(log, 8, 'B')]),
    'SUBJECT_MISMATCH',
  ],
  [
    'another holder’s entry inserted, relabelled',
    (b, log) => withEntries(b, [...b.entries.slice(0, 3), entryOf(log, 5, 'A'), ...b.entries.slice(3)]),
    'EXTRA_ENTRY',
  ],
  [
    'another holder’s entry inserted, unlabelled',
    (b, log) => withEntries(b, [...b.entries.slice(0, 1), entryOf(log, 1), ...b.entries.slice(1)]),
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
    (b, log) =>
      withEntries(
        b,
        b.entries.map((e, i) => (i === 1 ? entryOf(log, 3, 'A') : e)),
      ),
    'CHAIN_MISMATCH',
  ],
  [
    'the last entry swapped for an earlier one of another holder',
    (b, log) => withEntries(b, [...b.entries.slice(0, 3), entryOf(log, 7, 'A'), entryOf(log, 8, 'A')]),
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
        chain: b.entries.slice(0, -1).reduce((c, e) => extendSubjectChain(c, e.index, e.leafHash), emptySubjectChain()),
      },
    }),
    'MAP_PROOF_INVALID',
  ],
  [
    'the subject claimed absent',
    (b) => ({ ...withEntries(b, []), mapProof: { ...b.mapProof, chain: undefined } }),
    'MAP_PROOF_INVALID',
  ],
  ['the map root line removed', (b) => ({ ...b, checkpoint: { ...b.checkpoint, extensions: [] } }), 'MAP_ROOT_MISSING'],
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
