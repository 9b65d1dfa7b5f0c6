import { afterEach, describe, expect, it } from 'vitest';
import { defineEvent } from './envelope.js';
import { type EventTracer, installEventTracer, traceEach, traceHandler } from './tracing.js';

const PARENT = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
const codec = { encode: () => ({ finish: () => new Uint8Array([1]) }), decode: () => ({}) } as never;
const happened = defineEvent({ type: 'test.happened', source: '/onceonly/test', dataschema: 'proto:t', codec });

/** A tracer that records what the hooks ask of it. */
function recording() {
  const calls: string[] = [];
  let active: string | undefined;
  const tracer: EventTracer = {
    current: () => active,
    start(name, kind, parent) {
      calls.push(`start ${kind} ${name} < ${parent}`);
      return { end: (error) => calls.push(`end ${name}${error ? ' failed' : ''}`) };
    },
    async run(name, kind, parent, _attributes, fn) {
      calls.push(`run ${kind} ${name} < ${parent}`);
      active = `00-${'1'.repeat(32)}-${'3'.repeat(16)}-01`;
      try {
        return await fn();
      } finally {
        active = undefined;
      }
    },
  };
  return { tracer, calls };
}

afterEach(() => installEventTracer(undefined));

describe('the tracing hooks', () => {
  describe('without a tracer', () => {
    it('make no span and stamp no traceparent', async () => {
      expect(happened.make({ subject: 's', data: {} }).traceparent).toBeUndefined();
      expect(await traceHandler({ traceparent: PARENT, type: 't.x', id: '1' }, 'topic', 'g', async () => 7)).toBe(7);
      traceEach([{ traceparent: PARENT, type: 't.x', id: '1', topic: 'topic' }], 'producer')();
    });
  });

  describe('with a tracer', () => {
    it('stamp the active span on a draft that names none, and keep one that names its own', () => {
      const { tracer } = recording();
      installEventTracer({ ...tracer, current: () => PARENT });
      expect(happened.make({ subject: 's', data: {} }).traceparent).toBe(PARENT);
      const own = `00-${'9'.repeat(32)}-${'8'.repeat(16)}-00`;
      expect(happened.make({ subject: 's', data: {}, traceparent: own }).traceparent).toBe(own);
    });

    it('run a handler in a consumer span under the event, so what it writes carries the handler span', async () => {
      const { tracer, calls } = recording();
      installEventTracer(tracer);
      const written = await traceHandler(
        { traceparent: PARENT, type: 't.x', id: '1' },
        'onceonly.t.v1',
        'g',
        async () => happened.make({ subject: 's', data: {} }),
      );
      expect(calls).toEqual([`run consumer process onceonly.t.v1 < ${PARENT}`]);
      expect(written.traceparent).toMatch(/-3{16}-01$/);
    });

    it('open one span per traced item and end them together, with the failure when there is one', () => {
      const { tracer, calls } = recording();
      installEventTracer(tracer);
      const end = traceEach(
        [
          { traceparent: PARENT, type: 't.x', id: '1', topic: 'a' },
          { traceparent: undefined, type: 't.x', id: '2', topic: 'a' },
        ],
        'producer',
      );
      end(new Error('broker down'));
      expect(calls).toEqual([`start producer publish a < ${PARENT}`, 'end publish a failed']);
    });

    it('leave an untraced event untraced', async () => {
      const { tracer, calls } = recording();
      installEventTracer(tracer);
      await traceHandler({ traceparent: undefined, type: 't.x', id: '1' }, 'a', 'g', async () => undefined);
      expect(calls).toEqual([]);
    });
  });
});
