/**
 * Provably complete subject bundles (issue 9, ADR 006) on a real PostgreSQL: appends extend the subjects' chains,
 * each checkpoint signs the subject map's root, the export carries the map proof, and `verifyBundle` refuses every
 * bundle of the tampering corpus with its named reason while it accepts the untampered one.
 */
import { createLogger } from '@onceonly/kit';
import {
  emptySubjectChain,
  extendSubjectChain,
  generateNoteKey,
  MemoryMap,
  mapKey,
  parseCheckpoint,
  parseSignerKey,
  type SubjectChain,
  signNote,
  subjectMapRoot,
  subjectMapValue,
} from '@onceonly/merkle';
import { divergences, type FindingKind } from '@onceonly/replay';
import { type Database, openDatabase, type Queryable } from '@onceonly/store';
import { freshDatabase, type TestDatabase } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendPort, logReader } from '../src/adapters/db/audit-store.js';
import { databaseExportSource } from '../src/adapters/db/export-source.js';
import { backfillSubjectChains } from '../src/adapters/db/subject-map-store.js';
import { checkpointTx } from '../src/adapters/events/checkpoint-tx.js';
import { appendEvent } from '../src/app/append-event.js';
import { Checkpointer } from '../src/app/checkpointer.js';
import { exportBundle } from '../src/app/export-bundle.js';
import { subjectMapFromLog } from '../src/app/subject-map-from-log.js';
import { type AuditBundle, verifyBundle } from '../src/domain/bundle.js';
import { type LoggableEvent, leafOf } from '../src/domain/leaf.js';
import { checkSubjectMap } from '../src/domain/subject-map-check.js';
import { migrateAudit } from '../src/module.js';
import { event } from './fixtures.js';

const ORIGIN = 'onceonly.test/subject-map';
const key = generateNoteKey(ORIGIN);
const A = '91350100M000100Y43';
const B = 'h:0b1f2e';
// the log: A at 0, 2, 4, 7, 9, 12; B at 1, 5, 8; C at 3, 10; no subject at 6; A, B, C again after the last checkpoint
const SUBJECTS = [A, B, A, 'C', A, B, '', A, B, A, 'C', B, A, A, B, 'C'];
const CHECKPOINTS = [6, 13];

type Bundle = AuditBundle & Record<string, unknown>;
type Tampering = readonly [string, (b: Bundle, other: Bundle) => unknown, FindingKind];

const clone = (b: Bundle): Bundle => structuredClone(b);
const withEvents = (b: Bundle, events: AuditBundle['events']) => ({ ...clone(b), events: structuredClone(events) });
const flipHex = (h: string) => (h[0] === '0' ? '1' : '0') + h.slice(1);
const relabelled = (e: AuditBundle['events'][number], subject: string) => ({ ...e, event: { ...e.event, subject } });

