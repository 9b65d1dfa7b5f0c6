import { inspectionV1 as iv } from '@onceonly/contracts';
import { parseVerifierKey } from '@onceonly/merkle';
import { type Projection, type ProjectionCheck, projectionOf, type ReplayEvent } from '@onceonly/replay';
import type { DrawResult } from '../../domain/draw.js';
import {
  type DrawReplayFact,
  evolveDraw,
  INSPECTION_DRAW,
  type LiveTask,
  type LogKeys,
  type ReplayedTask,
  taskDifferences,
} from '../../domain/replay/draw-replay.js';
import { INSPECTION_EVENT_TYPES as T } from '../../topics.js';

// The wire side of the draw replay (ADR 029): the logged `inspection.*` bodies (proto/onceonly/credit/v1/
// inspection.proto) decoded into the domain's facts. The rules are in `domain/replay/draw-replay.ts`.

/** The gRPC service the projection is compared with. */
export const INSPECTION_SERVICE = 'onceonly.credit.v1.InspectionService';

function resultOf(json: string): DrawResult | undefined {
  try {
    return JSON.parse(json) as DrawResult;
  } catch {
    return undefined;
  }
}

/** A logged inspection event as the fold's fact; undefined for a type the projection does not know. */
export function decodeInspectionEvent(event: ReplayEvent): DrawReplayFact | undefined {
  const base = { eventSubject: event.subject };
  if (event.type === T.taskCommitted) {
    const b = iv.TaskCommitted.decode(event.data);
    return {
      ...base,
      type: 'committed',
      eventId: event.id,
      taskId: b.taskId,
      digest: Buffer.from(b.taskDigest),
      document: b.documentJson,
    };
  }
  if (event.type === T.drawCompleted) {
    const d = iv.DrawCompleted.decode(event.data).draw;
    if (!d?.proof) throw new Error('no draw or no proof');
    const p = d.proof;
    return {
      ...base,
      type: 'drawn',
      taskId: d.taskId,
      document: d.documentJson,
      checkpointNote: d.checkpointNote,
      proof: {
        eventId: p.eventId,
        leafIndex: Number(p.leafIndex),
        treeSize: Number(p.treeSize),
        leafHash: Buffer.from(p.leafHash),
        hashes: p.hashes.map((h) => Buffer.from(h)),
        leafCanonical: Buffer.from(p.leafCanonical),
        commitmentBody: Buffer.from(p.commitmentBody),
      },
      result: resultOf(d.resultJson),
    };
  }
  if (event.type === T.resultRecorded) {
    const r = iv.ResultRecorded.decode(event.data).result;
    if (!r) throw new Error('no result');
    return { ...base, type: 'result', taskId: r.taskId, creditCode: r.creditCode, inspectorId: r.inspectorId };
  }
  return undefined;
}

/** The audit log's verifier keys (`<origin>+<id>+<key>`) as the fold checks notes with; a malformed one is left out. */
export function logKeysOf(verifierKeys: readonly string[]): LogKeys {
  return verifierKeys.flatMap((vkey) => {
    try {
      return [parseVerifierKey(vkey.trim())];
    } catch {
      return [];
    }
  });
}

/**
 * The draw projection, checking every published checkpoint note against the audit log's `verifierKeys` (its key,
 * and the keys it rotated from: what `audit replay` trusts, `--vkey` or the log's own with a notice).
 */
export function inspectionDrawProjection(verifierKeys: readonly string[]): Projection<ReplayedTask> {
  const keys = logKeysOf(verifierKeys);
  return projectionOf({
    name: INSPECTION_DRAW,
    accepts: (type) => type.startsWith('inspection.'),
    decode: decodeInspectionEvent,
    evolve: (state, fact) => evolveDraw(state, fact, keys),
    keyLabel: (key) => `inspection task ${key}`,
  });
}

/** How the replay reads one task from the service (GetInspectionTask; undefined: not found). */
export type TaskLookup = (taskId: string) => Promise<LiveTask | undefined>;

/** The draw projection with the service's reader; `verifierKeys`: the audit log's (see {@link inspectionDrawProjection}). */
export function inspectionDrawCheck(
  lookup: TaskLookup | undefined,
  options: { readonly verifierKeys: readonly string[]; readonly skipped?: string },
): ProjectionCheck<ReplayedTask, LiveTask> {
  return {
    projection: inspectionDrawProjection(options.verifierKeys),
    ...(lookup === undefined
      ? { skipped: options.skipped ?? 'the inspection service was not asked' }
      : { reader: { read: (id: string) => lookup(id) } }),
    differences: (key, rebuilt, live) => taskDifferences(key, rebuilt, live),
  };
}

/** A task as GetInspectionTask answers it, as the replay compares it. */
export function liveTaskFromProto(r: iv.GetInspectionTaskResponse): LiveTask {
  return {
    digest: Buffer.from(r.task?.taskDigest ?? []).toString('hex'),
    draw: r.draw ? resultOf(r.draw.resultJson) : undefined,
  };
}
