import type { ChannelCredentials, Metadata } from '@grpc/grpc-js';
import { creditV1 as cv } from '@onceonly/contracts';
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
