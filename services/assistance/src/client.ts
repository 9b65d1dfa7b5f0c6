import { type ChannelCredentials, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { assistanceV1 as av } from '@onceonly/contracts';
import { fromServiceError } from '@onceonly/errors/grpc';

/** The `/client` subpath: a promise-returning AssistanceService client (for the CLI and tests). */

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  callback: (err: ServiceError | null, response: Res) => void,
) => unknown;

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

type Method = (typeof METHODS)[number];
type Messages = typeof av;
type MessageOf<N extends string> = N extends keyof Messages
  ? Messages[N] extends { decode(input: never, length?: number): infer T }
    ? T
    : never
  : never;
type RequestOf<M extends Method> = MessageOf<`${Capitalize<M>}Request`>;
type ResponseOf<M extends Method> = MessageOf<`${Capitalize<M>}Response`>;

/** Each RPC as `(request) => Promise<response>`; errors come back as AppErrors with their code and fields. */
export type AssistanceClient = {
  [M in Method]: (request: Partial<RequestOf<M>>) => Promise<NonNullable<ResponseOf<M>>>;
} & {
  close(): void;
};

/**
 * A client of AssistanceService at `address`, calling with `metadata()` (mTLS credentials, or the development
 * identity's headers on loopback).
 */
export function assistanceClient(
  address: string,
  options: { credentials?: ChannelCredentials; metadata?: () => Metadata } = {},
): AssistanceClient {
  const client = new av.AssistanceServiceClient(address, options.credentials ?? credentials.createInsecure());
  const metadata = options.metadata ?? (() => new Metadata());
  const out: Record<string, unknown> = { close: () => client.close() };
  for (const name of METHODS) {
    const method = client[name] as unknown as Unary<unknown, unknown>;
    const type = (av as unknown as Record<string, { fromPartial(o: object): unknown }>)[requestType(name)]!;
    out[name] = (request: object) =>
      new Promise((resolve, reject) =>
        method.call(client, type.fromPartial(request), metadata(), (err, res) =>
          err ? reject(fromServiceError(err)) : resolve(res),
        ),
      );
  }
  return out as AssistanceClient;
}

function requestType(method: Method): string {
  return `${method[0]!.toUpperCase()}${method.slice(1)}Request`;
}

/** The generated messages and client class (the CLI calls with its own deadlines and identity). */
export { assistanceV1 } from '@onceonly/contracts';
