import { Server, ServerCredentials } from '@grpc/grpc-js';
import { AppError } from '@onceonly/errors';
import type { GrpcServer, Logger } from '@onceonly/kit';

/** A plaintext listener that serves grpc.health.v1 only. */
export interface HealthPort {
  /** `host:port` with the real port. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Serves the main server's grpc.health.v1 statuses (the same implementation: overall `""` and one per service,
 * NOT_SERVING from the first moment of a drain) on a second, plaintext port. Kubernetes' gRPC probes and a
 * container's health check cannot present a client certificate, and the main port asks for one under mTLS; this
 * port carries no data and no identity, only the statuses (ONCEONLY_HEALTH_ADDR, ADR 034).
 */
export async function openHealthPort(main: GrpcServer, address: string, log: Logger): Promise<HealthPort> {
  const server = new Server();
  main.health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, bound) => {
      if (err)
        reject(
          new AppError('CONFIG_INVALID', `ONCEONLY_HEALTH_ADDR: cannot listen on ${address}: ${err.message}`, {
            cause: err,
          }),
        );
      else resolve(bound);
    });
  });
  const bound = `${address.slice(0, address.lastIndexOf(':'))}:${port}`;
  log.info({ address: bound }, 'health port listening (grpc.health.v1 only, plaintext)');
  return {
    address: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000).unref();
      }),
  };
}
