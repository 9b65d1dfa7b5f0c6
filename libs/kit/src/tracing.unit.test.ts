import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { currentTraceparent, defineEvent } from '@onceonly/events';
import { describe, expect, it } from 'vitest';
import { rpcTracer } from './rpc-tracing.js';
import { startTracing, tracesEndpoint } from './tracing.js';

describe('tracesEndpoint', () => {
  it('appends /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT, and prefers the traces endpoint', () => {
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(
      tracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:4318/traces',
      }),
    ).toBe('http://other:4318/traces');
    expect(tracesEndpoint({})).toBeUndefined();
  });
});

describe('startTracing', () => {
  describe('when no OTLP endpoint is configured', () => {
    it('starts nothing and installs no hook: events carry no traceparent', async () => {
      expect(await startTracing({ env: {} })).toBeUndefined();
      expect(rpcTracer()).toBeUndefined();
      expect(currentTraceparent()).toBeUndefined();
      const event = defineEvent({
        type: 'test.happened',
        source: '/onceonly/test',
        dataschema: 'proto:test',
        codec: { encode: () => ({ finish: () => new Uint8Array() }), decode: () => ({}) } as never,
      });
      expect(event.make({ subject: 's', data: {} }).traceparent).toBeUndefined();
    });

    it('starts nothing either when OTEL_SDK_DISABLED is true', async () => {
      const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' };
      expect(await startTracing({ env })).toBeUndefined();
    });
  });

  describe('when an endpoint is configured', () => {
    it('stamps the active server span on the events a handler makes, and removes its hooks at shutdown', async () => {
      // a collector that accepts everything, so that the export at shutdown does not retry
      const collector = createServer((_request, response) => response.writeHead(200).end('{}'));
      await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
      const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
      const env = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
      const tracing = await startTracing({ env });
      try {
        const { Metadata } = await import('@grpc/grpc-js');
        const metadata = new Metadata();
        const parent = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
        metadata.set('traceparent', parent);
        const span = rpcTracer()!.serve('/onceonly.test.v1.TestService/Do', metadata);
        const inside = span.run(() => currentTraceparent());
        span.end(0);
        expect(inside).toMatch(new RegExp(`^00-${'a'.repeat(32)}-[0-9a-f]{16}-01$`));
        expect(inside).not.toBe(parent);
        expect(currentTraceparent()).toBeUndefined();
      } finally {
        await tracing!.shutdown();
        collector.close();
      }
      expect(rpcTracer()).toBeUndefined();
    }, 30_000);
  });
});
