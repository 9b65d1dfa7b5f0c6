import { createRequire } from 'node:module';
import { HubHeartbeat } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { describe, expect, it } from 'vitest';
import { defineEvent, type EventEnvelope, withSequence } from './envelope.js';
import { CE_HEADERS, draftRecord, fromKafkaRecord, toKafkaRecord, withSequenceHeader } from './headers.js';
import { partitionFor } from './internal.js';

const heartbeat = defineEvent({
  type: 'hub.heartbeat',
  source: '/onceonly/hub',
  dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
  codec: HubHeartbeat,
  clock: () => new Date('2024-05-01T08:30:00.000Z'),
  newId: () => '6f1c2b1e-8d7a-4c55-9a56-0f3f1d2a9b10',
});

function envelope(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  const draft = heartbeat.make({
    subject: 'hub-1',
    data: HubHeartbeat.fromPartial({ instanceId: 'hub-1', counter: '42' }),
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  });
  return { ...withSequence(draft, 7n), ...overrides };
}

function attributeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('EVENT_MALFORMED');
    return (err as AppError).details.meta?.attribute;
  }
  return undefined;
}

describe('defineEvent', () => {
  it('fills id, time and the constant attributes, and decodes its own body', () => {
    const event = envelope();
    expect(event).toMatchObject({
      id: '6f1c2b1e-8d7a-4c55-9a56-0f3f1d2a9b10',
      source: '/onceonly/hub',
      type: 'hub.heartbeat',
      subject: 'hub-1',
      time: '2024-05-01T08:30:00.000Z',
      specversion: '1.0',
      datacontenttype: 'application/protobuf',
      dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
      sequence: '7',
    });
    expect(heartbeat.decode(event)).toMatchObject({ instanceId: 'hub-1', counter: '42' });
  });

  it('uses a random UUID when no id generator is injected', () => {
    const plain = defineEvent({ type: 'hub.heartbeat', source: '/x', dataschema: 'proto:x', codec: HubHeartbeat });
    const a = plain.make({ subject: 's', data: HubHeartbeat.fromPartial({}) });
    const b = plain.make({ subject: 's', data: HubHeartbeat.fromPartial({}) });
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.id).not.toBe(b.id);
  });

  it('rejects an empty subject and a time that is not RFC 3339', () => {
    const data = HubHeartbeat.fromPartial({});
    expect(attributeOf(() => heartbeat.make({ subject: '', data }))).toBe('subject');
    expect(attributeOf(() => heartbeat.make({ subject: 's', data, time: '2024-05-01 08:30' }))).toBe('time');
  });

  it('refuses to decode another type', () => {
    const other = defineEvent({ type: 'hub.other', source: '/x', dataschema: 'proto:x', codec: HubHeartbeat });
    expect(() => other.decode(envelope())).toThrow(expect.objectContaining({ code: 'EVENT_UNKNOWN_TYPE' }));
  });
});

describe('toKafkaRecord / fromKafkaRecord', () => {
  it('binds every attribute to a ce_ header, the subject to the key and the body to the value', () => {
    const event = envelope();
    const record = toKafkaRecord(event);
    expect(record.key).toBe('hub-1');
    expect(record.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: event.id,
      ce_source: '/onceonly/hub',
      ce_type: 'hub.heartbeat',
      ce_subject: 'hub-1',
      ce_time: '2024-05-01T08:30:00.000Z',
      ce_dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
      ce_sequence: '7',
      ce_traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'content-type': 'application/protobuf',
    });
    expect(Buffer.from(record.value)).toEqual(Buffer.from(event.data));
  });

  it('round-trips through the bytes a broker hands back', () => {
    const event = envelope();
    const record = toKafkaRecord(event);
    const back = fromKafkaRecord({
      key: Buffer.from(record.key),
      value: Buffer.from(record.value),
      headers: record.headers,
    });
    expect({ ...back, data: Buffer.from(back.data) }).toEqual({ ...event, data: Buffer.from(event.data) });
  });

  it('leaves traceparent out when there is none', () => {
    const { traceparent: _, ...rest } = envelope();
    const record = toKafkaRecord({ ...rest });
    expect(record.headers).not.toHaveProperty('ce_traceparent');
    expect(fromKafkaRecord(record).traceparent).toBeUndefined();
  });

  const required = [
    'specversion',
    'id',
    'source',
    'type',
    'subject',
    'time',
    'dataschema',
    'sequence',
    'datacontenttype',
  ] as const;
  it.each(required)('rejects a record without the %s header, naming it', (attribute) => {
    const record = toKafkaRecord(envelope());
    const headers: Record<string, string> = { ...record.headers };
    delete headers[CE_HEADERS[attribute]];
    expect(attributeOf(() => fromKafkaRecord({ ...record, headers }))).toBe(attribute);
  });

  it.each([
    ['specversion', { ce_specversion: '0.3' }],
    ['time', { ce_time: 'yesterday' }],
    ['time', { ce_time: '2024-13-45T99:00:00Z' }],
    ['id', { ce_id: '' }],
    ['sequence', { ce_sequence: '0' }],
    ['sequence', { ce_sequence: '-3' }],
    ['datacontenttype', { 'content-type': 'application/json' }],
    ['traceparent', { ce_traceparent: 'not-a-trace' }],
  ])('rejects an invalid %s (%o)', (attribute, patch) => {
    const record = toKafkaRecord(envelope());
    expect(attributeOf(() => fromKafkaRecord({ ...record, headers: { ...record.headers, ...patch } }))).toBe(attribute);
  });

  it('rejects a repeated header, a key that is not the subject and a record without value', () => {
    const record = toKafkaRecord(envelope());
    expect(attributeOf(() => fromKafkaRecord({ ...record, headers: { ...record.headers, ce_id: ['a', 'b'] } }))).toBe(
      'id',
    );
    expect(attributeOf(() => fromKafkaRecord({ ...record, key: 'someone-else' }))).toBe('subject');
    expect(attributeOf(() => fromKafkaRecord({ ...record, key: null }))).toBe('subject');
    expect(attributeOf(() => fromKafkaRecord({ ...record, value: null }))).toBe('data');
  });

  it('will not bind an envelope without a sequence', () => {
    const { sequence: _, ...draft } = envelope();
    expect(attributeOf(() => toKafkaRecord(draft as EventEnvelope))).toBe('sequence');
  });
});

