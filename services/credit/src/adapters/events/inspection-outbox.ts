import { inspectionV1 as iv } from '@onceonly/contracts';
import { appendToOutbox, defineEvent } from '@onceonly/events';
import type {
  InspectionOutbox,
  InspectionOutcome,
  InspectionResultFact,
  PublishedDraw,
} from '../../app/inspections.js';
import { INSPECTION_EVENT_TYPES, INSPECTION_TOPIC } from '../../topics.js';
import { CREDIT_SCHEMA } from '../db/stores.js';
import { CREDIT_SOURCE } from './outbox.js';

export const taskCommitted = defineEvent({
  type: INSPECTION_EVENT_TYPES.taskCommitted,
  source: CREDIT_SOURCE,
  dataschema: 'proto:onceonly.credit.v1.TaskCommitted',
  codec: iv.TaskCommitted,
});

export const drawCompleted = defineEvent({
  type: INSPECTION_EVENT_TYPES.drawCompleted,
  source: CREDIT_SOURCE,
  dataschema: 'proto:onceonly.credit.v1.DrawCompleted',
  codec: iv.DrawCompleted,
});

export const resultRecorded = defineEvent({
  type: INSPECTION_EVENT_TYPES.resultRecorded,
  source: CREDIT_SOURCE,
  dataschema: 'proto:onceonly.credit.v1.ResultRecorded',
  codec: iv.ResultRecorded,
});

/** Outcomes and their enum values. */
export const OUTCOMES: ReadonlyMap<InspectionOutcome, iv.InspectionOutcome> = new Map([
  ['compliant', iv.InspectionOutcome.INSPECTION_OUTCOME_COMPLIANT],
  ['ordered-to-correct', iv.InspectionOutcome.INSPECTION_OUTCOME_ORDERED_TO_CORRECT],
  ['case-opened', iv.InspectionOutcome.INSPECTION_OUTCOME_CASE_OPENED],
  ['not-located', iv.InspectionOutcome.INSPECTION_OUTCOME_NOT_LOCATED],
]);

/** A result as its message. */
export function resultToProto(r: InspectionResultFact): iv.InspectionResult {
  return {
    ...r,
    outcome: OUTCOMES.get(r.outcome) ?? iv.InspectionOutcome.INSPECTION_OUTCOME_UNSPECIFIED,
    recordId: r.recordId ?? '',
  };
}

/** A published draw as its message. */
export function drawToProto(d: PublishedDraw): iv.PublishedDraw {
  return {
    taskId: d.taskId,
    documentJson: d.documentJson,
    checkpointNote: d.checkpointNote,
    previousCheckpointNote: d.previousCheckpointNote,
    proof: {
      eventId: d.proof.eventId,
      leafIndex: String(d.proof.leafIndex),
      treeSize: String(d.proof.treeSize),
      leafHash: d.proof.leafHash,
      hashes: [...d.proof.hashes],
      leafCanonical: d.proof.leafCanonical,
      commitmentBody: d.proof.commitmentBody,
    },
    resultJson: JSON.stringify(d.result),
    drawnBy: d.drawnBy,
    drawnAt: d.drawnAt,
  };
}

/**
 * Inspection facts → CloudEvents on `onceonly.inspection.v1`, keyed by the task id, extension `actor` (the
 * organiser). The commitment's event id is the one stored with the task: the draw asks the audit log for its proof.
 */
export const sqlInspectionOutbox: InspectionOutbox = {
  async committed(tx, task) {
    const event = taskCommitted.make({
      id: task.commitmentEventId,
      subject: task.taskId,
      time: task.committedAt,
      extensions: { actor: task.organiser },
      data: {
        taskDigest: task.digest,
        taskId: task.taskId,
        documentJson: task.document,
        organiserCode: task.organiser,
        committedAt: task.committedAt.toISOString(),
      },
    });
    await appendToOutbox(tx, CREDIT_SCHEMA, [{ topic: INSPECTION_TOPIC, event }]);
  },
  async drawn(tx, draw) {
    const event = drawCompleted.make({
      subject: draw.taskId,
      time: new Date(draw.drawnAt),
      extensions: { actor: draw.drawnBy },
      data: { draw: drawToProto(draw) },
    });
    await appendToOutbox(tx, CREDIT_SCHEMA, [{ topic: INSPECTION_TOPIC, event }]);
  },
  async resultRecorded(tx, result, eventId) {
    const event = resultRecorded.make({
      id: eventId,
      subject: result.taskId,
      time: new Date(result.recordedAt),
      extensions: { actor: result.recordedBy },
      data: { result: resultToProto(result) },
    });
    await appendToOutbox(tx, CREDIT_SCHEMA, [{ topic: INSPECTION_TOPIC, event }]);
  },
};
