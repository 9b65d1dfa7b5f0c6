import { AppError } from '@onceonly/errors';
import { subjectMapValue, updateMap } from '@onceonly/merkle';
import type { SubjectMapPort } from './ports.js';

/**
 * Brings the subject map up to the tree size `size` that a checkpoint is about to sign, and returns the map's root
 * (ADR 006). Called under the tree-head lock, so the subjects' chains are exactly those of the first `size` leaves.
 * One pass of `updateMap` over the subjects whose chain changed since the previous map version (last index at or
 * above its size), then one write of the new version. A version that already exists at `size` is reused.
 * INTERNAL if a chain is ahead of `size`: signing that map would commit the log to an inconsistent pair.
 */
export async function updateSubjectMap(port: SubjectMapPort, size: number): Promise<Uint8Array> {
  const last = await port.latestSize();
  if (last !== undefined && last >= size) {
    const root = await port.rootAt(size);
    if (root) return root;
    throw new AppError('INTERNAL', `the subject map has a version at ${last} but none at ${size}`);
  }
  const changed = await port.chainsSince(last ?? 0);
  if (changed.some((c) => c.chain.lastIndex >= size)) {
    throw new AppError('INTERNAL', `a subject chain is ahead of the tree size ${size}: is the tree head locked?`);
  }
  const entries = changed.map((c) => ({ key: c.key, value: subjectMapValue(c.chain) }));
  const update = await updateMap(port.reader(size), entries);
  await port.save(size, update, changed);
  return update.root;
}