/** Every kind of tampering of A's bundle (B's bundle is the other holder's), each with the reason it must get. */
const CORPUS: readonly Tampering[] = [
  [
    'one event removed from the middle',
    (b) =>
      withEvents(
        b,
        b.events.filter((_, i) => i !== 2),
      ),
    'MISSING_ENTRY',
  ],
  ['the first event removed', (b) => withEvents(b, b.events.slice(1)), 'MISSING_ENTRY'],
  ['the last event removed', (b) => withEvents(b, b.events.slice(0, -1)), 'MISSING_ENTRY'],
  ['every event removed', (b) => withEvents(b, []), 'MISSING_ENTRY'],
  ['an event duplicated', (b) => withEvents(b, [...b.events.slice(0, 2), ...b.events.slice(1)]), 'DUPLICATE_ENTRY'],
  ['two events swapped', (b) => withEvents(b, [b.events[1]!, b.events[0]!, ...b.events.slice(2)]), 'OUT_OF_ORDER'],
  ['entries reversed', (b) => withEvents(b, [...b.events].reverse()), 'OUT_OF_ORDER'],
  ['another holder’s events appended', (b, o) => withEvents(b, [...b.events, ...o.events]), 'SUBJECT_MISMATCH'],
  [
    'another holder’s event slipped in, in log order',
    (b, o) =>
      withEvents(
        b,
        [...b.events, o.events[0]!].sort((x, y) => x.leafIndex - y.leafIndex),
      ),
    'SUBJECT_MISMATCH',
  ],
  [
    'another holder’s event relabelled and slipped in',
    (b, o) =>
      withEvents(
        b,
        [...b.events, relabelled(o.events[3]!, b.subject)].sort((x, y) => x.leafIndex - y.leafIndex),
      ),
    'EXTRA_ENTRY',
  ],
  [
    'an event replaced by another holder’s, relabelled',
    (b, o) =>
      withEvents(
        b,
        b.events.map((e, i) => (i === 2 ? relabelled(o.events[1]!, b.subject) : e)),
      ),
    'CHAIN_MISMATCH',
  ],
  ['the top-level subject changed', (b, o) => ({ ...clone(b), subject: o.subject }), 'SUBJECT_MISMATCH'],
  [
    'the whole bundle relabelled to another subject',
    (b, o) => {
      const t = clone(b);
      for (const e of t.events) (e.event as { subject: string }).subject = o.subject;
      return { ...t, subject: o.subject };
    },
    'LEAF_HASH_MISMATCH',
  ],
  [
    'an extra attribute added to an event',
    (b) => {
      const t = clone(b);
      (t.events[1]!.event as Record<string, unknown>).recipient = 'someone';
      return t;
    },
    'UNKNOWN_FIELD',
  ],
  ['an extra top-level field', (b) => ({ ...clone(b), complete: true }), 'UNKNOWN_FIELD'],
  [
    'an attribute changed',
    (b) => {
      const t = clone(b);
      (t.events[0]!.event as { type: string }).type = 'forged.type';
      return t;
    },
    'LEAF_HASH_MISMATCH',
  ],
  [
    'a body changed',
    (b) => {
      const t = clone(b);
      (t.events[3]!.event as { data: string }).data = Buffer.from('forged').toString('base64');
      return t;
    },
    'LEAF_HASH_MISMATCH',
  ],
  [
    'a proof hash changed',
    (b) => {
      const t = clone(b);
      (t.events[2]!.proof as string[])[0] = flipHex(t.events[2]!.proof[0]!);
      return t;
    },
    'PROOF_INVALID',
  ],
  [
    'a leaf index changed',
    (b) => {
      const t = clone(b);
      (t.events[1] as { leafIndex: number }).leafIndex = 3;
      return t;
    },
    'PROOF_INVALID',
  ],
  [
    'the signature changed',
    (b) => ({
      ...clone(b),
      checkpoint: b.checkpoint.replace(/(\u2014 \S+ )(.)/, (_m, h: string, c: string) => h + (c === 'A' ? 'B' : 'A')),
    }),
    'CHECKPOINT_SIGNATURE_INVALID',
  ],
  [
    'the map line removed from the signed text',
    (b) => ({ ...clone(b), checkpoint: b.checkpoint.replace(/onceonly-subject-map [^\n]+\n/, '') }),
    'CHECKPOINT_SIGNATURE_INVALID',
  ],
  ['the root changed', (b) => ({ ...clone(b), rootHash: flipHex(b.rootHash) }), 'BUNDLE_MALFORMED'],
  ['the size changed', (b) => ({ ...clone(b), treeSize: b.treeSize - 1 }), 'BUNDLE_MALFORMED'],
  [
    'the map proof stripped',
    (b) => {
      const { subjectMap: _gone, ...rest } = clone(b);
      return rest;
    },
    'MAP_PROOF_MISSING',
  ],
  [
    'downgraded to the old format without the map proof',
    (b) => {
      const { subjectMap: _gone, ...rest } = clone(b);
      return { ...rest, format: 'onceonly.audit.bundle/v1' };
    },
    'MAP_PROOF_MISSING',
  ],
  [
    'the claimed count lowered to match a removal',
    (b) => {
      const t = withEvents(b, b.events.slice(0, -1)) as Bundle;
      const map = structuredClone(b.subjectMap!);
      return { ...t, subjectMap: { ...map, chain: { ...map.chain!, count: map.chain!.count - 1 } } };
    },
    'MAP_PROOF_INVALID',
  ],
  [
    'a map sibling changed',
    (b) => {
      const t = clone(b);
      (t.subjectMap!.siblings as string[])[0] = flipHex(t.subjectMap!.siblings[0]!);
      return t;
    },
    'MAP_PROOF_INVALID',
  ],
  [
    'the other holder’s map proof swapped in',
    (b, o) => ({ ...clone(b), subjectMap: o.subjectMap }),
    'MAP_PROOF_INVALID',
  ],
];

