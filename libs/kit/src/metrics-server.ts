import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '@onceonly/errors';
import { parseHostPort } from './config.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

/** A listening metrics endpoint. */
export interface MetricsServer {
  /** `host:port` with the real port (`127.0.0.1:0` works). */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text exposition) on its own small HTTP listener, and nothing else: 404 for any
 * other path, 405 for another method. The hub has no HTTP face of its own, so the endpoint has its own address
 * (`ONCEONLY_METRICS_ADDR`, loopback by default: metrics name methods, groups and schemas, not data, yet an operator
 * chooses who scrapes).
 * @throws AppError CONFIG_INVALID for a malformed address or one it cannot listen on.
 */
export async function serveMetrics(metrics: Metrics, address: string, log: Logger): Promise<MetricsServer> {
  const parsed = parseHostPort(address);
  if (!parsed) throw new AppError('CONFIG_INVALID', `metrics address: expected host:port, got "${address}"`);
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    metrics.text().then(
      (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      (err: unknown) => {
        log.warn({ err }, 'metrics scrape failed');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  const host = parsed.host.startsWith('[') ? parsed.host.slice(1, -1) : parsed.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new AppError('CONFIG_INVALID', `cannot listen on ${address} for metrics: ${err.message}`, { cause: err })),
    );
    server.listen(parsed.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const bound = `${parsed.host}:${port}`;
  log.info({ address: bound }, 'metrics endpoint listening at /metrics');
  return {
    address: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
