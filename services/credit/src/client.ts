import { type ChannelCredentials, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { creditV1 as cv } from '@onceonly/contracts';
import { fromServiceError } from '@onceonly/errors/grpc';

/** The `/client` subpath: a promise-returning CreditService client (for the CLI and tests). */

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  callback: (err: ServiceError | null, response: Res) => void,
) => unknown;

const METHODS = [
  'recordPenalty',
  'recordListing',
  'recordCommendation',
  'getCreditProfile',
  'listPublicRecords',
  'applyForRepair',
  'decideRepair',
] as const satisfies readonly (keyof cv.CreditServiceClient)[];

type Method = (typeof METHODS)[number];
type Messages = typeof cv;
type MessageOf<N extends string> = N extends keyof Messages
  ? Messages[N] extends { decode(input: never, length?: number): infer T }
    ? T
    : never
  : never;
type RequestOf<M extends Method> = MessageOf<`${Capitalize<M>}Request`>;
type ResponseOf<M extends Method> = MessageOf<`${Capitalize<M>}Response`>;

/** Each RPC as `(request) => Promise<response>`; errors come back as AppErrors with their code and fields. */
export type CreditClient = {
  [M in Method]: (request: Partial<RequestOf<M>>) => Promise<NonNullable<ResponseOf<M>>>;
} & {
  close(): void;
};

/**
 * A client of CreditService at `address`, calling with `metadata()` (mTLS credentials, or the development
 * identity's headers on loopback).
 */
export function creditClient(
  address: string,
  options: { credentials?: ChannelCredentials; metadata?: () => Metadata } = {},
): CreditClient {
  const client = new cv.CreditServiceClient(address, options.credentials ?? credentials.createInsecure());
  const metadata = options.metadata ?? (() => new Metadata());
  const out: Record<string, unknown> = { close: () => client.close() };
  for (const name of METHODS) {
    const method = client[name] as unknown as Unary<unknown, unknown>;
    const type = (cv as unknown as Record<string, { fromPartial(o: object): unknown }>)[requestType(name)]!;
    out[name] = (request: object) =>
      new Promise((resolve, reject) =>
        method.call(client, type.fromPartial(request), metadata(), (err, res) =>
          err ? reject(fromServiceError(err)) : resolve(res),
        ),
      );
  }
  return out as CreditClient;
}

function requestType(method: Method): string {
  return `${method[0]!.toUpperCase()}${method.slice(1)}Request`;
}

/** The generated messages and client class (the CLI calls with its own deadlines and identity). */
export { creditV1 } from '@onceonly/contracts';
