import { describe, expect, it } from 'vitest';
import {
  CompactRange,
  consistencyProof,
  cosign,
  emptySubjectChain,
  extendSubjectChain,
  formatCheckpoint,
  generateNoteKey,
  inclusionProof,
  leafHash,
  MemoryMap,
  MemoryTree,
  mapKey,
  openCheckpoint,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  subjectMapExtension,
  subjectMapValue,
  verifyConsistency,
  verifyCosignature,
  verifyInclusion,
  verifySubjectBundle,
} from './index.js';

// The README's example, run through the public exports so that the README stays true.
describe('the README example', () => {
  it('appends, signs, cosigns, and lets an auditor check proofs against the checkpoint', async () => {
    const log = generateNoteKey('onceonly.example/audit');
    const store = new MemoryTree();
    const range = CompactRange.empty();
    for (const event of [Buffer.from('event 1'), Buffer.from('event 2'), Buffer.from('event 3')]) {
      const h = leafHash(event);
      range.append(h);
      store.append(h);
    }
    const body = formatCheckpoint({ origin: 'onceonly.example/audit', size: range.size, root: range.root() });
    const signed = await signNote(body, parseSignerKey(log.signerKey));

    const witness = generateNoteKey('witness.example/w1', 'cosignature/v1');
    const line = await cosign(body, parseSignerKey(witness.signerKey), 1_760_000_000);
    const cosigned = signed + line;

    const { checkpoint } = openCheckpoint(cosigned, [parseVerifierKey(log.verifierKey)], 'onceonly.example/audit');
    expect(verifyCosignature(body, line, parseVerifierKey(witness.verifierKey)).timestamp).toBe(1_760_000_000);
    const proof = await inclusionProof(store, 1, checkpoint.size);
    expect(verifyInclusion(leafHash(Buffer.from('event 2')), 1, checkpoint.size, proof, checkpoint.root)).toBe(true);

    store.append(leafHash(Buffer.from('event 4')));
    const grown = await consistencyProof(store, checkpoint.size, 4);
    expect(verifyConsistency(checkpoint.size, 4, grown, checkpoint.root, store.root())).toBe(true);
  });

  it('proves a subject bundle complete against the map root in the checkpoint', async () => {
    const map = new MemoryMap(); // stands in for a (depth, prefix, hash) table
    let chain = emptySubjectChain();
    chain = extendSubjectChain(chain, 0, leafHash(Buffer.from('event 1')));
    const { root } = await map.set(mapKey('91350100M000100Y43'), subjectMapValue(chain));
    const logRoot = leafHash(Buffer.from('event 1')); // a log of one leaf: its root is that leaf hash
    const extensions = [subjectMapExtension(root)];
    const body = formatCheckpoint({ origin: 'onceonly.example/audit', size: 1, root: logRoot, extensions });
    const { proof } = await map.proof(mapKey('91350100M000100Y43'));
    const verdict = verifySubjectBundle({
      checkpoint: parseCheckpoint(body),
      subject: '91350100M000100Y43',
      entries: [{ index: 0, leafHash: leafHash(Buffer.from('event 1')) }],
      mapProof: { chain, proof },
    });
    expect(verdict).toEqual({ ok: true, count: 1, lastIndex: 0 });
  });
});
