import type { handleUnaryCall, ServerErrorResponse, ServerUnaryCall } from '@grpc/grpc-js';
import { type CallContext, callContext } from './caller.js';

/**
 * Adapts an async function to a grpc-js unary handler: the resolved value is the response; a rejection (an
 * AppError, or anything else) goes to the kit's error mapping. Use it inside `GrpcServer.addService`.
 *
 * @example
 * server.addService(HubServiceService, {
 *   whoAmI: unary(async (_request, { caller }) => ({ ...caller })),
 *   getInfo: unary(async () => info),
 * });
 */
export function unary<Req, Res>(
  fn: (request: Req, context: CallContext, call: ServerUnaryCall<Req, Res>) => Promise<Res> | Res,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request, callContext(call), call))
      .then(
        (response) => callback(null, response),
        (err: unknown) => callback(err as ServerErrorResponse),
      );
  };
}
