import type { ChannelCredentials, Metadata } from '@grpc/grpc-js';
import { assistanceV1 as av } from '@onceonly/contracts';
import { type PromiseClient, promiseClient } from '@onceonly/kit';

/** The `/client` subpath: a promise-returning AssistanceService client (for the CLI and tests). */

const METHODS = [
  'listItems',
  'getItem',
  'publishItem',
  'submitRequest',
  'getRequest',
  'listInbox',
  'listOutbox',
  'acceptRequest',
  'declineRequest',
  'requestSupplement',
  'supplyRequest',
  'proposeDueDate',
  'agreeDueDate',
  'reassignRequest',
  'answerRequest',
  'closeRequest',
  'withdrawRequest',
  'regulariseRequest',
  'raiseDispute',
  'decideDispute',
  'getIndicators',
] as const satisfies readonly (keyof av.AssistanceServiceClient)[];

/** Each RPC as `(request) => Promise<response>`; errors come back as AppErrors with their code and fields. */
export type AssistanceClient = PromiseClient<typeof av, (typeof METHODS)[number]>;

/**
 * A client of AssistanceService at `address`, calling with `metadata()` (mTLS credentials, or the development
 * identity's headers on loopback).
 */
export function assistanceClient(
  address: string,
  options: { credentials?: ChannelCredentials; metadata?: () => Metadata } = {},
): AssistanceClient {
  return promiseClient(av.AssistanceServiceClient, av, METHODS, address, options);
}

/** The generated messages and client class (the CLI calls with its own deadlines and identity). */
export { assistanceV1 } from '@onceonly/contracts';
