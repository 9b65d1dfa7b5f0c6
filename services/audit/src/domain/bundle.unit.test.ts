import {
  consistencyProof,
  formatCheckpoint,
  generateNoteKey,
  replaySubjectMap,
  signNote,
  mapKey as subjectKey,
  subjectMapExtension,
} from '@onceonly/merkle';
import { divergences } from '@onceonly/replay';
import { describe, expect, it } from 'vitest';
import { ORIGIN, signedLog } from '../../test/fixtures.js';
import { type AuditBundle, BUNDLE_FORMAT, BUNDLE_FORMAT_V1, verifyBundle } from './bundle.js';

const SUBJECT = 'subject-1';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * The bundle of every event of SUBJECT in a log of `size` (subjects cycle subject-0, -1, -2): v2, its checkpoint
 * signing the subject map, with the map proof; or, with `map: false`, a v1 bundle of a checkpoint without the map.
 */
async function bundleOf(size: number, { map = true } = {}) {
  const log = await signedLog(size, [Math.floor(size / 2), size]);
  const replayed = await replaySubjectMap(
    log.events.map((e, i) => ({ subject: e.subject, leafHash: log.leaves[i]!.hash })),
  );
  const extensions = map ? [subjectMapExtension(replayed.root)] : [];
  const note = await signNote(
    formatCheckpoint({ origin: ORIGIN, size, root: log.tree.root(), extensions }),
    log.signer,
  );
  const indexes = log.events.flatMap((e, i) => (e.subject === SUBJECT ? [i] : []));
  const chain = replayed.chains.get(SUBJECT)!;
  const { proof } = await replayed.map.proof(subjectKey(SUBJECT));
  const bundle: AuditBundle = {
    format: map ? BUNDLE_FORMAT : BUNDLE_FORMAT_V1,
    origin: ORIGIN,
    verifierKey: log.key.verifierKey,
    checkpoint: note,
    treeSize: size,
    rootHash: hex(log.tree.root()),
    subject: SUBJECT,
    exportedAt: '2024-05-01T00:00:00Z',
    events: await Promise.all(
      indexes.map(async (i) => ({
        leafIndex: i,
        leafHash: hex(log.leaves[i]!.hash),
        proof: (await log.proof(i, size)).map(hex),
        event: { ...log.events[i]!, data: Buffer.from(log.events[i]!.data).toString('base64') },
      })),
    ),
    ...(map
      ? {
          subjectMap: {
            chain: { count: chain.count, head: hex(chain.head), lastIndex: chain.lastIndex },
            bitmap: hex(proof.bitmap),
            siblings: proof.siblings.map(hex),
          },
        }
      : {}),
  };
  return { log, bundle: JSON.parse(JSON.stringify(bundle)) as AuditBundle };
}

const kinds = (r: ReturnType<typeof verifyBundle>) => r.findings.map((f) => f.kind);

