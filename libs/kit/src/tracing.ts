import type { Logger } from './logger.js';

/** Running tracing: `shutdown` exports what is left and removes the hooks. */
export interface Tracing {
  /** Where spans go (the OTLP traces URL). */
  readonly endpoint: string;
  /** `http/protobuf` (the OTLP default) or `http/json`. */
  readonly protocol: 'http/protobuf' | 'http/json';
  /** Exports the spans still buffered. */
  flush(): Promise<void>;
  /** Flushes, stops the exporter and removes the hooks. */
  shutdown(): Promise<void>;
}

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** Read for the standard `OTEL_*` variables (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** `service.name` when `OTEL_SERVICE_NAME` is unset (default `onceonly`). */
  readonly serviceName?: string;
  readonly log?: Logger;
}

/** The OTLP traces URL the environment names, if any (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` wins, as the spec says). */
export function tracesEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!base) return undefined;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Starts OpenTelemetry tracing when the environment names an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; `OTEL_EXPORTER_OTLP_PROTOCOL` `http/protobuf` (default) or `http/json`;
 * `OTEL_SERVICE_NAME`; `OTEL_SDK_DISABLED=true` turns it off), and returns undefined otherwise, having loaded
 * nothing: the SDK is imported only here, on demand (ADR 035). It installs the hooks that open a server span per
 * gRPC call (a child of the caller's `traceparent` metadata), stamp the active span's `traceparent` on every event
 * made in it, and open a producer span per published event and a consumer span per handled event.
 */
export async function startTracing(options: TracingOptions = {}): Promise<Tracing | undefined> {
  const env = options.env ?? process.env;
  const endpoint = tracesEndpoint(env);
  if (endpoint === undefined || env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const protocol = env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() === 'http/json' ? 'http/json' : 'http/protobuf';
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || options.serviceName || 'onceonly';
  const { startOtel } = await import('./otel.js');
  const tracing = await startOtel({ endpoint, protocol, serviceName });
  options.log?.info({ endpoint, protocol, serviceName }, 'tracing: exporting spans over OTLP');
  return tracing;
}