describe('provably complete subject bundles, on PostgreSQL', () => {
  let testDb: TestDatabase;
  let db: Database;
  let checkpointer: Checkpointer;
  let bundleA: Bundle;
  let bundleB: Bundle;
  let pendingA = 0;
  const events: LoggableEvent[] = SUBJECTS.map((subject, i) => event(i, { subject }));

  const FROM = { topic: 'onceonly.test.v1', partition: 0, offset: '0' };
  const append = (e: LoggableEvent) => db.transaction((tx) => appendEvent(appendPort(tx), e, FROM, new Date()));

  beforeAll(async () => {
    testDb = await freshDatabase('audit_smap');
    db = await openDatabase({ url: testDb.url, poolSize: 4 });
    await migrateAudit(db);
    checkpointer = new Checkpointer({
      origin: ORIGIN,
      signer: parseSignerKey(key.signerKey),
      policy: { everyEntries: 1_000_000, everyMs: 1_000_000_000 },
      transaction: (fn) => db.transaction((tx) => fn(checkpointTx(tx, ORIGIN))),
      clock: () => new Date(),
      log: createLogger({ level: 'silent', service: 'audit-test' }),
    });
    for (const [i, e] of events.entries()) {
      await append(e);
      if (CHECKPOINTS.includes(i + 1)) expect(await checkpointer.tick(true)).toMatchObject({ size: i + 1 });
    }
    const source = databaseExportSource(db, key.verifierKey);
    const exportedA = await exportBundle(source, A);
    bundleA = JSON.parse(JSON.stringify(exportedA.bundle)) as Bundle;
    pendingA = exportedA.pending;
    bundleB = JSON.parse(JSON.stringify((await exportBundle(source, B)).bundle)) as Bundle;
  }, 60_000);

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('signs the subject map of exactly the logged leaves into every checkpoint', async () => {
    const { rows } = await db.query<{ size: string; note: string }>(
      'SELECT size, note FROM audit.checkpoints ORDER BY size',
    );
    expect(rows.map((r) => Number(r.size))).toEqual(CHECKPOINTS);
    for (const row of rows) {
      const size = Number(row.size);
      // the reference: every subject's chain over the events' own leaf hashes, in a map in memory
      const chains = new Map<string, SubjectChain>();
      events.slice(0, size).forEach((e, i) => {
        if (e.subject)
          chains.set(e.subject, extendSubjectChain(chains.get(e.subject) ?? emptySubjectChain(), i, leafOf(e).hash));
      });
      const { root } = await new MemoryMap().setMany(
        [...chains].map(([subject, chain]) => ({ key: mapKey(subject), value: subjectMapValue(chain) })),
      );
      const signed = subjectMapRoot(parseCheckpoint(row.note.slice(0, row.note.indexOf('\n\n') + 1)));
      expect(Buffer.from(signed!).toString('hex')).toBe(Buffer.from(root).toString('hex'));
    }
  });

  it('exports all of a subject’s events up to the checkpoint with the map proof, and the bundle verifies complete', () => {
    expect(bundleA.events.map((e) => e.leafIndex)).toEqual([0, 2, 4, 7, 9, 12]);
    expect(pendingA).toBe(1); // A at 13, after the last checkpoint
    expect(bundleA.subjectMap?.chain).toMatchObject({ count: 6, lastIndex: 12 });
    expect(bundleB.events.map((e) => e.leafIndex)).toEqual([1, 5, 8, 11]);
    for (const bundle of [bundleA, bundleB]) {
      expect(verifyBundle(bundle, { verifierKey: key.verifierKey })).toEqual({
        findings: [],
        treeSize: 13,
        events: bundle.events.length,
        eventsVerified: bundle.events.length,
        keyPinned: true,
        completeness: 'proven',
        keyRotation: 'unchecked',
      });
    }
  });

  it('recomputes from the leaves alone, as a client can, the same map claim that the database serves', async () => {
    const leaves = await logReader(db).entries(0, 13, false);
    async function* served() {
      yield* leaves;
    }
    const claim = await subjectMapFromLog(served(), A, 13);
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    expect({
      chain: { count: claim!.chain!.count, head: hex(claim!.chain!.head), lastIndex: claim!.chain!.lastIndex },
      bitmap: hex(claim!.proof.bitmap),
      siblings: claim!.proof.siblings.map(hex),
    }).toEqual(bundleA.subjectMap);
  });

  it('a replay recomputes every signed subject map from the stored leaves and finds nothing', async () => {
    const leaves = (await logReader(db).entries(0, 1_000, false)).map((e) => ({
      leafIndex: e.leafIndex,
      subject: e.subject,
      leafHash: e.leafHash,
    }));
    const { rows } = await db.query<{ note: string }>('SELECT note FROM audit.checkpoints ORDER BY size');
    const checkpoints = rows.map((r) => parseCheckpoint(r.note.slice(0, r.note.indexOf('\n\n') + 1)));
    expect(checkpoints.map((c) => c.extensions?.length)).toEqual([1, 1]);
    expect(await checkSubjectMap(leaves, checkpoints)).toEqual([]);
  });

  it('proves that a subject the log never mentioned has no events', async () => {
    const { bundle } = await exportBundle(databaseExportSource(db, key.verifierKey), 'never-logged');
    expect(bundle.subjectMap?.chain).toBeNull();
    expect(verifyBundle(JSON.parse(JSON.stringify(bundle)), { verifierKey: key.verifierKey })).toMatchObject({
      findings: [],
      completeness: 'proven',
    });
    // and a bundle that claims no events for A is refused
    const emptied = { ...bundleA, events: [], subjectMap: bundle.subjectMap };
    const kinds = verifyBundle(emptied, { verifierKey: key.verifierKey }).findings.map((f) => f.kind);
    expect(kinds).toEqual(['MAP_PROOF_INVALID']);
  });

  it(`refuses each of the ${CORPUS.length} tampered bundles with its named reason`, () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(20);
    const verdicts = CORPUS.map(([name, tamper, reason]) => {
      const report = verifyBundle(JSON.parse(JSON.stringify(tamper(bundleA, bundleB))), {
        verifierKey: key.verifierKey,
      });
      const kinds = divergences(report.findings).map((f) => f.kind);
      return { name, reason, named: kinds.includes(reason), failed: kinds.length > 0, kinds };
    });
    expect(verdicts.filter((v) => !v.named || !v.failed)).toEqual([]);
  });

  it('refuses a bundle signed by another key than the one given, and says when no key was given', async () => {
    const forger = generateNoteKey(ORIGIN);
    const text = bundleA.checkpoint.slice(0, bundleA.checkpoint.indexOf('\n\n') + 1);
    const resigned = {
      ...bundleA,
      verifierKey: forger.verifierKey,
      checkpoint: await signNote(text, parseSignerKey(forger.signerKey)),
    };
    const pinned = verifyBundle(resigned, { verifierKey: key.verifierKey });
    expect(divergences(pinned.findings).map((f) => f.kind)).toEqual(['KEY_MISMATCH', 'CHECKPOINT_SIGNATURE_INVALID']);
    const unpinned = verifyBundle(resigned);
    expect(unpinned).toMatchObject({ keyPinned: false, completeness: 'proven' });
    expect(unpinned.findings.map((f) => f.kind)).toEqual(['KEY_UNPINNED']);
  });

  it('extends a subject’s chain with two extra statements per append (read after the lock, saved)', async () => {
    const counted = async (subject: string) => {
      const statements: string[] = [];
      await db.transaction(async (tx) => {
        const counting: Queryable = {
          query: ((sql: string, ...rest: unknown[]) => {
            statements.push(sql.trim().split(/\s+/).slice(0, 3).join(' '));
            return (tx.query as (...a: unknown[]) => unknown)(sql, ...rest);
          }) as Queryable['query'],
        };
        // a source of its own, first in its sequence: the two appends differ only by their subject
        const e = event(0, { subject, id: `count-${subject || 'none'}`, source: `/count/${subject || 'none'}` });
        await appendEvent(appendPort(counting), e, FROM, new Date());
      });
      // the interior nodes an append completes depend on the tree size, not on the subject
      return statements.filter((s) => s !== 'INSERT INTO audit.nodes');
    };
    const without = await counted('');
    const withChain = await counted(A);
    expect(withChain.length - without.length).toBe(2);
    expect(withChain.filter((s) => !without.includes(s))).toEqual([
      'SELECT count, head,',
      'INSERT INTO audit.subject_chains',
    ]);
  });

  it('rebuilds every chain from the leaves for a log that had leaves before the subject map', async () => {
    const before = await db.query(
      'SELECT subject_key, count, head, last_index FROM audit.subject_chains ORDER BY subject_key',
    );
    await db.query('UPDATE audit.subject_chain_backfill SET pending = true');
    await db.query('DELETE FROM audit.subject_chains');
    expect(await backfillSubjectChains(db)).toBe(before.rows.length);
    const after = await db.query(
      'SELECT subject_key, count, head, last_index FROM audit.subject_chains ORDER BY subject_key',
    );
    expect(after.rows).toEqual(before.rows);
    expect(await backfillSubjectChains(db)).toBe(0);
  });
});