describe('verifying a bundle offline', () => {
  it('verifies every event of an honest bundle against the pinned key, and that none is missing', async () => {
    const { log, bundle } = await bundleOf(10);
    expect(verifyBundle(bundle, { verifierKey: log.key.verifierKey })).toEqual({
      findings: [],
      treeSize: 10,
      events: 3,
      eventsVerified: 3,
      keyPinned: true,
      completeness: 'proven',
      keyRotation: 'unchecked',
    });
  });

  it('refuses key announcements that are not a list of signed checkpoints', async () => {
    const { bundle } = await bundleOf(4);
    const other = generateNoteKey(ORIGIN).verifierKey;
    const report = verifyBundle({ ...bundle, keyAnnouncements: 'x' }, { verifierKey: other });
    expect(kinds(report)).toContain('BUNDLE_MALFORMED');
  });

  it('says when the key was taken from the bundle itself', async () => {
    const { bundle } = await bundleOf(4);
    const report = verifyBundle(bundle);
    expect(kinds(report)).toEqual(['KEY_UNPINNED']);
    expect(report.keyPinned).toBe(false);
  });

  it('names an event whose body or attributes were changed', async () => {
    const { log, bundle } = await bundleOf(6);
    const changed = structuredClone(bundle) as unknown as { events: Array<{ event: Record<string, string> }> };
    changed.events[1]!.event.type = 'forged';
    const report = verifyBundle(changed, { verifierKey: log.key.verifierKey });
    expect(report.findings.map((f) => [f.kind, f.leafIndex])).toEqual([
      ['LEAF_HASH_MISMATCH', 4],
      ['PROOF_INVALID', 4],
      ['CHAIN_MISMATCH', undefined],
    ]);
    expect(report.eventsVerified).toBe(1);
  });

  it('names a proof hash that was changed', async () => {
    const { log, bundle } = await bundleOf(6);
    const changed = structuredClone(bundle) as unknown as { events: Array<{ proof: string[] }> };
    changed.events[0]!.proof[0] = '00'.repeat(32);
    expect(kinds(verifyBundle(changed, { verifierKey: log.key.verifierKey }))).toEqual(['PROOF_INVALID']);
  });

  it('names a checkpoint that is not signed by the trusted key', async () => {
    const { bundle } = await bundleOf(4);
    const other = generateNoteKey(ORIGIN).verifierKey;
    const report = verifyBundle(bundle, { verifierKey: other });
    expect(kinds(report)).toEqual(['KEY_MISMATCH', 'CHECKPOINT_SIGNATURE_INVALID']);
    expect(report.completeness).toBe('refuted');
  });

  it('checks consistency with a checkpoint the auditor saw earlier', async () => {
    const { log, bundle } = await bundleOf(8);
    const earlier = log.checkpoints[0]!;
    const proof = (await consistencyProof(log.tree, 4, 8)).map(hex);
    const withProof = { ...bundle, consistency: { fromSize: 4, proof } };
    expect(
      verifyBundle(withProof, { verifierKey: log.key.verifierKey, earlierCheckpoint: earlier.signedNote }).findings,
    ).toEqual([]);
    // a fork: the earlier checkpoint of another log history, validly signed
    const fork = await bundleOf(8);
    const forked = verifyBundle(withProof, {
      verifierKey: log.key.verifierKey,
      earlierCheckpoint: fork.log.checkpoints[0]!.signedNote,
    });
    expect(kinds(forked)).toEqual(['CHECKPOINT_SIGNATURE_INVALID']);
    const noProof = verifyBundle(bundle, { verifierKey: log.key.verifierKey, earlierCheckpoint: earlier.signedNote });
    expect(kinds(noProof)).toEqual(['CHECKPOINT_INCONSISTENT']);
  });

  it('verifies a bundle of a checkpoint signed before the subject map, with a notice that completeness is unproven', async () => {
    const { log, bundle } = await bundleOf(10, { map: false });
    const report = verifyBundle(bundle, { verifierKey: log.key.verifierKey });
    expect(kinds(report)).toEqual(['COMPLETENESS_UNPROVEN']);
    expect(divergences(report.findings)).toEqual([]);
    expect(report).toMatchObject({ eventsVerified: 3, completeness: 'unproven' });
  });

  it('refuses a bundle whose map proof was stripped while its checkpoint signs a map', async () => {
    const { log, bundle } = await bundleOf(10);
    const { subjectMap: _stripped, ...rest } = bundle;
    expect(kinds(verifyBundle(rest, { verifierKey: log.key.verifierKey }))).toEqual(['MAP_PROOF_MISSING']);
  });

  it('does not check completeness of a checkpoint or one proof (partial)', async () => {
    const { log, bundle } = await bundleOf(10);
    const one = { ...bundle, subject: '', events: bundle.events.slice(0, 1) };
    const report = verifyBundle(one, { verifierKey: log.key.verifierKey, partial: true });
    expect(report).toMatchObject({ findings: [], completeness: 'not-checked', eventsVerified: 1 });
  });

  it('refuses what is not a bundle, without throwing', () => {
    for (const bad of [null, 42, {}, { format: BUNDLE_FORMAT }]) {
      expect(kinds(verifyBundle(bad))).toEqual(['BUNDLE_MALFORMED']);
    }
  });
});
