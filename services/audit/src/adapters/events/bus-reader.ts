import { randomUUID } from 'node:crypto';
import { auditEventsV1 } from '@onceonly/contracts';
import { type EventTransport, fromKafkaRecord, type ReceivedRecord } from '@onceonly/events';
import type { BusRecord, ReplayBusSource } from '../../app/replay.js';
import { CHECKPOINT_TOPIC } from '../../topics.js';
import { AUDIT_GROUP } from './ingest.js';

/** Options of {@link transportBusSource}. */
export interface BusSourceOptions {
  /** The throwaway consumer group (default `onceonly-audit-replay-<uuid>`): it never disturbs the log's own group. */
  readonly group?: string;
  /** Give up when no record arrived for this long while some were still expected (default 60 s). */
  readonly idleTimeoutMs?: number;
  /** The log's own consumer group, whose committed offsets tell in-flight events from missing ones. */
  readonly logGroup?: string;
}

/**
 * Re-reads topics from the beginning through the event transport (Kafka, or the embedded log) with a fresh consumer
 * group, up to each partition's end as it was when the read began: records published during the replay are left
 * for the next one. The checkpoint topic is read too, not as events but as the bus's signature: its signed notes say
 * whose bus this is (see `checkpointNotes`).
 */
export function transportBusSource(transport: EventTransport, options: BusSourceOptions = {}): ReplayBusSource {
  return {
    async read(topics, onRecord, onProgress, signal) {
      signal?.throwIfAborted();
      const group = options.group ?? `onceonly-audit-replay-${randomUUID()}`;
      const checkpointNotes: string[] = [];
      let withCheckpoints = [...topics.filter((t) => t !== CHECKPOINT_TOPIC.name), CHECKPOINT_TOPIC.name];
      // a bus without the checkpoint topic (no audit log ever ran on it) names no hub: read the topics alone
      const lags = await transport.lag(group, withCheckpoints).catch(() => {
        withCheckpoints = [...topics];
        return transport.lag(group, topics);
      });
      // the log group's offsets, asked while the consumer joins (after the ends: an offset the log committed
      // meanwhile is of an event it appended beyond the replay's snapshot, which the replay forgets as in flight)
      const logReadUpTo = transport
        .lag(options.logGroup ?? AUDIT_GROUP, topics)
        .then((partitions) => new Map(partitions.map((p) => [`${p.topic}/${p.partition}`, Math.max(0, p.committed)])));
      logReadUpTo.catch(() => undefined); // awaited below; a failure is thrown there, not unhandled
      const remaining = new Map<string, number>();
      let total = 0;
      for (const p of lags) {
        if (p.lag > 0) remaining.set(`${p.topic}/${p.partition}`, p.end);
        if (p.topic !== CHECKPOINT_TOPIC.name) total += p.lag;
      }
      let records = 0;
      let malformed = 0;
      onProgress?.(0, total);
      if (remaining.size === 0) return { records, malformed, logReadUpTo: await logReadUpTo, checkpointNotes };
      let settle!: () => void;
      let fail!: (err: Error) => void;
      const done = new Promise<void>((resolve, reject) => {
        settle = resolve;
        fail = reject;
      });
      let lastSeen = Date.now();
      const handle = async (record: ReceivedRecord) => {
        const key = `${record.topic}/${record.partition}`;
        const end = remaining.get(key);
        if (end === undefined || Number(record.offset) >= end) return;
        lastSeen = Date.now();
        if (record.topic === CHECKPOINT_TOPIC.name) {
          const note = checkpointNoteOf(record);
          if (note !== undefined) checkpointNotes.push(note);
          if (Number(record.offset) + 1 >= end) remaining.delete(key);
          if (remaining.size === 0) settle();
          return;
        }
        records++;
        try {
          const event = fromKafkaRecord(record);
          onRecord({
            event,
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
          } satisfies BusRecord);
        } catch {
          malformed++;
        }
        if (records % 500 === 0) onProgress?.(records, total);
        if (Number(record.offset) + 1 >= end) remaining.delete(key);
        if (remaining.size === 0) settle();
      };
      // in batches: one call per fetched batch rather than one delivery (promise, offset bookkeeping) per record
      const subscription = await transport.subscribe({
        group,
        topics: withCheckpoints,
        fromBeginning: true,
        handle,
        handleBatch: async (batch) => {
          for (const record of batch) await handle(record);
        },
        maxBatchSize: 10_000,
      });
      // the replay stopped (the log read failed): stop reading, and release the consumer below
      const abort = () => fail(signal?.reason instanceof Error ? signal.reason : new Error('the replay stopped'));
      if (signal?.aborted) abort();
      signal?.addEventListener('abort', abort, { once: true });
      const idle = options.idleTimeoutMs ?? 60_000;
      const watchdog = setInterval(() => {
        if (Date.now() - lastSeen > idle) {
          fail(new Error(`the bus stopped delivering with ${remaining.size} partition(s) unread`));
        }
      }, 1_000);
      try {
        await done;
      } finally {
        clearInterval(watchdog);
        signal?.removeEventListener('abort', abort);
        await subscription.stop();
      }
      onProgress?.(records, total);
      return { records, malformed, logReadUpTo: await logReadUpTo, checkpointNotes };
    },
  };
}

/** The signed note of a checkpoint record (undefined when it does not decode: it then names no hub). */
function checkpointNoteOf(record: ReceivedRecord): string | undefined {
  try {
    return auditEventsV1.CheckpointSigned.decode(fromKafkaRecord(record).data).signedNote || undefined;
  } catch {
    return undefined;
  }
}
