import type { inspectionV1 as iv } from '@onceonly/contracts';
import { invalid } from '@onceonly/errors';
import { type Caller, unary } from '@onceonly/kit';
import {
  commitTaskCase,
  drawTaskCase,
  getTaskCase,
  type InspectionDeps,
  type StoredTask,
} from '../../app/inspections.js';
import type { Actor } from '../../domain/records.js';
import { drawToProto } from '../events/inspection-outbox.js';

const actorOf = (caller: Caller): Actor => ({ code: caller.departmentCode, role: caller.role });

/** At most this much task JSON (a pool of 100,000 candidates fits; gRPC's own limit is 4 MiB). */
const MAX_TASK_JSON = 3_500_000;

function taskId(value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) {
    throw invalid('INVALID_ARGUMENT', [{ field: 'task_id', reason: 'REQUIRED', description: 'a task id' }]);
  }
  return value;
}

function taskToProto(task: StoredTask, replayed: boolean): iv.CommitInspectionTaskResponse {
  return {
    taskId: task.taskId,
    documentJson: task.document,
    taskDigest: task.digest,
    commitmentEventId: task.commitmentEventId,
    replayed,
  };
}

/** The handlers of InspectionService: parse, run the use case, map the result. */
export function inspectionHandlers(deps: InspectionDeps): iv.InspectionServiceServer {
  return {
    commitInspectionTask: unary(async (r, { caller }) => {
      if (r.taskJson.length > MAX_TASK_JSON) {
        throw invalid('INVALID_ARGUMENT', [{ field: 'task_json', reason: 'TOO_LONG', description: 'at most 3.5 MB' }]);
      }
      const { task, replayed } = await commitTaskCase(deps, { taskJson: r.taskJson, actor: actorOf(caller) });
      return taskToProto(task, replayed);
    }),
    drawInspectionTask: unary(async (r, { caller }) => {
      const { draw, replayed } = await drawTaskCase(deps, { taskId: taskId(r.taskId), actor: actorOf(caller) });
      return { draw: drawToProto(draw), replayed };
    }),
    getInspectionTask: unary(async (r, { caller }) => {
      const { task, draw } = await getTaskCase(deps, { taskId: taskId(r.taskId), actor: actorOf(caller) });
      return { task: taskToProto(task, false), draw: draw ? drawToProto(draw) : undefined };
    }),
  };
}
