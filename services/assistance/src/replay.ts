/**
 * @onceonly/assistance/replay: the assistance service's replay projection (docs/adr/005-replay-projections.md), which
 * `onceonly audit replay` runs: every request's status, version and due date rebuilt from the logged
 * `assistance.request.*` events alone, each checked against the lifecycle's rules, and compared with what GetRequest
 * answers. The hub passes it to the audit replay; the audit service never imports it.
 */
import type { ProjectionDescriptor } from '@onceonly/replay';
import { ASSISTANCE_SERVICE } from './adapters/events/request-replay.js';
import { REQUEST_STATUS } from './domain/replay/request-status.js';

export {
  ASSISTANCE_SERVICE,
  decodeRequestEvent,
  type RequestLookup,
  requestStatusCheck,
  requestStatusProjection,
} from './adapters/events/request-replay.js';
export { statusFromProto } from './adapters/grpc/to-proto.js';
export {
  evolveRequestStatus,
  type LiveRequest,
  REQUEST_STATUS,
  type ReplayedRequest,
  type RequestReplayFact,
  requestDifferences,
} from './domain/replay/request-status.js';

/** The request status projection, as the hub lists it. */
export const ASSISTANCE_REPLAY: ProjectionDescriptor = {
  name: REQUEST_STATUS,
  service: ASSISTANCE_SERVICE,
  what: 'the status, version and due date of every assistance request',
};
