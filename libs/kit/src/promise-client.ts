import { type ChannelCredentials, type Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { fromServiceError } from '@onceonly/errors/grpc';
import { currentTraceparent } from '@onceonly/events';

/** The message type named `N` in a ts-proto namespace `NS` (what its `decode` returns). */
type MessageOf<NS, N extends string> = N extends keyof NS
  ? NS[N] extends { decode(input: never, length?: number): infer T }
    ? T
    : never
  : never;

/**
 * Each RPC `M` of a service whose messages are in the ts-proto namespace `NS`, as `(request) => Promise<response>`
 * (`<Method>Request` → `<Method>Response`); errors come back as AppErrors with their code and fields.
 */
export type PromiseClient<NS, M extends string> = {
  [K in M]: (
    request: Partial<MessageOf<NS, `${Capitalize<K>}Request`>>,
  ) => Promise<NonNullable<MessageOf<NS, `${Capitalize<K>}Response`>>>;
} & {
  close(): void;
};

/** How a promise client calls: mTLS credentials, or the development identity's headers on loopback. */
export interface PromiseClientOptions {
  readonly credentials?: ChannelCredentials;
  readonly metadata?: () => Metadata;
}

type Unary = (
  request: unknown,
  metadata: Metadata,
  callback: (err: ServiceError | null, response: unknown) => void,
) => unknown;

/**
 * A promise-returning client of the generated grpc-js client class `Service` at `address`, for the unary methods
 * named in `methods` (each request built with `<Method>Request.fromPartial` from `messages`), calling with
 * `options.metadata()`, plus the active span's `traceparent` when tracing is on (ADR 035: a service calling another
 * continues its trace). What each service's `/client` subpath gives the CLI and the tests.
 */
export function promiseClient<NS, M extends string>(
  Service: new (address: string, credentials: ChannelCredentials) => Client,
  messages: NS,
  methods: readonly M[],
  address: string,
  options: PromiseClientOptions = {},
): PromiseClient<NS, M> {
  const client = new Service(address, options.credentials ?? credentials.createInsecure());
  const metadata = options.metadata ?? (() => new Metadata());
  const types = messages as unknown as Record<string, { fromPartial(o: object): unknown }>;
  const out: Record<string, unknown> = { close: () => client.close() };
  for (const name of methods) {
    const method = (client as unknown as Record<string, Unary>)[name]!;
    const type = types[`${name[0]!.toUpperCase()}${name.slice(1)}Request`]!;
    out[name] = (request: object) =>
      new Promise((resolve, reject) =>
        method.call(client, type.fromPartial(request), traced(metadata()), (err, res) =>
          err ? reject(fromServiceError(err)) : resolve(res),
        ),
      );
  }
  return out as PromiseClient<NS, M>;
}

/** The metadata with the active span's W3C `traceparent`, when a tracer is installed and a span is active. */
function traced(metadata: Metadata): Metadata {
  const traceparent = currentTraceparent();
  if (traceparent !== undefined) metadata.set('traceparent', traceparent);
  return metadata;
}
