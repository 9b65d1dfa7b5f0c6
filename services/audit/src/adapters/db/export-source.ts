import { consistencyProof, inclusionProof } from '@onceonly/merkle';
import type { Queryable } from '@onceonly/store';
import { cosignedNote } from '../../app/add-cosignature.js';
import type { ExportSource } from '../../app/export-bundle.js';
import { checkpointStore, hashReader, logReader } from './audit-store.js';
import { subjectMapClaim } from './subject-map-store.js';

/** An export read straight from the database (tests, and operators with database access). */
export function databaseExportSource(db: Queryable, verifierKey: string): ExportSource {
  const reader = logReader(db);
  return {
    async latest() {
      const checkpoint = await reader.latestCheckpoint();
      if (!checkpoint) throw new Error('the log has no checkpoint yet');
      return { verifierKey, signedNote: cosignedNote(checkpoint) };
    },
    async *entriesOf(subject) {
      for (let after = -1; ; ) {
        const page = await reader.search({ subject }, after, 500, true);
        yield* page;
        if (page.length < 500) return;
        after = page.at(-1)!.leafIndex;
      }
    },
    keyAnnouncements: (size) => checkpointStore.keyAnnouncements(db, size),
    inclusionProof: (index, size) => inclusionProof(hashReader(db, size), index, size),
    consistencyProof: (first, second) => consistencyProof(hashReader(db, second), first, second),
    subjectMap: (subject, treeSize) => subjectMapClaim(db, subject, treeSize),
  };
}
