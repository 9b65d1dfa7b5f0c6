/**
 * The OpenTelemetry side of {@link startTracing}: loaded only when tracing is configured (a dynamic import), so a
 * process without an OTLP endpoint never loads the SDK (ADR 035).
 */
import type { Metadata } from '@grpc/grpc-js';
import { type EventTracer, installEventTracer } from '@onceonly/events';
import {
  type Context,
  context,
  defaultTextMapGetter,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { installRpcTracer, type RpcTracer } from './rpc-tracing.js';
import type { Tracing } from './tracing.js';

/** gRPC codes a server span reports as an error (OpenTelemetry's RPC conventions). */
const SERVER_ERRORS = new Set([2, 4, 12, 13, 14, 15]);
const TRACER_NAME = '@onceonly/kit';

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => {
    const value = metadata.get(key)[0];
    return typeof value === 'string' ? value : undefined;
  },
};

/** Starts the SDK: provider, batch exporter, context manager, propagator, and the kit's and events' hooks. */
export async function startOtel(options: {
  endpoint: string;
  protocol: 'http/protobuf' | 'http/json';
  serviceName: string;
}): Promise<Tracing> {
  const { OTLPTraceExporter } =
    options.protocol === 'http/json'
      ? await import('@opentelemetry/exporter-trace-otlp-http')
      : await import('@opentelemetry/exporter-trace-otlp-proto');
  const exporter = new OTLPTraceExporter({ url: options.endpoint });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const propagator = new W3CTraceContextPropagator();
  propagation.setGlobalPropagator(propagator);
  trace.setGlobalTracerProvider(provider);
  const tracer = provider.getTracer(TRACER_NAME);
  installRpcTracer(rpcTracer(tracer, propagator));
  installEventTracer(eventTracer(tracer, propagator));
  return {
    endpoint: options.endpoint,
    protocol: options.protocol,
    flush: () => provider.forceFlush(),
    async shutdown() {
      installRpcTracer(undefined);
      installEventTracer(undefined);
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

type Tracer = ReturnType<TracerProvider['getTracer']>;

function rpcTracer(tracer: Tracer, propagator: W3CTraceContextPropagator): RpcTracer {
  return {
    serve(method, metadata) {
      const parent = propagator.extract(ROOT_CONTEXT, metadata, metadataGetter);
      const [service = '', name = ''] = method.split('/').filter((part) => part.length > 0);
      const span = tracer.startSpan(
        `${service}/${name}`,
        { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': name } },
        parent,
      );
      const active = trace.setSpan(parent, span);
      return {
        run: (fn) => context.with(active, fn),
        end(code) {
          span.setAttribute('rpc.grpc.status_code', code);
          if (SERVER_ERRORS.has(code)) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
  };
}

function eventTracer(tracer: Tracer, propagator: W3CTraceContextPropagator): EventTracer {
  const parentOf = (traceparent: string): Context =>
    propagator.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);
  const kindOf = (kind: 'producer' | 'consumer') => (kind === 'producer' ? SpanKind.PRODUCER : SpanKind.CONSUMER);
  const finish = (span: Span, error: unknown) => {
    if (error !== undefined) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
    }
    span.end();
  };
  return {
    current() {
      const span = trace.getSpan(context.active());
      const sc = span?.spanContext();
      if (sc === undefined || !isSpanContextValid(sc)) return undefined;
      return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
    },
    start(name, kind, parent, attributes) {
      const span = tracer.startSpan(name, { kind: kindOf(kind), attributes: { ...attributes } }, parentOf(parent));
      return { end: (error) => finish(span, error) };
    },
    async run(name, kind, parent, attributes, fn) {
      const parentContext = parentOf(parent);
      const span = tracer.startSpan(name, { kind: kindOf(kind), attributes: { ...attributes } }, parentContext);
      try {
        const result = await context.with(trace.setSpan(parentContext, span), fn);
        finish(span, undefined);
        return result;
      } catch (err) {
        finish(span, err);
        throw err;
      }
    },
  };
}
