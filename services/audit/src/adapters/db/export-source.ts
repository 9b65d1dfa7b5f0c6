import { consistencyProof, inclusionProof, mapProof } from '@onceonly/merkle';
import type { Queryable } from '@onceonly/store';
import { cosignedNote } from '../../app/add-cosignature.js';
import type { ExportSource } from '../../app/export-bundle.js';
import { subjectKeyOf } from '../../domain/subject-key.js';
import { checkpointStore, hashReader, logReader } from './audit-store.js';
import { chainAt, subjectMapPort, subjectMapReader } from './subject-map-store.js';

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
    async subjectMap(subject, treeSize) {
      if ((await subjectMapPort(db).rootAt(treeSize)) === undefined) return undefined;
      const key = subjectKeyOf(subject);
      if (key === undefined) return undefined;
      const [{ proof }, chain] = await Promise.all([
        mapProof(subjectMapReader(db, treeSize), key),
        chainAt(db, key, treeSize),
      ]);
      return { chain, proof };
    },
  };
}
