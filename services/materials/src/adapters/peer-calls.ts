import { type ChannelCredentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { currentTraceparent } from '@onceonly/events';
import { DEV_CALLER_HEADER, DEV_ROLE_HEADER, type Logger } from '@onceonly/kit';

/**
 * How the materials service reaches another service's gRPC API (the certificate, credit and assistance services;
 * never their code).
 */
export interface PeerOptions {
  readonly address: string;
  /** mTLS credentials (a client certificate whose OU is the role asked as); absent: development metadata. */
  readonly credentials?: ChannelCredentials;
  /** The caller code sent as development metadata (loopback only), with the role of the calls. */
  readonly callerCode: string;
  readonly timeoutMs: number;
  readonly clock: () => Date;
  readonly log: Logger;
}

/** A unary method of a generated client, in its callback form. */
type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline: number },
  callback: (err: ServiceError | null, response: Res) => void,
) => unknown;

/**
 * The unary calls of `client` as promises: each with the deadline, the development identity as `role` when there
 * are no mTLS credentials, and the current trace (ADR 035; nothing when tracing is off).
 */
export function peerCalls(client: object, options: PeerOptions, role: string) {
  const metadata = () => {
    const m = new Metadata();
    if (!options.credentials) {
      m.set(DEV_CALLER_HEADER, options.callerCode);
      m.set(DEV_ROLE_HEADER, role);
    }
    const traceparent = currentTraceparent();
    if (traceparent !== undefined) m.set('traceparent', traceparent);
    return m;
  };
  return <Req, Res>(method: UnaryMethod<Req, Res>, request: Req) =>
    new Promise<Res>((resolve, reject) =>
      method.call(client, request, metadata(), { deadline: Date.now() + options.timeoutMs }, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
}
