import { assistanceV1 as av, assistanceEventsV1 as ev } from '@onceonly/contracts';
import type { Database } from '@onceonly/store';
import { waitFor } from '@onceonly/testing';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COORDINATOR, PLANNING, URBAN_MANAGEMENT } from '../src/domain/departments.js';
import { sealUpItem } from './execute-item.js';
import {
  type AssistanceHost,
  type AssistanceReplica,
  CITIZEN_ID,
  startAssistanceHost,
  startReplica,
} from './support.js';

// Catalogue adjustment through the service (编制和动态调整行政协助事项目录) on PostgreSQL and Kafka: the coordinator
// publishes an item of the kind "execute" (illustrative, test/execute-item.ts), a request of it lives its whole
// life, a new version leaves the open request under its version, another replica sees the new code at once, and bad
// publications change nothing.

const ENV = { ONCEONLY_HOLDER_HASH_KEY: 'assistance-catalogue-test-hash-key-0123' };

let hub: AssistanceHost;
let replica: AssistanceReplica;
let db: Database;
let seen: KafkaMessage[];
// Monday 2026-03-02 10:00 in Shanghai: no holiday in the weeks the test counts
let now = new Date('2026-03-02T02:00:00Z');
const clock = () => now;

beforeAll(async () => {
  hub = await startAssistanceHost({ name: 'assistance-catalogue', env: ENV, clock });
  replica = await startReplica(hub, { name: 'assistance-catalogue', env: ENV, clock });
  ({ db, seen } = hub);
});

afterAll(async () => {
  await replica?.stop();
  await hub?.stop();
});

const keeper = () => hub.as(COORDINATOR.code);
const planning = () => hub.as(PLANNING.code);
const urban = () => hub.as(URBAN_MANAGEMENT.code);

let keys = 0;
function sealUpRequest(more: Partial<av.SubmitRequestRequest> = {}): Partial<av.SubmitRequestRequest> {
  return {
    idempotencyKey: `seal-${++keys}`,
    itemCode: 'PT-XZ-08',
    caseId: 'PTGH-2026-017',
    legalBasis: '中华人民共和国城乡规划法第六十八条',
    purpose: '当事人逾期未停止建设，区政府责成查封施工现场',
    fields: {
      order_no: '普规划责停〔2026〕17号',
      direction_no: '普府责〔2026〕5号',
      measure: '查封施工现场',
      site_address: '普陀区示例路100号',
    },
    ...more,
  };
}

const typeOf = (m: KafkaMessage) => m.headers?.ce_type?.toString();

/**
 * The records keyed `key` that this test's database wrote (the broker may hold an earlier run's records of the same
 * item code on the shared topic): those whose event id is in this database's outbox.
 */
async function keyed(key: string): Promise<KafkaMessage[]> {
  const { rows } = await db.query<{ event_id: string }>('SELECT event_id FROM assistance.outbox WHERE key = $1', [key]);
  const ours = new Set(rows.map((r) => r.event_id));
  return seen.filter((m) => m.key?.toString() === key && ours.has(m.headers?.ce_id?.toString() ?? ''));
}

async function waitForEvents(key: string, n: number): Promise<KafkaMessage[]> {
  return waitFor(
    async () => {
      const found = await keyed(key);
      return found.length >= n ? found : undefined;
    },
    { timeoutMs: 30_000, message: `${n} events keyed ${key} on the topic` },
  ) as Promise<KafkaMessage[]>;
}

async function counts(): Promise<{ items: number; requests: number; outbox: number }> {
  const { rows } = await db.query<{ items: number; requests: number; outbox: number }>(
    `SELECT (SELECT count(*)::int FROM assistance.items) AS items,
            (SELECT count(*)::int FROM assistance.requests) AS requests,
            (SELECT count(*)::int FROM assistance.outbox) AS outbox`,
  );
  return rows[0]!;
}

async function errorOf(call: Promise<unknown>): Promise<{ code: string; fields: string[] }> {
  try {
    await call;
  } catch (err) {
    const e = err as { code: string; fields?: { field: string; reason: string }[] };
    return { code: e.code, fields: (e.fields ?? []).map((f) => `${f.field}:${f.reason}`) };
  }
  throw new Error('the call succeeded');
}

