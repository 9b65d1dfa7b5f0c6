/**
 * @onceonly/contracts: TypeScript generated from `proto/` by buf + ts-proto at build time (`npm run generate`).
 * The generated files under `src/gen` are never edited by hand; this file is the package's explicit export list.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export { Any } from './gen/google/protobuf/any.js';
export { BadRequest, BadRequest_FieldViolation, ErrorInfo } from './gen/google/rpc/error_details.js';
export { Status as RpcStatus } from './gen/google/rpc/status.js';
// Administrative assistance (issue 12): its service and the bodies of its events (the service implements them next).
export * as assistanceV1 from './gen/onceonly/assistance/v1/assistance.js';
export * as assistanceEventsV1 from './gen/onceonly/assistance/v1/events.js';
// The audit log (issue 5): its service and the body of its checkpoint events, namespaced like the certificates.
export * as auditV1 from './gen/onceonly/audit/v1/audit.js';
export * as auditEventsV1 from './gen/onceonly/audit/v1/events.js';
// Certificates (issue 4): one namespace per file of onceonly.certificate.v1, since the files share a package and
// generated helper names (protobufPackage, ...) would clash if flattened.
export * as certificateV1 from './gen/onceonly/certificate/v1/certificate.js';
export * as consentV1 from './gen/onceonly/certificate/v1/consent.js';
export * as certificateEventsV1 from './gen/onceonly/certificate/v1/events.js';
export * as sealV1 from './gen/onceonly/certificate/v1/seal.js';
export {
  DepartmentRef,
  FieldError,
  HolderCodeType,
  HolderRef,
  PageRequest,
  PageResponse,
} from './gen/onceonly/common/v1/common.js';
// Credit records, publicity, repair and grades (issue 13): its service and the bodies of its events.
export * as creditV1 from './gen/onceonly/credit/v1/credit.js';
export * as creditEventsV1 from './gen/onceonly/credit/v1/events.js';
// 双随机、一公开 (issue 13, item 5): the inspection service and the bodies of its events (package onceonly.credit.v1).
export * as inspectionV1 from './gen/onceonly/credit/v1/inspection.js';
export { DeadLetter, HubHeartbeat } from './gen/onceonly/events/v1/events.js';
export {
  GetInfoRequest,
  GetInfoResponse,
  HubServiceClient,
  type HubServiceServer,
  HubServiceService,
  WhoAmIRequest,
  WhoAmIResponse,
} from './gen/onceonly/hub/v1/hub.js';
export * as materialsEventsV1 from './gen/onceonly/materials/v1/events.js';
// Once-only materials (issue 14): items and their materials, the material library, resolutions.
export * as materialsV1 from './gen/onceonly/materials/v1/materials.js';
export { CONTRACT_TOPICS } from './topics.js';

/** Encoder/decoder pair that every generated message exposes. */
export interface ProtoCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
  fromPartial(object: object): T;
}

/** Absolute path of the repository's `proto/` folder (for gRPC reflection, which needs descriptors). */
export const protoDir: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../../proto');

/**
 * Absolute path of the descriptor set of `proto/` (`buf build` during generate, with source info): the HTTP/JSON
 * face reads the messages' JSON mapping and each method's idempotency level from it.
 */
export const descriptorSetPath: string = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../src/gen/descriptors.binpb',
);

/** Absolute path of the OpenAPI 3.1 document generated from `proto/` at build time (never edited by hand). */
export const openapiPath: string = resolve(dirname(fileURLToPath(import.meta.url)), '../src/gen/openapi.json');
