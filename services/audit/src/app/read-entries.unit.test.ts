import { AppError } from '@onceonly/errors';
import { describe, expect, it } from 'vitest';
import { CERTIFICATE_SOURCE, LICENCES_CHECKED } from '../domain/read-access.js';
import type { LeafRecord, LogReader, SearchFilter } from './ports.js';
import {
  entryOfProof,
  type ReadRecord,
  readEvent,
  readRange,
  readSubjectMapProof,
  searchEntries,
} from './read-entries.js';

const NOW = new Date('2026-03-01T00:00:00Z');
const MARKET = { code: 'MARKET', name: 'market', role: 'department', authenticatedBy: 'mtls' };
const PLATFORM = { code: 'PLATFORM', name: 'platform', role: 'platform', authenticatedBy: 'mtls' };

function leaf(leafIndex: number, over: Partial<LeafRecord>): LeafRecord {
  const bytes = new Uint8Array(0);
  return {
    leafIndex,
    eventId: `e${leafIndex}`,
    topic: 't',
    partition: 0,
    offset: String(leafIndex),
    source: CERTIFICATE_SOURCE,
    type: 'certificate.issued',
    subject: 'holder-1',
    time: NOW,
    sequence: String(leafIndex + 1),
    bodySha256: bytes,
    leafHash: bytes,
    canonical: bytes,
    data: bytes,
    ...over,
  };
}

// leaves 0..5: the market's at 0, 2 and 4; another department's at 1, 3; the platform's check at 5
const LEAVES = [0, 1, 2, 3, 4].map((i) =>
  leaf(i, { actor: i % 2 === 0 ? 'MARKET' : 'HEALTH', issuer: i % 2 === 0 ? 'MARKET' : 'HEALTH' }),
);
LEAVES.push(leaf(5, { type: LICENCES_CHECKED, subject: 'PLATFORM', actor: 'PLATFORM' }));

function deps(fit = (l: LeafRecord[]) => l) {
  const recorded: ReadRecord[] = [];
  const matches = (l: LeafRecord, f: SearchFilter) =>
    (!f.subject || l.subject === f.subject) && (!f.type || l.type === f.type) && (!f.source || l.source === f.source);
  const reader = {
    entries: async (start: number, end: number) => LEAVES.slice(start, end),
    search: async (f: SearchFilter, after: number, limit: number) =>
      LEAVES.filter((l) => l.leafIndex > after && matches(l, f)).slice(0, limit),
  } as unknown as LogReader;
  return {
    recorded,
    deps: { reader, clock: () => NOW, fit, reads: { record: async (r: ReadRecord) => void recorded.push(r) } },
  };
}

const denied = (p: Promise<unknown>) =>
  expect(p).rejects.toSatisfy((e) => e instanceof AppError && e.code === 'AUDIT_READ_DENIED');

describe('searchEntries', () => {
  it('returns a department only its entries, pages past those left out, and records what it disclosed', async () => {
    const { deps: d, recorded } = deps();
    const first = await searchEntries(d, MARKET, { filter: {}, after: -1, limit: 2, withData: true, purpose: 'why' });
    expect(first.entries.map((l) => l.leafIndex)).toEqual([0]);
    expect(first.next).toBe(1);
    const second = await searchEntries(d, MARKET, { filter: {}, after: 1, limit: 2, withData: true, purpose: '' });
    expect(second.entries.map((l) => l.leafIndex)).toEqual([2]);
    expect(recorded.map((r) => [r.method, r.leafIndexes, r.purpose])).toEqual([
      ['SearchEvents', [0], 'why'],
      ['SearchEvents', [2], ''],
    ]);
    // each read names whose entries it disclosed, for the holder's data tracker and the issuing department
    expect(recorded[0]).toMatchObject({
      subjects: [{ subject: 'holder-1', issuer: 'MARKET', leafIndexes: [0] }],
      unowned: [],
    });
  });

  it('continues after the last entry returned when the response size cut the page', async () => {
    const { deps: d, recorded } = deps((l) => l.slice(0, 1));
    const page = await searchEntries(d, MARKET, { filter: {}, after: -1, limit: 10, withData: true, purpose: '' });
    expect(page).toMatchObject({ next: 0 });
    expect(recorded[0]!.leafIndexes).toEqual([0]);
  });

  it('ends the paging when the search is exhausted', async () => {
    const { deps: d } = deps();
    expect(
      (await searchEntries(d, MARKET, { filter: {}, after: -1, limit: 100, withData: true, purpose: '' })).next,
    ).toBeUndefined();
  });

  it('refuses a platform searching outside its checks and records nothing', async () => {
    const { deps: d, recorded } = deps();
    await denied(
      searchEntries(d, PLATFORM, {
        filter: { subject: 'holder-1' },
        after: -1,
        limit: 10,
        withData: true,
        purpose: '',
      }),
    );
    expect(recorded).toEqual([]);
    const own = await searchEntries(d, PLATFORM, { filter: {}, after: -1, limit: 10, withData: true, purpose: '' });
    expect(own.entries.map((l) => l.leafIndex)).toEqual([5]);
    expect(recorded[0]!.filter).toMatchObject({ subject: 'PLATFORM', type: LICENCES_CHECKED });
  });
});