describe('catalogue adjustment through the service', () => {
  it('publishes an execute item; the other replica, which read the catalogue before, finds the new code at once', async () => {
    // the replica holds its copy of the seeded catalogue
    const before = await replica.as(PLANNING.code).listItems({});
    expect(before.items.map((i) => i.code)).not.toContain('PT-XZ-08');

    const { item } = await keeper().publishItem({ item: sealUpItem({ version: 42 }), expectedVersion: 0 });
    expect(item).toMatchObject({ code: 'PT-XZ-08', version: 1, kind: av.AssistanceKind.ASSISTANCE_KIND_EXECUTE });
    // the replica that published lists it at once; the other reads again for a code it has not seen
    expect((await planning().listItems({})).items.map((i) => i.code)).toContain('PT-XZ-08');
    expect((await replica.as(PLANNING.code).getItem({ code: 'PT-XZ-08' })).item).toEqual(item);

    const [published] = await waitForEvents('PT-XZ-08', 1);
    expect(typeOf(published!)).toBe('assistance.item.published');
    expect(published!.headers?.ce_actor?.toString()).toBe(COORDINATOR.code);
    expect(ev.ItemPublished.decode(published!.value!)).toEqual({
      item,
      previousVersion: 0,
      actorCode: COORDINATOR.code,
      occurredAt: now.toISOString(),
    });
  });

  it('runs a seal-up request through its whole life, every step an event on Kafka', async () => {
    now = new Date('2026-03-02T02:00:00Z');
    // submitted on the other replica: its copy has the item since the previous test's read
    const { request: submitted } = await replica.as(PLANNING.code).submitRequest(sealUpRequest());
    expect(submitted).toMatchObject({
      itemCode: 'PT-XZ-08',
      itemVersion: 1,
      providerCode: URBAN_MANAGEMENT.code,
      status: av.RequestStatus.REQUEST_STATUS_SUBMITTED,
      dueDate: '2026-03-09', // 5 working days from Mon 03-02: 03-03…06, 03-09
    });
    const id = submitted!.id;
    now = new Date('2026-03-03T02:00:00Z');
    await urban().acceptRequest({ id, expectedVersion: 1 });
    now = new Date('2026-03-05T02:00:00Z');
    const { request: answered } = await urban().answerRequest({
      id,
      expectedVersion: 2,
      fields: { result: '已执行', executed_on: '2026-03-05', record_no: 'PTCG-2026-0305' },
      attachmentSha256: ['cd'.repeat(32)],
    });
    expect(answered?.answer?.fields).toEqual({
      result: '已执行',
      executed_on: '2026-03-05',
      record_no: 'PTCG-2026-0305',
    });
    now = new Date('2026-03-06T02:00:00Z');
    const { request: closed } = await planning().closeRequest({
      id,
      expectedVersion: 3,
      rating: { timeliness: 5, effort: 5, comment: '' },
    });
    expect(closed).toMatchObject({ status: av.RequestStatus.REQUEST_STATUS_CLOSED, version: 4, itemVersion: 1 });

    const events = await waitForEvents(id, 4);
    expect(events.map(typeOf)).toEqual([
      'assistance.request.submitted',
      'assistance.request.accepted',
      'assistance.request.answered',
      'assistance.request.closed',
    ]);
    expect(ev.RequestSubmitted.decode(events[0]!.value!).request).toMatchObject({
      itemCode: 'PT-XZ-08',
      itemVersion: 1,
      requesterCode: PLANNING.code,
      providerCode: URBAN_MANAGEMENT.code,
    });
    expect(ev.RequestChanged.decode(events[3]!.value!).rating).toMatchObject({ timeliness: 5, effort: 5 });
  });

  it('keeps an open request under the version it was made under; new requests get the new version', async () => {
    now = new Date('2026-03-02T02:00:00Z');
    const { request: open } = await planning().submitRequest(sealUpRequest());
    expect(open).toMatchObject({ itemVersion: 1, dueDate: '2026-03-09' });

    const v1 = (await keeper().getItem({ code: 'PT-XZ-08' })).item!;
    const { item: v2 } = await keeper().publishItem({
      item: { ...v1, timeLimitWorkingDays: 10 },
      expectedVersion: 1,
    });
    expect(v2).toMatchObject({ version: 2, timeLimitWorkingDays: 10 });

    // the open request still shows v1 and its due date, and is acted on under v1
    const { request: still } = await planning().getRequest({ id: open!.id });
    expect(still).toMatchObject({ itemVersion: 1, dueDate: '2026-03-09', version: 1 });
    const { request: accepted } = await urban().acceptRequest({ id: open!.id, expectedVersion: 1 });
    expect(accepted).toMatchObject({ itemVersion: 1, dueDate: '2026-03-09' });
    // a new request on the replica that published gets v2 at once: 10 working days from Mon 03-02 is Mon 03-16
    const { request: fresh } = await planning().submitRequest(sealUpRequest());
    expect(fresh).toMatchObject({ itemVersion: 2, dueDate: '2026-03-16' });
    // v1 is still served by version
    expect((await keeper().getItem({ code: 'PT-XZ-08', version: 1 })).item?.timeLimitWorkingDays).toBe(5);
    expect((await keeper().listItems({ allVersions: true })).items.filter((i) => i.code === 'PT-XZ-08')).toHaveLength(
      2,
    );

    const events = await waitForEvents('PT-XZ-08', 2);
    expect(ev.ItemPublished.decode(events[1]!.value!)).toMatchObject({ item: { version: 2 }, previousVersion: 1 });
  });

  it('lets one of two keepers publishing from the same version win; the other gets ASSIST_VERSION_CONFLICT', async () => {
    const latest = (await keeper().getItem({ code: 'PT-XZ-08' })).item!;
    const before = await counts();
    const results = await Promise.allSettled([
      keeper().publishItem({ item: { ...latest, timeLimitWorkingDays: 7 }, expectedVersion: latest.version }),
      replica
        .as(COORDINATOR.code)
        .publishItem({ item: { ...latest, timeLimitWorkingDays: 8 }, expectedVersion: latest.version }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      (results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]).map(
        (r) => (r.reason as { code: string }).code,
      ),
    ).toEqual(['ASSIST_VERSION_CONFLICT']);
    const after = await counts();
    expect([after.items - before.items, after.outbox - before.outbox]).toEqual([1, 1]);
    // whichever replica lost, reading again there shows the winner's version at once (not after the copy's 30 s)
    for (const host of [keeper(), replica.as(COORDINATOR.code)]) {
      expect((await host.getItem({ code: 'PT-XZ-08' })).item?.version).toBe(latest.version + 1);
    }
  });

  it('refuses bad publications with a code and changes nothing', async () => {
    const latest = (await keeper().getItem({ code: 'PT-XZ-08' })).item!;
    const v = latest.version;
    const before = await counts();
    const cases: [string, () => Promise<unknown>, string[]?][] = [
      // not the keeper: a department, the platform
      [
        'ASSIST_NOT_COORDINATOR',
        () => planning().publishItem({ item: sealUpItem({ code: 'PT-XZ-09' }), expectedVersion: 0 }),
      ],
      [
        'PERMISSION_DENIED',
        () => hub.as('91310000MA1FL8XQ37', 'platform').publishItem({ item: sealUpItem(), expectedVersion: v }),
      ],
      // a stale version: the code exists, or the version read is not the latest
      ['ASSIST_VERSION_CONFLICT', () => keeper().publishItem({ item: sealUpItem(), expectedVersion: 0 })],
      ['ASSIST_VERSION_CONFLICT', () => keeper().publishItem({ item: sealUpItem(), expectedVersion: v - 1 })],
      [
        'ASSIST_VERSION_CONFLICT',
        () => keeper().publishItem({ item: sealUpItem({ code: 'PT-XZ-09' }), expectedVersion: 1 }),
      ],
      // invalid definitions
      [
        'ASSIST_ITEM_INVALID',
        () =>
          keeper().publishItem({
            item: sealUpItem({
              code: 'PT-09',
              timeLimitWorkingDays: 0,
              answerFields: [
                av.FieldSpec.fromPartial({
                  key: 'result',
                  labelZh: '结果',
                  labelEn: 'Result',
                  kind: av.FieldKind.FIELD_KIND_ENUM,
                }),
              ],
            }),
            expectedVersion: 0,
          }),
        ['code:ITEM_RULE', 'time_limit_working_days:ITEM_RULE', 'answer.fields[0].enum_values:SCHEMA_ENUM'],
      ],
      [
        'ASSIST_ITEM_INVALID',
        () =>
          keeper().publishItem({
            item: sealUpItem({ kind: av.AssistanceKind.ASSISTANCE_KIND_OPINION }),
            expectedVersion: v,
          }),
        ['kind:ITEM_RULE'],
      ],
      [
        'INVALID_ARGUMENT',
        () =>
          keeper().publishItem({
            item: sealUpItem({ code: 'PT-XZ-09', kind: av.AssistanceKind.ASSISTANCE_KIND_UNSPECIFIED }),
            expectedVersion: 0,
          }),
        ['item.kind:REQUIRED'],
      ],
      ['INVALID_ARGUMENT', () => keeper().publishItem({ expectedVersion: 0 })],
      [
        'INVALID_ARGUMENT',
        () =>
          keeper().publishItem({
            item: sealUpItem({ code: 'PT-XZ-09', legalBasis: { law: '中华人民共和国城乡规划法', article: ' ' } }),
            expectedVersion: 0,
          }),
        ['item.legal_basis.article:REQUIRED'],
      ],
      // departments the directory does not hold, or that are no department
      [
        'ASSIST_ITEM_INVALID',
        () =>
          keeper().publishItem({
            item: sealUpItem({
              code: 'PT-XZ-09',
              providerCodes: ['11310107MB2F99999X'],
              requesterCodes: ['91310000MA1FL8XQ37'],
            }),
            expectedVersion: 0,
          }),
        ['provider_codes[0]:DEPARTMENT_UNKNOWN', 'requester_codes[0]:DEPARTMENT_UNKNOWN'],
      ],
      // free text under the edge's rules: no citizen ID, no bidi control, no NUL
      [
        'PERSONAL_DATA_IN_TEXT',
        () =>
          keeper().publishItem({
            item: sealUpItem({ code: 'PT-XZ-09', nameZh: `协助 ${CITIZEN_ID}` }),
            expectedVersion: 0,
          }),
      ],
      [
        'TEXT_INVALID',
        () =>
          keeper().publishItem({
            item: sealUpItem({ code: 'PT-XZ-09', legalBasis: { law: '城乡规划法\u202E', article: '第六十八条' } }),
            expectedVersion: 0,
          }),
      ],
      [
        'TEXT_INVALID',
        () =>
          keeper().publishItem({ item: sealUpItem({ code: 'PT-XZ-09', nameEn: 'Seal\u0000up' }), expectedVersion: 0 }),
      ],
    ];
    for (const [code, call, fields] of cases) {
      const found = await errorOf(call());
      expect([code, found.code]).toEqual([code, code]);
      if (fields) expect([code, found.fields]).toEqual([code, fields]);
    }
    expect(await counts()).toEqual(before);
    expect((await keeper().getItem({ code: 'PT-XZ-08' })).item).toEqual(latest);
    expect(await errorOf(keeper().getItem({ code: 'PT-XZ-09' }))).toMatchObject({ code: 'ASSIST_ITEM_UNKNOWN' });
    // nothing of the refused publications on the topic either: the item's events are the three published
    await new Promise((r) => setTimeout(r, 500));
    expect(await keyed('PT-XZ-09')).toEqual([]);
    expect((await keyed('PT-XZ-08')).map(typeOf)).toEqual(Array(3).fill('assistance.item.published'));
    // the citizen ID refused in the name is in no stored item and no event
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM assistance.items WHERE item::text LIKE '%' || $1 || '%'`,
      [CITIZEN_ID],
    );
    expect(rows[0]!.n).toBe(0);
  });
});
