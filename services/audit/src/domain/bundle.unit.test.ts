import { consistencyProof, generateNoteKey } from '@onceonly/merkle';
import { describe, expect, it } from 'vitest';
import { ORIGIN, signedLog } from '../../test/fixtures.js';
import { type AuditBundle, BUNDLE_FORMAT, verifyBundle } from './bundle.js';

async function bundleOf(size: number, indexes: number[]) {
  const log = await signedLog(size, [Math.floor(size / 2), size]);
  const checkpoint = log.checkpoints.at(-1)!;
  const bundle: AuditBundle = {
    format: BUNDLE_FORMAT,
    origin: ORIGIN,
    verifierKey: log.key.verifierKey,
    checkpoint: checkpoint.signedNote,
    treeSize: size,
    rootHash: Buffer.from(log.tree.root()).toString('hex'),
    subject: 'subject-1',
    exportedAt: '2024-05-01T00:00:00Z',
    events: await Promise.all(
      indexes.map(async (i) => ({
        leafIndex: i,
        leafHash: Buffer.from(log.leaves[i]!.hash).toString('hex'),
        proof: (await log.proof(i, size)).map((h) => Buffer.from(h).toString('hex')),
        event: { ...log.events[i]!, data: Buffer.from(log.events[i]!.data).toString('base64') },
      })),
    ),
  };
  return { log, bundle: JSON.parse(JSON.stringify(bundle)) as AuditBundle };
}

const kinds = (r: ReturnType<typeof verifyBundle>) => r.findings.map((f) => f.kind);

describe('verifying a bundle offline', () => {
  it('verifies every event of an honest bundle against the pinned key', async () => {
    const { log, bundle } = await bundleOf(10, [1, 4, 7]);
    expect(verifyBundle(bundle, { verifierKey: log.key.verifierKey })).toEqual({
      findings: [],
      treeSize: 10,
      events: 3,
      eventsVerified: 3,
    });
  });

  it('says when the key was taken from the bundle itself', async () => {
    const { bundle } = await bundleOf(4, [1]);
    expect(kinds(verifyBundle(bundle))).toEqual(['KEY_UNPINNED']);
  });

  it('names an event whose body or attributes were changed', async () => {
    const { log, bundle } = await bundleOf(6, [1, 4]);
    const changed = structuredClone(bundle) as unknown as { events: Array<{ event: Record<string, string> }> };
    changed.events[1]!.event.subject = 'forged';
    const report = verifyBundle(changed, { verifierKey: log.key.verifierKey });
    expect(report.findings.map((f) => [f.kind, f.leafIndex])).toEqual([
      ['LEAF_HASH_MISMATCH', 4],
      ['PROOF_INVALID', 4],
    ]);
    expect(report.eventsVerified).toBe(1);
  });

  it('names a proof hash that was changed', async () => {
    const { log, bundle } = await bundleOf(6, [2]);
    const changed = structuredClone(bundle) as unknown as { events: Array<{ proof: string[] }> };
    changed.events[0]!.proof[0] = '00'.repeat(32);
    expect(kinds(verifyBundle(changed, { verifierKey: log.key.verifierKey }))).toEqual(['PROOF_INVALID']);
  });

  it('names a checkpoint that is not signed by the trusted key', async () => {
    const { bundle } = await bundleOf(4, [1]);
    const other = generateNoteKey(ORIGIN).verifierKey;
    expect(kinds(verifyBundle(bundle, { verifierKey: other }))).toEqual([
      'KEY_MISMATCH',
      'CHECKPOINT_SIGNATURE_INVALID',
    ]);
  });

  it('checks consistency with a checkpoint the auditor saw earlier', async () => {
    const { log, bundle } = await bundleOf(8, [1]);
    const earlier = log.checkpoints[0]!;
    const proof = (await consistencyProof(log.tree, 4, 8)).map((h) => Buffer.from(h).toString('hex'));
    const withProof = { ...bundle, consistency: { fromSize: 4, proof } };
    expect(
      verifyBundle(withProof, { verifierKey: log.key.verifierKey, earlierCheckpoint: earlier.signedNote }).findings,
    ).toEqual([]);
    // a fork: the earlier checkpoint of another log history, validly signed
    const fork = await bundleOf(8, [1]);
    const forked = verifyBundle(withProof, {
      verifierKey: log.key.verifierKey,
      earlierCheckpoint: fork.log.checkpoints[0]!.signedNote,
    });
    expect(kinds(forked)).toEqual(['CHECKPOINT_SIGNATURE_INVALID']);
    const noProof = verifyBundle(bundle, { verifierKey: log.key.verifierKey, earlierCheckpoint: earlier.signedNote });
    expect(kinds(noProof)).toEqual(['CHECKPOINT_INCONSISTENT']);
  });

  it('refuses what is not a bundle, without throwing', () => {
    for (const bad of [null, 42, {}, { format: BUNDLE_FORMAT }]) {
      expect(kinds(verifyBundle(bad))).toEqual(['BUNDLE_MALFORMED']);
    }
  });
});