describe('readRange, readEvent, entryOfProof', () => {
  it('refuses a range holding one entry the reader may not read, and records nothing', async () => {
    const { deps: d, recorded } = deps();
    await denied(readRange(d, MARKET, { start: 0, end: 2, withData: true, purpose: '' }));
    await denied(readEvent(d, MARKET, LEAVES[1]!, 'GetEvent', ''));
    expect(recorded).toEqual([]);
  });

  it('discloses the entry of a proof only to a reader, and records it', async () => {
    const { deps: d, recorded } = deps();
    expect(await entryOfProof(d, MARKET, LEAVES[1]!, '')).toBeUndefined();
    expect(await entryOfProof(d, MARKET, LEAVES[2]!, '')).toBe(LEAVES[2]);
    expect(recorded.map((r) => [r.method, r.eventId])).toEqual([['GetInclusionProof', 'e2']]);
  });
});

describe('readSubjectMapProof', () => {
  const LATER = new Date('2030-01-01T00:00:00Z');
  const AUDITOR = { code: 'AUDITOR', name: 'auditor', role: 'auditor', authenticatedBy: 'mtls' };
  const PORTAL = { code: 'PORTAL', name: 'portal', role: 'portal', authenticatedBy: 'mtls' };
  // holder-1: two entries, the second kept secret until 2030; holder-2: one entry
  const leaves = [
    leaf(0, { subject: 'holder-1', issuer: 'MARKET' }),
    leaf(1, { subject: 'holder-1', issuer: 'MARKET', secretUntil: LATER }),
    leaf(2, { subject: 'holder-2', issuer: 'MARKET' }),
  ];
  const claim = { chain: undefined, proof: { bitmap: new Uint8Array(32), siblings: [] } };
  function mapDeps() {
    const recorded: ReadRecord[] = [];
    const reader = {
      latestCheckpoint: async () => ({ size: 3 }),
      search: async (f: SearchFilter, after: number) =>
        leaves.filter((l) => l.subject === f.subject && l.leafIndex > after),
    } as unknown as LogReader;
    const asked: string[] = [];
    const deps = {
      reader,
      clock: () => NOW,
      reads: { record: async (r: ReadRecord) => void recorded.push(r) },
      maps: {
        claim: async (subject: string) => {
          asked.push(subject);
          return claim;
        },
      },
    };
    return { deps, recorded, asked };
  }

  it('answers an auditor, and records the read as secret as the subject’s latest secret entry', async () => {
    const { deps, recorded } = mapDeps();
    const answer = await readSubjectMapProof(deps, AUDITOR, { subject: 'holder-1', purpose: 'audit' });
    expect(answer).toEqual({ treeSize: 3, claim });
    expect(recorded).toMatchObject([
      { method: 'GetSubjectMapProof', subjects: [{ subject: 'holder-1', secretUntil: LATER, leafIndexes: [] }] },
    ]);
  });

  it('answers the portal for a holder with nothing secret, and refuses it (reading no map) otherwise', async () => {
    const { deps, recorded, asked } = mapDeps();
    await readSubjectMapProof(deps, PORTAL, { subject: 'holder-2', purpose: '' });
    expect(recorded[0]!.subjects).toEqual([{ subject: 'holder-2', leafIndexes: [] }]);
    await denied(readSubjectMapProof(deps, PORTAL, { subject: 'holder-1', purpose: '' }));
    expect(asked).toEqual(['holder-2']);
  });

  it('refuses a department and a platform whatever the subject, before anything is read', async () => {
    const { deps, recorded, asked } = mapDeps();
    await denied(readSubjectMapProof(deps, MARKET, { subject: 'holder-2', purpose: '' }));
    await denied(readSubjectMapProof(deps, PLATFORM, { subject: 'PLATFORM', purpose: '' }));
    expect(recorded).toEqual([]);
    expect(asked).toEqual([]);
  });
});
