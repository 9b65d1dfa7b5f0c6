import {
  emptySubjectChain,
  extendSubjectChain,
  leafHash,
  MemoryMap,
  mapKey,
  type SubjectChain,
  subjectMapValue,
} from '@onceonly/merkle';
import { describe, expect, it } from 'vitest';
import type { KeyedChain, SubjectMapPort } from './ports.js';
import { updateSubjectMap } from './update-subject-map.js';

/** The port over a map in memory (one version only, enough here) and a chains table. */
function memoryPort(chains: Map<string, SubjectChain>) {
  const map = new MemoryMap();
  const roots = new Map<number, Uint8Array>();
  const saved: Array<{ size: number; subjects: number }> = [];
  const port: SubjectMapPort = {
    latestSize: async () => (roots.size ? Math.max(...roots.keys()) : undefined),
    rootAt: async (size) => roots.get(size),
    chainsSince: async (since) =>
      [...chains].filter(([, c]) => c.lastIndex >= since).map(([s, chain]): KeyedChain => ({ key: mapKey(s), chain })),
    reader: () => map,
    async save(size, update, changed) {
      map.apply(update);
      roots.set(size, update.root);
      saved.push({ size, subjects: changed.length });
    },
  };
  return { port, map, saved };
}

function append(chains: Map<string, SubjectChain>, subject: string, index: number): void {
  chains.set(
    subject,
    extendSubjectChain(chains.get(subject) ?? emptySubjectChain(), index, leafHash(Buffer.of(index))),
  );
}

describe('updating the subject map for a checkpoint', () => {
  it('puts only the subjects changed since the previous version in the update, and gives the full map’s root', async () => {
    const chains = new Map<string, SubjectChain>();
    const { port, saved } = memoryPort(chains);
    for (const [i, s] of ['A', 'B', 'A'].entries()) append(chains, s, i);
    await updateSubjectMap(port, 3);
    for (const [i, s] of ['C', 'A'].entries()) append(chains, s, i + 3);
    const root = await updateSubjectMap(port, 5);
    expect(saved).toEqual([
      { size: 3, subjects: 2 },
      { size: 5, subjects: 2 },
    ]);
    const reference = new MemoryMap();
    const { root: expected } = await reference.setMany(
      [...chains].map(([s, c]) => ({ key: mapKey(s), value: subjectMapValue(c) })),
    );
    expect(Buffer.from(root).equals(Buffer.from(expected))).toBe(true);
  });

  it('reuses the version of a size already signed', async () => {
    const chains = new Map<string, SubjectChain>();
    const { port, saved } = memoryPort(chains);
    append(chains, 'A', 0);
    const first = await updateSubjectMap(port, 1);
    expect(await updateSubjectMap(port, 1)).toEqual(first);
    expect(saved).toHaveLength(1);
  });

  it('refuses a chain ahead of the size it signs (the tree head was not locked)', async () => {
    const chains = new Map<string, SubjectChain>();
    const { port, saved } = memoryPort(chains);
    append(chains, 'A', 4);
    await expect(updateSubjectMap(port, 4)).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(saved).toEqual([]);
  });
});
