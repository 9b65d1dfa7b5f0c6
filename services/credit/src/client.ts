import type { ChannelCredentials, Metadata } from '@grpc/grpc-js';
import { creditV1 as cv, inspectionV1 as iv } from '@onceonly/contracts';
import { type PromiseClient, promiseClient } from '@onceonly/kit';

/** The `/client` subpath: a promise-returning CreditService client (for the CLI and tests). */

const METHODS = [
  'recordPenalty',
  'recordListing',
  'recordCommendation',
  'getCreditProfile',
  'listPublicRecords',
  'applyForRepair',
  'decideRepair',
  'listCommitments',
  'recordPostCheck',
  'getRecord',
] as const satisfies readonly (keyof cv.CreditServiceClient)[];

/** Each RPC as `(request) => Promise<response>`; errors come back as AppErrors with their code and fields. */
export type CreditClient = PromiseClient<typeof cv, (typeof METHODS)[number]>;

/**
 * A client of CreditService at `address`, calling with `metadata()` (mTLS credentials, or the development
 * identity's headers on loopback).
 */
export function creditClient(
  address: string,
  options: { credentials?: ChannelCredentials; metadata?: () => Metadata } = {},
): CreditClient {
  return promiseClient(cv.CreditServiceClient, cv, METHODS, address, options);
}

/** The generated messages and client class (the CLI calls with its own deadlines and identity). */
export { creditV1 } from '@onceonly/contracts';

const INSPECTION_METHODS = [
  'commitInspectionTask',
  'drawInspectionTask',
  'getInspectionTask',
  'recordInspectionResult',
] as const satisfies readonly (keyof iv.InspectionServiceClient)[];

/** Each InspectionService RPC as `(request) => Promise<response>`. */
export type InspectionClient = PromiseClient<typeof iv, (typeof INSPECTION_METHODS)[number]>;

/** A client of InspectionService (双随机、一公开) at `address`. */
export function inspectionClient(
  address: string,
  options: { credentials?: ChannelCredentials; metadata?: () => Metadata } = {},
): InspectionClient {
  return promiseClient(iv.InspectionServiceClient, iv, INSPECTION_METHODS, address, options);
}

export { inspectionV1 } from '@onceonly/contracts';
