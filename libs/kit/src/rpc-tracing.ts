import type { Metadata } from '@grpc/grpc-js';

/**
 * The hook through which the gRPC server's interceptor opens a server span per call (ADR 035). `startTracing`
 * installs it when an OTLP endpoint is configured; without it the interceptor does one comparison per call and
 * loads nothing.
 */
export interface RpcTracer {
  /** Opens the server span of a call, a child of the caller's `traceparent` metadata when it sent one. */
  serve(method: string, metadata: Metadata): RpcSpan;
}

/** A call's server span. */
export interface RpcSpan {
  /** Runs `fn` with the span active (the handler, and what it writes to an outbox, carries it). */
  run<T>(fn: () => T): T;
  /** Ends the span with the call's gRPC status code. */
  end(code: number): void;
}

let installed: RpcTracer | undefined;

/** Installs (or, with undefined, removes) the process's RPC tracer. */
export function installRpcTracer(tracer: RpcTracer | undefined): void {
  installed = tracer;
}

/** The installed RPC tracer, if any. */
export function rpcTracer(): RpcTracer | undefined {
  return installed;
}
