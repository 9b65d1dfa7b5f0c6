import type { ReadableEntry } from './read-access.js';

// Whose entries a read disclosed: the records of a read (`audit.entries-read`) are keyed by those subjects, so that a
// holder's data tracker (the portal, reading for the holder) and the department whose certificates they are see who
// read them. Pure.

/** The entries of one subject (and one issuing department, one secrecy) that a read disclosed. */
export interface ReadSubject {
  readonly subject: string;
  /** The department whose certificates or seals these entries are about, when they name one. */
  readonly issuer?: string;
  /** A law keeps these entries from their holder until then: so does the record of their read. */
  readonly secretUntil?: Date;
  readonly leafIndexes: readonly number[];
}

/** An entry as the grouping looks at it. */
export type ReadEntry = Pick<ReadableEntry, 'subject' | 'issuer' | 'secretUntil'> & { readonly leafIndex: number };

/**
 * The disclosed entries grouped by subject, issuer and secrecy, in the order of their first entry (so that each
 * group's record can be read by exactly the parties who may read its entries); `unowned` are the entries with no
 * subject (they name no holder to tell).
 */
export function readSubjects(entries: readonly ReadEntry[]): { subjects: ReadSubject[]; unowned: number[] } {
  const groups = new Map<string, { subject: string; issuer?: string; secretUntil?: Date; leafIndexes: number[] }>();
  const unowned: number[] = [];
  for (const entry of entries) {
    if (entry.subject === '') {
      unowned.push(entry.leafIndex);
      continue;
    }
    const key = JSON.stringify([entry.subject, entry.issuer ?? '', entry.secretUntil?.getTime() ?? null]);
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        subject: entry.subject,
        ...(entry.issuer ? { issuer: entry.issuer } : {}),
        ...(entry.secretUntil === undefined ? {} : { secretUntil: entry.secretUntil }),
        leafIndexes: [],
      };
      groups.set(key, group);
    }
    group.leafIndexes.push(entry.leafIndex);
  }
  return { subjects: [...groups.values()], unowned };
}
