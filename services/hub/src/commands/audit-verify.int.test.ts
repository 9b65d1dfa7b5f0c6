/**
 * `onceonly audit verify` on bundle files (no hub): a complete bundle passes, a bundle with one event removed exits
 * 1 and names MISSING_ENTRY, and an unpinned key or an unproven completeness is a WARNING on standard error and a
 * field under --json. The bundles come from `exportBundle` over a small signed log built in memory.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LoggableEvent, leafOf } from '@onceonly/audit';
import { type AuditBundle, type ExportSource, exportBundle } from '@onceonly/audit/client';
import {
  formatCheckpoint,
  generateNoteKey,
  inclusionProof,
  MemoryTree,
  mapKey,
  parseSignerKey,
  replaySubjectMap,
  signNote,
  subjectMapExtension,
} from '@onceonly/merkle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess as cli } from '../../test/cli-harness.js';

const ORIGIN = 'onceonly.test/verify-cli';
const SUBJECT = '91350100M000100Y43';

function event(i: number, subject: string): LoggableEvent {
  return {
    id: `event-${i}`,
    source: '/onceonly/test',
    type: 'test.thing.happened',
    subject,
    time: `2024-05-01T08:30:${String(i).padStart(2, '0')}.000Z`,
    specversion: '1.0',
    datacontenttype: 'application/protobuf',
    dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
    sequence: String(i + 1),
    data: new Uint8Array([i]),
  };
}

/** A signed log of `subjects` in memory, served as an export source; `withMap: false` signs no subject map. */
async function memorySource(subjects: readonly string[], key: ReturnType<typeof generateNoteKey>, withMap: boolean) {
  const leaves = subjects.map((s, i) => leafOf(event(i, s)));
  const tree = new MemoryTree();
  for (const leaf of leaves) tree.append(leaf.hash);
  const replayed = await replaySubjectMap(subjects.map((subject, i) => ({ subject, leafHash: leaves[i]!.hash })));
  const extensions = withMap ? [subjectMapExtension(replayed.root)] : [];
  const body = formatCheckpoint({ origin: ORIGIN, size: leaves.length, root: tree.root(), extensions });
  const signedNote = await signNote(body, parseSignerKey(key.signerKey));
  const source: ExportSource = {
    latest: async () => ({ verifierKey: key.verifierKey, signedNote }),
    async *entriesOf(subject) {
      for (const [i, leaf] of leaves.entries()) {
        if (subjects[i] === subject) yield { leafIndex: i, canonical: leaf.canonical, data: new Uint8Array([i]) };
      }
    },
    inclusionProof: (index, size) => inclusionProof(tree, index, size),
    consistencyProof: async () => [],
    async subjectMap(subject) {
      const { proof } = await replayed.map.proof(mapKey(subject));
      return { chain: replayed.chains.get(subject), proof };
    },
  };
  return source;
}

describe('onceonly audit verify', () => {
  const key = generateNoteKey(ORIGIN);
  let dir = '';
  let complete: AuditBundle;
  const write = async (name: string, bundle: unknown) => {
    const file = path.join(dir, name);
    await writeFile(file, JSON.stringify(bundle));
    return file;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'onceonly-verify-'));
    const source = await memorySource([SUBJECT, 'other', SUBJECT, SUBJECT, 'other'], key, true);
    complete = (await exportBundle(source, SUBJECT)).bundle;
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes a complete bundle with the pinned key and says it is proven complete', async () => {
    const run = await cli(['--json', 'audit', 'verify', await write('ok.json', complete), '--vkey', key.verifierKey]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({
      ok: true,
      keyPinned: true,
      completeness: 'proven',
      keyRotation: 'unchecked',
      warnings: ['KEY_ROTATION_UNCHECKED'],
    });
    // offline, a pinned key cannot rule out its own replacement before the checkpoint (ADR 009): said, not failed
    expect(run.err).toMatch(/^WARNING KEY_ROTATION_UNCHECKED: /m);
  });

  it('exits 1 and names MISSING_ENTRY when one event was removed', async () => {
    const removed = { ...complete, events: complete.events.filter((_, i) => i !== 1) };
    const run = await cli(['audit', 'verify', await write('removed.json', removed), '--vkey', key.verifierKey]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^DIVERGENCE MISSING_ENTRY:/m);
  });

  it('warns on standard error, and says in --json, when no key was given', async () => {
    const file = await write('unpinned.json', complete);
    const text = await cli(['audit', 'verify', file]);
    expect(text.code).toBe(0);
    expect(text.err).toMatch(/^WARNING KEY_UNPINNED:/m);
    const json = await cli(['--json', 'audit', 'verify', file]);
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, keyPinned: false, warnings: ['KEY_UNPINNED'] });
  });

  it('verifies a bundle of a checkpoint without a subject map, with a warning that completeness is not proven', async () => {
    const old = (await exportBundle(await memorySource([SUBJECT, 'other'], key, false), SUBJECT)).bundle;
    const run = await cli(['--json', 'audit', 'verify', await write('old.json', old), '--vkey', key.verifierKey]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({
      ok: true,
      completeness: 'unproven',
      warnings: ['COMPLETENESS_UNPROVEN', 'KEY_ROTATION_UNCHECKED'],
    });
    expect(run.err).toMatch(/^WARNING COMPLETENESS_UNPROVEN:/m);
  });
});
