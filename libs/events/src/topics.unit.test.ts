import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_MIN_RETENTION_MS,
  deadLetterTopicName,
  defineTopic,
  ensureTopics,
  TopicRegistry,
  type TopicSpec,
} from './topics.js';

const certificates = defineTopic({
  name: 'onceonly.certificate.v1',
  partitions: 6,
  retentionMs: 24 * 60 * 60 * 1000,
  owner: 'certificate',
  eventTypes: ['certificate.issued', 'certificate.revoked'],
});

describe('defineTopic', () => {
  it('defaults to delete cleanup and seven days', () => {
    const spec = defineTopic({ name: 't', partitions: 1, owner: 'o', eventTypes: [] });
    expect(spec).toMatchObject({ cleanupPolicy: 'delete', retentionMs: 7 * 24 * 60 * 60 * 1000 });
  });

  it.each([
    [{ name: 'bad name!' }, 'name'],
    [{ partitions: 0 }, 'partitions'],
    [{ partitions: 1.5 }, 'partitions'],
    [{ retentionMs: 0 }, 'retentionMs'],
    [{ owner: '' }, 'owner'],
  ])('rejects %o with CONFIG_INVALID naming %s', (patch, field) => {
    const call = () => defineTopic({ name: 'ok', partitions: 1, owner: 'o', eventTypes: [], ...patch });
    expect(call).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    try {
      call();
    } catch (err) {
      expect((err as { fields: { field: string }[] }).fields.map((f) => f.field)).toContain(field);
    }
  });
});

describe('TopicRegistry', () => {
  it('registers the dead-letter topic with every topic', () => {
    const registry = new TopicRegistry([certificates]);
    expect(registry.all().map((t) => t.name)).toEqual(['onceonly.certificate.v1', 'onceonly.certificate.v1.dlq']);
    const dlq = registry.deadLetterOf('onceonly.certificate.v1');
    expect(dlq).toMatchObject({
      name: deadLetterTopicName('onceonly.certificate.v1'),
      partitions: 6,
      owner: 'certificate',
      eventTypes: [],
      deadLetterOf: 'onceonly.certificate.v1',
      retentionMs: DEAD_LETTER_MIN_RETENTION_MS,
    });
  });

  it('answers TOPIC_UNKNOWN for a topic it does not know', () => {
    const registry = new TopicRegistry([certificates]);
    expect(() => registry.get('onceonly.nothing.v1')).toThrow(expect.objectContaining({ code: 'TOPIC_UNKNOWN' }));
    expect(() => registry.deadLetterOf('onceonly.nothing.v1')).toThrow(
      expect.objectContaining({ code: 'TOPIC_UNKNOWN' }),
    );
    expect(registry.has('onceonly.nothing.v1')).toBe(false);
  });

  it('accepts the same specification twice and refuses a different one under the same name', () => {
    const registry = new TopicRegistry([certificates]);
    registry.register(defineTopic({ ...certificates, eventTypes: [...certificates.eventTypes].reverse() }));
    expect(registry.all()).toHaveLength(2);
    expect(() => registry.register(defineTopic({ ...certificates, partitions: 3 }))).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  it('finds the topics of an event type', () => {
    const registry = new TopicRegistry([certificates]);
    expect(registry.topicsFor('certificate.revoked').map((t) => t.name)).toEqual(['onceonly.certificate.v1']);
    expect(registry.topicsFor('credit.published')).toEqual([]);
  });

  it('ensureTopics hands every registered topic to the transport', async () => {
    const created: TopicSpec[] = [];
    await ensureTopics(
      { ensureTopics: async (specs) => void created.push(...specs) },
      new TopicRegistry([certificates]),
    );
    expect(created.map((t) => t.name)).toEqual(['onceonly.certificate.v1', 'onceonly.certificate.v1.dlq']);
  });
});
