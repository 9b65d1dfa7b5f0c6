/**
 * Trace context through the outbox and the bus (W3C trace context in the CloudEvents distributed-tracing extension
 * `traceparent`, ADR 035). This package loads no tracing library: a host that traces (the kit's `startTracing`, with
 * OpenTelemetry) installs an {@link EventTracer}; without one every hook below is one comparison with `undefined`.
 *
 * - {@link EventDefinition.make} stamps the active span's `traceparent` on a draft that names none, so the outbox
 *   row carries it (its headers) and the relay publishes it as `ce_traceparent`;
 * - the relay opens one producer span per published event that has a `traceparent`, a child of it;
 * - the consumer runs each handler in a consumer span, a child of the event's `traceparent`, so the events the
 *   handler writes carry the handler span's context: the trace goes on across services.
 */

/** One span opened by a hook; `end(error)` records a failure. */
export interface EventSpan {
  end(error?: unknown): void;
}

/** The tracing a host installs (see the kit's `startTracing`). */
export interface EventTracer {
  /** The `traceparent` of the active span, if any. */
  current(): string | undefined;
  /** Opens a span, a child of `parent` (a W3C `traceparent`), without making it active. */
  start(
    name: string,
    kind: 'producer' | 'consumer',
    parent: string,
    attributes: Readonly<Record<string, string>>,
  ): EventSpan;
  /** Runs `fn` inside a new span, a child of `parent`, made active (what `fn` writes carries it). */
  run<T>(
    name: string,
    kind: 'producer' | 'consumer',
    parent: string,
    attributes: Readonly<Record<string, string>>,
    fn: () => Promise<T>,
  ): Promise<T>;
}

let installed: EventTracer | undefined;

/** Installs (or, with undefined, removes) the process's event tracer. */
export function installEventTracer(tracer: EventTracer | undefined): void {
  installed = tracer;
}

/** The installed tracer, if any. */
export function eventTracer(): EventTracer | undefined {
  return installed;
}

/** The active span's `traceparent` when a tracer is installed (for a draft that names none). */
export function currentTraceparent(): string | undefined {
  return installed?.current();
}

/** Runs a consumer's handler for `event` in a consumer span when a tracer is installed and the event has a trace. */
export function traceHandler<T>(
  event: { readonly traceparent?: string | undefined; readonly type: string; readonly id: string },
  topic: string,
  group: string,
  fn: () => Promise<T>,
): Promise<T> {
  if (installed === undefined || event.traceparent === undefined) return fn();
  return installed.run(`process ${topic}`, 'consumer', event.traceparent, spanAttributes(event, topic, group), fn);
}

/**
 * Opens one span per traced item (a relay's published batch, a batch handler's events) and returns the function
 * that ends them all; a no-op when no tracer is installed.
 */
export function traceEach(
  items: readonly {
    readonly traceparent: string | undefined;
    readonly type: string;
    readonly id: string;
    topic: string;
  }[],
  kind: 'producer' | 'consumer',
  group?: string,
): (error?: unknown) => void {
  const tracer = installed;
  if (tracer === undefined) return noop;
  const spans: EventSpan[] = [];
  for (const item of items) {
    if (item.traceparent === undefined) continue;
    const name = `${kind === 'producer' ? 'publish' : 'process'} ${item.topic}`;
    spans.push(tracer.start(name, kind, item.traceparent, spanAttributes(item, item.topic, group)));
  }
  return (error) => {
    for (const span of spans) span.end(error);
  };
}

function spanAttributes(
  event: { readonly type: string; readonly id: string },
  topic: string,
  group: string | undefined,
): Record<string, string> {
  return {
    'messaging.system': 'kafka',
    'messaging.destination.name': topic,
    'messaging.message.id': event.id,
    'cloudevents.event_id': event.id,
    'cloudevents.event_type': event.type,
    ...(group === undefined ? {} : { 'messaging.consumer.group.name': group }),
  };
}

function noop(): void {}
