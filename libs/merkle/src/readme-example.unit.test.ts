import { describe, expect, it } from 'vitest';
import {
  CompactRange,
  consistencyProof,
  cosign,
  formatCheckpoint,
  generateNoteKey,
  inclusionProof,
  leafHash,
  MemoryTree,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  verifyConsistency,
  verifyCosignature,
  verifyInclusion,
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
});
