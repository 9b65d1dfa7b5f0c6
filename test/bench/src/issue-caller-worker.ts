/**
 * The worker thread of {@link workerCaller} (ADR 061): a grpc-js client of the service at `workerData.address`
 * running each request's closed loop of IssueCertificate calls, answering with its latencies and send times.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { credentials } from '@grpc/grpc-js';
import { certificateV1 as cv } from '@onceonly/contracts';
import { foodLicenceRequest, issuerMetadata, rpc } from './certificate-host.js';
import { closedLoop } from './certificate-load.js';
import { type IssueCallsRequest, newCertificate } from './issue-caller.js';
import { nowMs } from './stats.js';

const port = parentPort;
if (port === null) throw new Error('issue-caller-worker: not started as a worker thread');
const client = new cv.CertificateServiceClient(
  (workerData as { address: string }).address,
  credentials.createInsecure(),
);
const metadata = issuerMetadata();

port.on('message', async ({ id, request }: { id: number; request: IssueCallsRequest }) => {
  try {
    const sentAt: number[] = [];
    const calls = await closedLoop({
      label: request.label,
      calls: request.holders.length,
      concurrency: request.concurrency,
      quiet: true,
      call: async (i) => {
        sentAt[i] = nowMs();
        const response = await rpc<cv.IssueCertificateResponse>(
          client,
          'issueCertificate',
          foodLicenceRequest(request.holders[i]!, request.keys[i]!),
          metadata,
        );
        newCertificate(response);
      },
    });
    port.postMessage({ id, calls: { ...calls, sentAt } });
  } catch (err) {
    port.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
