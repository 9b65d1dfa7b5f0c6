import { Worker } from 'node:worker_threads';
import type { certificateV1 } from '@onceonly/contracts';
import type { CertificateHost } from './certificate-host.js';
import { closedLoop } from './certificate-load.js';
import { nowMs } from './stats.js';

/** A closed loop of IssueCertificate calls: which holders, under which idempotency keys, how many at once. */
export interface IssueCallsRequest {
  label: string;
  holders: readonly string[];
  keys: readonly string[];
  concurrency: number;
  quiet?: boolean;
}

/** What the calls found; times are `nowMs()` (epoch ms, the same clock in every thread). */
export interface IssueCalls {
  seconds: number;
  latencies: number[];
  started: number;
  finished: number;
  /** When each call was sent, by its index in `holders`. */
  sentAt: number[];
  /** The certificates issued, by index; only when the caller runs in the service's thread. */
  issued: certificateV1.Certificate[] | undefined;
}

/**
 * Who sends the bench's IssueCertificate calls (ADR 061): `in-process` on the service's own thread (the row as it has
 * been measured), or `worker`, a worker thread with its own grpc-js client, as a caller on another system would be:
 * the service's thread then runs the service, its relay and the topic reader, not the caller's gRPC client too.
 */
export interface IssueCaller {
  readonly where: 'in-process' | 'worker';
  issue(request: IssueCallsRequest): Promise<IssueCalls>;
  close(): Promise<void>;
}

/** A new certificate, or a failed run: a benchmark of errors or replays measures nothing. */
export function newCertificate(response: certificateV1.IssueCertificateResponse): certificateV1.Certificate {
  if (response.certificate === undefined || response.replayed) throw new Error('IssueCertificate: no new certificate');
  return response.certificate;
}

/** The calls on the service's thread, through the host's client. */
export function inProcessCaller(host: CertificateHost): IssueCaller {
  return {
    where: 'in-process',
    async issue(request) {
      const sentAt: number[] = [];
      const issued: certificateV1.Certificate[] = [];
      const calls = await closedLoop({
        label: request.label,
        calls: request.holders.length,
        concurrency: request.concurrency,
        quiet: request.quiet ?? false,
        call: async (i) => {
          sentAt[i] = nowMs();
          issued[i] = newCertificate(await host.issue(request.holders[i]!, request.keys[i]!));
        },
      });
      return { ...calls, sentAt, issued };
    },
    async close() {},
  };
}

type WorkerAnswer = { id: number; calls: Omit<IssueCalls, 'issued'> } | { id: number; error: string };

/** The calls from a worker thread of this process (`issue-caller-worker.js`) with its own client of `address`. */
export function workerCaller(address: string): IssueCaller {
  const worker = new Worker(new URL('./issue-caller-worker.js', import.meta.url), { workerData: { address } });
  const waiting = new Map<number, { resolve: (calls: IssueCalls) => void; reject: (err: Error) => void }>();
  let next = 0;
  worker.on('message', (answer: WorkerAnswer) => {
    const call = waiting.get(answer.id);
    waiting.delete(answer.id);
    if ('error' in answer) call?.reject(new Error(`the issue caller's thread: ${answer.error}`));
    else call?.resolve({ ...answer.calls, issued: undefined });
  });
  worker.on('error', (err) => {
    for (const call of waiting.values()) call.reject(err);
    waiting.clear();
  });
  return {
    where: 'worker',
    issue(request) {
      const id = next++;
      const { label, holders, keys, concurrency } = request;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, request: { label, holders, keys, concurrency } });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
