/**
 * The relay's published watermark (ADR 021): a row is published when its number is at most its source's
 * `outbox_sequence.published`, so the relay writes each outbox row once (its stamp). The watermark moves only over
 * numbers that were all published; rows stamped and never published (a relay that failed or died after its stamp)
 * are published again, lowest numbers first, in batches of any size, before new rows — on PostgreSQL and PGlite.
 */
import { HubHeartbeat } from '@onceonly/contracts';
import type { Database } from '@onceonly/store';
import { waitFor } from '@onceonly/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendToOutbox, createRelay, defineEvent, outboxBacklog, pruneOutbox } from '../src/index.js';
import { markPublished } from '../src/relay.js';
import {
  collect,
  embeddedPgliteHarness,
  embeddedPostgresHarness,
  type Harness,
  openWithTopic,
  SERVICE_SCHEMA,
} from './support.js';

const [alpha, beta] = ['/onceonly/alpha', '/onceonly/beta'].map((source) =>
  defineEvent({
    type: 'hub.heartbeat',
    source,
    dataschema: 'proto:onceonly.events.v1.HubHeartbeat',
    codec: HubHeartbeat,
  }),
) as [ReturnType<typeof defineEvent<HubHeartbeat>>, ReturnType<typeof defineEvent<HubHeartbeat>>];

async function watermarks(db: Database): Promise<Record<string, { last: string; published: string }>> {
  const { rows } = await db.query<{ source: string; last: string; published: string }>(
    `SELECT source, last::text, published::text FROM ${SERVICE_SCHEMA}.outbox_sequence ORDER BY source`,
  );
  return Object.fromEntries(rows.map((r) => [r.source, { last: r.last, published: r.published }]));
}

describe.each([embeddedPostgresHarness, embeddedPgliteHarness])('the published watermark ($name)', (factory) => {
  let h: Harness;
  const topic = 'watermark.t';

  beforeEach(async () => {
    h = await openWithTopic(factory, topic);
  });
  afterEach(async () => {
    await h.close();
  });

  it('moves only over numbers that were all published', async () => {
    await h.db.query(`INSERT INTO ${SERVICE_SCHEMA}.outbox_sequence (source, last) VALUES ('s', 6), ('t', 2)`);
    const mark = (source: string, ...numbers: number[]) =>
      markPublished(
        h.db,
        SERVICE_SCHEMA,
        numbers.map((n) => ({ source, sequence: String(n) })),
      );
    await mark('s', 2, 3); // 1 was not published: the watermark stays
    expect((await watermarks(h.db)).s!.published).toBe('0');
    await mark('s', 1);
    expect((await watermarks(h.db)).s!.published).toBe('1');
    await mark('s', 3, 2); // in any order
    expect((await watermarks(h.db)).s!.published).toBe('3');
    await mark('s', 1, 2); // already below it: never moves back
    expect((await watermarks(h.db)).s!.published).toBe('3');
    await mark('s', 4, 6); // 5 missing
    expect((await watermarks(h.db)).s!.published).toBe('3');
    await markPublished(h.db, SERVICE_SCHEMA, [
      { source: 's', sequence: '4' },
      { source: 't', sequence: '1' },
      { source: 's', sequence: '5' },
      { source: 's', sequence: '6' },
    ]);
    expect(await watermarks(h.db)).toEqual({ s: { last: '6', published: '6' }, t: { last: '2', published: '1' } });
  });

  it('publishes rows stamped and never published again, lowest numbers first, before new rows', async () => {
    const write = (n: number) =>
      h.db.transaction((tx) =>
        appendToOutbox(
          tx,
          SERVICE_SCHEMA,
          Array.from({ length: n }, (_, i) => ({
            topic,
            event: (i % 3 === 2 ? beta : alpha).make({ subject: `k${i}`, data: HubHeartbeat.fromPartial({}) }),
          })),
        ),
      );
    await write(6);
    // a relay that stamps its batch (4 rows: alpha 1–3, beta 1) and fails to publish it, again and again
    const failing = createRelay({
      db: h.db,
      schema: SERVICE_SCHEMA,
      transport: h.transport,
      batchSize: 4,
      backoff: { initialMs: 5, maxMs: 5 },
      afterStamp: () => {
        throw new Error('the broker went away');
      },
    });
    failing.start();
    await waitFor(() => failing.status().consecutiveFailures >= 3, { timeoutMs: 10_000 });
    await failing.stop();
    expect(await watermarks(h.db)).toEqual({
      [alpha.source]: { last: '3', published: '0' },
      [beta.source]: { last: '1', published: '0' },
    });
    // the failed attempts are counted on the batch that failed
    const { rows: attempts } = await h.db.query<{ sequence: string | null; attempts: number; last_error: string }>(
      `SELECT sequence::text, attempts, last_error FROM ${SERVICE_SCHEMA}.outbox ORDER BY position`,
    );
    expect(attempts.slice(0, 4).every((r) => r.attempts >= 3 && r.last_error === 'the broker went away')).toBe(true);
    expect(attempts.slice(4).map((r) => [r.sequence, r.attempts])).toEqual([
      [null, 0],
      [null, 0],
    ]);
    expect((await outboxBacklog(h.db, SERVICE_SCHEMA)).pending).toBe(6);
    await write(3);

    // the next relay, in batches smaller than the stamped set: the stamped rows first, then the new ones
    const log = await collect(h.transport, 'watermark-reader', [topic]);
    await createRelay({ db: h.db, schema: SERVICE_SCHEMA, transport: h.transport, batchSize: 3 }).flush({
      timeoutMs: 10_000,
    });
    await waitFor(() => log.records.length >= 9, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 200));
    await log.stop();
    const sent = log.records.map((r) => `${r.headers.ce_source === alpha.source ? 'a' : 'b'}${r.headers.ce_sequence}`);
    // each event once; the four stamped first, each source's numbers increasing and gap-free
    expect(sent).toHaveLength(9);
    expect(new Set(log.records.map((r) => r.headers.ce_id)).size).toBe(9);
    expect(sent.slice(0, 4).sort()).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect(sent.filter((s) => s.startsWith('a'))).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
    expect(sent.filter((s) => s.startsWith('b'))).toEqual(['b1', 'b2', 'b3']);
    expect(await watermarks(h.db)).toEqual({
      [alpha.source]: { last: '6', published: '6' },
      [beta.source]: { last: '3', published: '3' },
    });
    expect((await outboxBacklog(h.db, SERVICE_SCHEMA)).pending).toBe(0);
    // published rows are pruned; a pending one never is
    await write(1);
    expect(await pruneOutbox(h.db, SERVICE_SCHEMA, -60_000)).toBe(9);
    expect((await outboxBacklog(h.db, SERVICE_SCHEMA)).pending).toBe(1);
  });
});
