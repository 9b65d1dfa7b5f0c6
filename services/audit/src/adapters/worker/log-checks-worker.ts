/**
 * The worker thread's entry of the replay's log checks (ADR 022): each message is one {@link LogChecksRequest},
 * answered with its result or its error under the same id. Started by {@link workerLogChecks} from the built file
 * (`dist/adapters/worker/log-checks-worker.js`): a worker cannot load the TypeScript sources.
 */
import { parentPort } from 'node:worker_threads';
import { LogChecksCore, type LogChecksRequest } from '../../app/log-checks.js';
import { type PackedEntries, packBatch, unpackEntries } from './log-checks-wire.js';

const port = parentPort;
if (port === null) throw new Error('log-checks-worker: not started as a worker thread');
const core = new LogChecksCore();
/** A request as it arrives: an `add` carries its entries packed (see log-checks-wire). */
type WireRequest = Exclude<LogChecksRequest, { op: 'add' }> | { readonly op: 'add'; readonly packed: PackedEntries };

port.on('message', ({ id, request }: { id: number; request: WireRequest }) => {
  try {
    if (request.op === 'add') {
      const answer = packBatch(core.add(unpackEntries(request.packed)));
      port.postMessage({ id, value: answer }, [answer.hashes]);
    } else port.postMessage({ id, value: core.handle(request) });
  } catch (error) {
    port.postMessage({ id, error });
  }
});
