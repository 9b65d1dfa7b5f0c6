import type { RetentionStatus } from '@onceonly/kit';
import { describe, expect, it } from 'vitest';
import { ageText, deletable, passText, progressText, settingsText, statusText } from './retention.js';

const DAY = 86_400_000;
const now = new Date('2026-12-06T08:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const settings = { outboxMs: 7 * DAY, inboxMs: 7 * DAY, intervalMs: 3_600_000 };

const status: RetentionStatus = {
  outboxes: [
    {
      schema: 'certificate',
      sources: [
        { source: '/onceonly/certificate', rows: 12_345, published: 12_300, oldest: ago(16 * DAY), deletable: 9_000 },
      ],
    },
    { schema: 'hub', sources: [] },
  ],
  inboxes: [
    {
      schema: 'audit',
      topics: [
        { topic: 'onceonly.hub.v1', rows: 5_000, oldest: ago(20 * DAY), keepMs: 15 * DAY, deletable: 1_200 },
        { topic: 'onceonly.seal.v1', rows: 300, oldest: ago(400 * DAY), keepMs: undefined, deletable: 0 },
      ],
    },
  ],
};

describe('retention formatters', () => {
  it('ages in the largest unit with a whole count, never negative', () => {
    expect(ageText(ago(16 * DAY + 5_000), now)).toBe('16d');
    expect(ageText(ago(2 * DAY - 1_000), now)).toBe('47h');
    expect(ageText(ago(90 * 60_000), now)).toBe('90m');
    expect(ageText(ago(45_000), now)).toBe('45s');
    expect(ageText(new Date(now.getTime() + 5_000), now)).toBe('0s');
  });

  it('names the settings, and off where a retention or the timer is off', () => {
    expect(settingsText(settings)).toBe(
      "settings: outbox published rows older than 7d; inbox rows older than 7d and than their topic's retention + 8d (topics kept for ever: never); the hub's pass every 1h",
    );
    expect(settingsText({ outboxMs: 0, inboxMs: 0, intervalMs: 0 })).toBe(
      "settings: outbox off; inbox off; the hub's pass off",
    );
  });

  it('shows each source and topic, what a pass deletes, and the totals', () => {
    expect(statusText(status, settings, now).split('\n')).toEqual([
      settingsText(settings),
      'outbox certificate',
      '  /onceonly/certificate  12,345 rows (12,300 published, 45 not), oldest 16d ago; a pass deletes 9,000',
      'outbox hub: empty',
      'inbox audit',
      '  onceonly.hub.v1  5,000 rows, oldest 20d ago; kept 15d; a pass deletes 1,200',
      '  onceonly.seal.v1  300 rows, oldest 400d ago; kept for ever',
      'a pass now deletes 9,000 outbox rows and 1,200 inbox rows',
    ]);
    expect(deletable(status)).toEqual({ outbox: 9_000, inbox: 1_200 });
    expect(statusText(status, { ...settings, inboxMs: 0 }, now)).toContain(
      'onceonly.hub.v1  5,000 rows, oldest 20d ago; retention off',
    );
    expect(statusText({ outboxes: [], inboxes: [] }, settings, now)).toContain('no outbox nor inbox in this database');
  });

  it('sums a pass per table, names the schemas that lost rows, and says when it was interrupted', () => {
    const pass = { outbox: { certificate: 9_000, hub: 0 }, inbox: { audit: 1_200 }, ms: 1_234 };
    expect(passText(pass, false)).toBe(
      'deleted 9,000 outbox rows (certificate 9,000) and 1,200 inbox rows (audit 1,200) in 1.2 s',
    );
    expect(passText({ outbox: {}, inbox: { audit: 0 }, ms: 40 }, true)).toBe(
      'interrupted after its current batch: deleted 0 outbox rows and 0 inbox rows in 0.0 s; run it again to go on',
    );
    expect(progressText({ table: 'inbox', schema: 'audit', deleted: 51_000 })).toBe(
      'retention: inbox audit: 51,000 rows deleted so far',
    );
  });
});
