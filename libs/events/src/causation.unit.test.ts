import { HubHeartbeat } from '@onceonly/contracts';
import { describe, expect, it } from 'vitest';
import { CAUSATION_EXTENSION, causationOf, currentCausation, withCausation, withCurrentCause } from './causation.js';
import { defineEvent } from './envelope.js';
import { fromKafkaRecord } from './headers.js';
import { outboxInsertStatements } from './outbox.js';

const heartbeat = defineEvent({
  type: 'hub.heartbeat',
  source: '/onceonly/hub',
  dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
  codec: HubHeartbeat,
});
const beat = (extensions?: Record<string, string>) =>
  heartbeat.make({ subject: 'hub-1', data: HubHeartbeat.fromPartial({ instanceId: 'hub-1' }), extensions });

/** The headers the outbox INSERT would write for one draft. */
function writtenHeaders(draft = beat()): Record<string, string> {
  const [statement] = outboxInsertStatements('hub', [{ topic: 'onceonly.hub.v1', event: draft }]);
  return JSON.parse(statement!.params[5] as string) as Record<string, string>;
}

describe('causation', () => {
  it('names the handled event as the cause of what is written while it is handled, and nothing outside', async () => {
    expect(writtenHeaders()).not.toHaveProperty('ce_causationid');
    const headers = await withCausation('cause-1', async () => {
      await Promise.resolve(); // the cause survives awaits inside the handler
      expect(currentCausation()).toBe('cause-1');
      return writtenHeaders();
    });
    expect(headers.ce_causationid).toBe('cause-1');
    expect(currentCausation()).toBeUndefined();
    expect(CAUSATION_EXTENSION).toMatch(/^[a-z0-9]{1,20}$/);
  });

  it('keeps a cause the draft names itself, and reads back from the Kafka headers', () => {
    const own = beat({ [CAUSATION_EXTENSION]: 'own-cause' });
    const headers = withCausation('handled', () => writtenHeaders(own));
    expect(headers.ce_causationid).toBe('own-cause');
    const draft = withCausation('handled', () => withCurrentCause(beat({ actor: 'x' })));
    expect(draft.extensions).toEqual({ actor: 'x', causationid: 'handled' });
    const event = fromKafkaRecord({
      key: 'hub-1',
      value: Buffer.from(draft.data),
      headers: { ...writtenHeaders(draft), ce_sequence: '1' },
    });
    expect(causationOf(event)).toBe('handled');
  });

  it('keeps causes of concurrent handlers apart', async () => {
    const seen = await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        withCausation(id, async () => {
          await new Promise((r) => setTimeout(r, 1));
          return writtenHeaders().ce_causationid;
        }),
      ),
    );
    expect(seen).toEqual(['a', 'b', 'c']);
  });
});