describe('draftRecord / withSequenceHeader (the outbox stores the first, the relay publishes the second)', () => {
  it('binds every header of the envelope but ce_sequence, which the stamped sequence adds', () => {
    const event = envelope();
    const stored = draftRecord(event);
    expect(stored.headers).not.toHaveProperty(CE_HEADERS.sequence);
    expect({ ...stored, headers: withSequenceHeader(stored.headers, 7n) }).toEqual(toKafkaRecord(event));
  });

  it('refuses a sequence that is not a positive decimal, and a malformed draft', () => {
    const { headers } = draftRecord(envelope());
    expect(attributeOf(() => withSequenceHeader(headers, '0'))).toBe('sequence');
    expect(attributeOf(() => withSequenceHeader(headers, 'null'))).toBe('sequence');
    expect(attributeOf(() => draftRecord({ ...envelope(), subject: '' }))).toBe('subject');
  });
});

describe('partitionFor', () => {
  it('agrees with kafkajs’ default (Java-compatible murmur2) partitioner', () => {
    const require = createRequire(import.meta.url);
    const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;
    for (const key of ['', 'a', 'ab', 'abc', 'abcd', 'hub-1', '91350100M000100Y43', 'ÄÖÜ-证书-12345']) {
      for (const partitions of [1, 3, 7, 12]) {
        const expected = (murmur2(Buffer.from(key)) & 0x7fffffff) % partitions;
        expect(partitionFor(Buffer.from(key), partitions)).toBe(expected);
      }
    }
  });
});

describe('extension attributes', () => {
  it('travel as ce_<name> headers and come back as extensions', () => {
    const event = envelope({ extensions: { actor: '11100000000000001X', issuer: 'dept7' } });
    const record = toKafkaRecord(event);
    expect(record.headers.ce_actor).toBe('11100000000000001X');
    expect(fromKafkaRecord({ key: record.key, value: record.value, headers: record.headers }).extensions).toEqual({
      actor: '11100000000000001X',
      issuer: 'dept7',
    });
  });

  it('are absent from an event that carries none', () => {
    const record = toKafkaRecord(envelope());
    expect(fromKafkaRecord({ key: record.key, value: record.value, headers: record.headers })).not.toHaveProperty(
      'extensions',
    );
  });

  it('refuse names outside CloudEvents rules, names of known attributes, and control characters', () => {
    expect(attributeOf(() => toKafkaRecord(envelope({ extensions: { Actor: 'x' } })))).toBe('extensions');
    expect(attributeOf(() => toKafkaRecord(envelope({ extensions: { subject: 'x' } })))).toBe('extensions');
    expect(attributeOf(() => toKafkaRecord(envelope({ extensions: { actor: 'a\u0000b' } })))).toBe('actor');
    const record = toKafkaRecord(envelope());
    const headers = { ...record.headers, ce_actor: ['a', 'b'] };
    expect(attributeOf(() => fromKafkaRecord({ key: record.key, value: record.value, headers }))).toBe('extensions');
  });
});
