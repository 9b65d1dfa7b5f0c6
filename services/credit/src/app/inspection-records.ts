import { inspectionRecord } from '../domain/inspection-records.js';
import { changeSubject } from './change-subject.js';
import type { ResultRecords } from './inspections.js';
import type { CreditDeps } from './ports.js';

/** The result was recorded by a concurrent call: the subject's transaction rolls back. */
class ResultTaken extends Error {}

/**
 * 一公开 (issue 13 item 5): a recorded inspection result becomes a credit record of kind `inspection` on the inspected
 * entity, in the subject's one transaction shape (`changeSubject`): the record, the grade recomputed (with its
 * history and `credit.grade.changed` when it says something new), then the result and `inspection.result.recorded`
 * (`write`), then `credit.record.recorded` naming the result's event as its cause.
 */
export function resultRecords(deps: CreditDeps): ResultRecords {
  return {
    async record(terms, ids, write) {
      try {
        return await changeSubject(
          deps,
          terms.creditCode,
          terms.recordedBy,
          (records, today) => {
            // a task's pool names entities by code: the name is the one the entity's other records give
            const named = records.filter((r) => r.partyName !== r.subject.key).at(-1);
            const record = inspectionRecord(terms, ids.recordId, named?.partyName ?? '', today, deps.calendar);
            return { record, fact: { type: 'recorded' }, insert: true };
          },
          async (tx) => {
            if (!(await write(tx))) throw new ResultTaken();
          },
          { cause: ids.resultEventId },
        );
      } catch (err) {
        if (err instanceof ResultTaken) return undefined;
        throw err;
      }
    },
    find: (recordId) => deps.store.record(deps.db, recordId),
  };
}
