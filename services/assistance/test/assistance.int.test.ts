import { assistanceV1 as av, assistanceEventsV1 as ev } from '@onceonly/contracts';
import { errorCodeOf } from '@onceonly/kit/testing';
import type { Database } from '@onceonly/store';
import { waitFor } from '@onceonly/testing';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIVIL_AFFAIRS, CONSTRUCTION, COORDINATOR, EMERGENCY, JUSTICE, PLANNING } from '../src/domain/departments.js';
import { type AssistanceHost, CITIZEN_ID, startAssistanceHost } from './support.js';

// The assistance service on PostgreSQL and Kafka through gRPC, as the hub hosts it: the lifecycle with its events,
// two clerks at once, idempotency, and hostile input answered with a code that changes nothing.

const HASH_KEY = 'assistance-test-holder-hash-key-0123';

let hub: AssistanceHost;
let db: Database;
let seen: KafkaMessage[];
// 2026-02-09 10:00 in Shanghai (a Monday before the Spring Festival); tests move it on
let now = new Date('2026-02-09T02:00:00Z');
const as = (code: string, role?: string) => hub.as(code, role);

beforeAll(async () => {
  hub = await startAssistanceHost({
    name: 'assistance',
    env: { ONCEONLY_HOLDER_HASH_KEY: HASH_KEY },
    clock: () => now,
  });
  ({ db, seen } = hub);
});

afterAll(async () => {
  await hub?.stop();
});

const justice = () => as(JUSTICE.code);
const civil = () => as(CIVIL_AFFAIRS.code);

let keys = 0;
function legalAid(more: Partial<av.SubmitRequestRequest> = {}): Partial<av.SubmitRequestRequest> {
  return {
    idempotencyKey: `k-${++keys}-${Date.now()}`,
    itemCode: 'PT-XZ-04',
    caseId: 'PTFY-2026-001',
    legalBasis: '中华人民共和国法律援助法第四十一条',
    purpose: '核查法律援助申请人经济困难状况',
    subject: { subject: { $case: 'citizenId', value: CITIZEN_ID } },
    fields: { aid_case_no: 'PTFY2026001' },
    ...more,
  };
}

function eventsOf(requestId: string): KafkaMessage[] {
  return seen.filter((m) => m.key?.toString() === requestId);
}

async function counts(): Promise<{ requests: number; outbox: number }> {
  const { rows } = await db.query<{ requests: number; outbox: number }>(
    `SELECT (SELECT count(*)::int FROM assistance.requests) AS requests, (SELECT count(*)::int FROM assistance.outbox) AS outbox`,
  );
  return rows[0]!;
}

describe('administrative assistance on PostgreSQL and Kafka', () => {
  it('runs a legal-aid investigation through its whole life across the Spring Festival, every step an event', async () => {
    now = new Date('2026-02-09T02:00:00Z');
    const { request: submitted } = await justice().submitRequest(legalAid());
    // 7 working days from Mon 02-09: 02-10…13 (4), Sat 02-14 worked (5), 02-15…23 off, 02-24 (6), 02-25 (7)
    expect(submitted).toMatchObject({
      status: av.RequestStatus.REQUEST_STATUS_SUBMITTED,
      version: 1,
      dueDate: '2026-02-25',
      providerCode: CIVIL_AFFAIRS.code,
      subject: { subject: { $case: 'maskedCitizenId' } },
    });
    const id = submitted!.id;
    now = new Date('2026-02-10T02:00:00Z');
    await civil().acceptRequest({ id, expectedVersion: 1 });
    now = new Date('2026-02-24T02:00:00Z');
    const { request: answered } = await civil().answerRequest({
      id,
      expectedVersion: 2,
      fields: { economic_difficulty: '是', basis: '低保' },
      attachmentSha256: ['ab'.repeat(32)],
    });
    expect(answered?.answer?.fields).toEqual({ economic_difficulty: '是', basis: '低保' });
    // the coordinator sees the request, not the answer's fields
    const seenByCoordinator = await as(COORDINATOR.code).getRequest({ id });
    expect(seenByCoordinator.request?.answer?.fields).toEqual({});
    // a department that is no party is told it does not exist
    expect(await errorCodeOf(as(PLANNING.code).getRequest({ id }))).toBe('ASSIST_REQUEST_NOT_FOUND');
    now = new Date('2026-02-25T02:00:00Z');
    const { request: closed } = await justice().closeRequest({
      id,
      expectedVersion: 3,
      rating: { timeliness: 5, effort: 4, comment: '' },
    });
    expect(closed).toMatchObject({
      status: av.RequestStatus.REQUEST_STATUS_CLOSED,
      version: 4,
      closedOn: '2026-02-25',
    });

    const events = (await waitFor(() => (eventsOf(id).length >= 5 ? eventsOf(id) : undefined), {
      timeoutMs: 30_000,
      message: 'five events of the request on the topic',
    })) as KafkaMessage[];
    // the coordinator's read was recorded before it was answered; the parties' reads are not (their own data)
    expect(events.map((m) => m.headers?.ce_type?.toString())).toEqual([
      'assistance.request.submitted',
      'assistance.request.accepted',
      'assistance.request.answered',
      'assistance.request.read',
      'assistance.request.closed',
    ]);
    expect(ev.RequestRead.decode(events[3]!.value!)).toMatchObject({
      readerCode: COORDINATOR.code,
      readerRole: 'coordinator',
    });
    const first = ev.RequestSubmitted.decode(events[0]!.value!);
    expect(first.request).toMatchObject({ requestId: id, requesterCode: JUSTICE.code, dueDate: '2026-02-25' });
    expect(first.request?.subjectKey).toMatch(/^[0-9a-f]{64}$/);
    // the citizen ID is nowhere in clear: not in an event, not in the stored request
    for (const m of events)
      expect(Buffer.concat([m.value!, Buffer.from(JSON.stringify(m.headers))]).includes(CITIZEN_ID)).toBe(false);
    const { rows } = await db.query<{ state: string }>(
      'SELECT state::text AS state FROM assistance.requests WHERE id = $1',
      [id],
    );
    expect(rows[0]!.state).not.toContain(CITIZEN_ID);
    expect(rows[0]!.state).not.toContain('ab'.repeat(33)); // sanity: the digest is kept as given
  });

  it('lets one of two clerks acting at once win; the other gets ASSIST_VERSION_CONFLICT and writes nothing', async () => {
    now = new Date('2026-03-02T02:00:00Z');
    const { request } = await justice().submitRequest(legalAid());
    const before = await counts();
    const results = await Promise.allSettled([
      civil().acceptRequest({ id: request!.id, expectedVersion: 1 }),
      civil().declineRequest({ id: request!.id, expectedVersion: 1, reasons: '不属于本部门职责' }),
    ]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(fulfilled).toHaveLength(1);
    expect(rejected.map((r) => (r.reason as { code: string }).code)).toEqual(['ASSIST_VERSION_CONFLICT']);
    expect((await counts()).outbox - before.outbox).toBe(1);
  });

  it('answers a repeated idempotency key with the first request, and refuses it for another request', async () => {
    now = new Date('2026-03-02T02:00:00Z');
    const first = legalAid();
    const a = await justice().submitRequest(first);
    const b = await justice().submitRequest(first);
    expect(b).toMatchObject({ replayed: true, request: { id: a.request!.id } });
    expect(await errorCodeOf(justice().submitRequest({ ...first, caseId: 'another' }))).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('refuses bad input with a code and changes nothing', async () => {
    now = new Date('2026-03-02T02:00:00Z');
    const { request } = await justice().submitRequest(legalAid());
    const id = request!.id;
    const before = await counts();
    const cases: [string, () => Promise<unknown>][] = [
      ['ASSIST_ITEM_UNKNOWN', () => justice().submitRequest(legalAid({ itemCode: 'PT-XZ-99' }))],
      ['ASSIST_REQUESTER_NOT_ALLOWED', () => as(EMERGENCY.code).submitRequest(legalAid())],
      ['INVALID_ARGUMENT', () => justice().submitRequest(legalAid({ caseId: '', legalBasis: ' ', purpose: '' }))],
      ['ASSIST_DUE_DATE_TOO_EARLY', () => justice().submitRequest(legalAid({ dueDate: '2026-03-03' }))],
      ['INVALID_ARGUMENT', () => justice().submitRequest(legalAid({ dueDate: '2027-01-20' }))],
      [
        'ASSIST_FIELDS_INVALID',
        () => justice().submitRequest(legalAid({ fields: { aid_case_no: 'x', colour: 'red' } })),
      ],
      ['PERSONAL_DATA_IN_TEXT', () => justice().submitRequest(legalAid({ purpose: `核查 ${CITIZEN_ID}` }))],
      ['TEXT_INVALID', () => justice().submitRequest(legalAid({ purpose: 'abc\u202Edef' }))],
      ['PERMISSION_DENIED', () => as('91310000MA1FL8XQ37', 'platform').submitRequest(legalAid())],
      ['ASSIST_REQUEST_NOT_FOUND', () => as(CONSTRUCTION.code).acceptRequest({ id, expectedVersion: 1 })],
      ['ASSIST_NOT_PROVIDER', () => justice().acceptRequest({ id, expectedVersion: 1 })],
      ['ASSIST_VERSION_CONFLICT', () => civil().acceptRequest({ id, expectedVersion: 7 })],
      [
        'ASSIST_ILLEGAL_TRANSITION',
        () => civil().answerRequest({ id, expectedVersion: 1, fields: { economic_difficulty: '是' } }),
      ],
      ['INVALID_ARGUMENT', () => civil().acceptRequest({ id, expectedVersion: 0 })],
    ];
    for (const [code, call] of cases) expect([code, await errorCodeOf(call())]).toEqual([code, code]);
    await civil().acceptRequest({ id, expectedVersion: 1 });
    const afterAccept = await counts();
    expect(afterAccept.requests).toBe(before.requests);
    expect(afterAccept.outbox - before.outbox).toBe(1); // the accept only
    expect(
      await errorCodeOf(civil().answerRequest({ id, expectedVersion: 2, fields: { economic_difficulty: '也许' } })),
    ).toBe('ASSIST_FIELDS_INVALID');
    expect((await counts()).outbox).toBe(afterAccept.outbox);
  });

  it('lists inbox and outbox by page, filters overdue requests, and serves indicators', async () => {
    now = new Date('2026-03-02T02:00:00Z');
    for (let i = 0; i < 3; i++)
      await as(PLANNING.code).submitRequest({
        idempotencyKey: `inbox-${i}-${Date.now()}`,
        itemCode: 'PT-XZ-07',
        caseId: `GH-${i}`,
        legalBasis: '安全生产法',
        purpose: '规划许可前核查',
        fields: { enterprise: '91310000MA1FL8XQ37', since: '2023-01-01' },
      });
    const emergency = as(EMERGENCY.code);
    const page1 = await emergency.listInbox({ pageSize: 2 });
    expect(page1.requests).toHaveLength(2);
    const page2 = await emergency.listInbox({ pageSize: 2, pageToken: page1.nextPageToken });
    expect(page2.requests).toHaveLength(1);
    expect(page2.nextPageToken).toBe('');
    expect((await as(PLANNING.code).listOutbox({})).requests).toHaveLength(3);
    expect(await errorCodeOf(emergency.listInbox({ pageToken: 'not-a-token' }))).toBe('INVALID_ARGUMENT');
    now = new Date('2026-03-20T02:00:00Z'); // due 03-09: overdue now
    expect(
      (await emergency.listInbox({ filter: { overdueOnly: true, statuses: [], itemCode: '' } })).requests,
    ).toHaveLength(3);
    const { indicators } = await emergency.getIndicators({
      grouping: av.IndicatorGrouping.INDICATOR_GROUPING_PROVIDER,
    });
    expect(indicators.find((i) => i.group === EMERGENCY.code)).toMatchObject({
      requests: 3,
      overdue: 3,
      hasAcceptedWithin7Days: true,
      acceptedWithin7Days: 0,
    });
  });

  it('runs an opinion through its whole life, and refuses to answer one the provider declined', async () => {
    now = new Date('2026-04-01T02:00:00Z');
    // 协助出具意见: any department may ask emergency management for an enterprise's work-safety record
    const planning = as(PLANNING.code);
    const emergency = as(EMERGENCY.code);
    const { request: asked } = await planning.submitRequest({
      idempotencyKey: `opinion-${Date.now()}`,
      itemCode: 'PT-XZ-07',
      caseId: 'GH-2026-017',
      legalBasis: '中华人民共和国安全生产法第七十八条',
      purpose: '管线工程规划许可前核查建设单位安全生产记录',
      fields: { enterprise: '91310000MA1FL8XQ37', since: '2023-01-01' },
    });
    const id = asked!.id;
    await emergency.acceptRequest({ id, expectedVersion: 1 });
    await emergency.answerRequest({ id, expectedVersion: 2, fields: { serious_violation: '无' } });
    // the requester reads the answer it asked for
    expect((await planning.getRequest({ id })).request?.answer?.fields).toEqual({ serious_violation: '无' });
    const { request: closed } = await planning.closeRequest({
      id,
      expectedVersion: 3,
      rating: { timeliness: 4, effort: 4, comment: '' },
    });
    expect(closed).toMatchObject({ status: av.RequestStatus.REQUEST_STATUS_CLOSED, version: 4 });
    const types = (await waitFor(() => (eventsOf(id).length >= 4 ? eventsOf(id) : undefined), {
      timeoutMs: 30_000,
      message: 'four events of the opinion on the topic',
    })) as KafkaMessage[];
    expect(types.map((m) => m.headers?.ce_type?.toString())).toEqual([
      'assistance.request.submitted',
      'assistance.request.accepted',
      'assistance.request.answered',
      'assistance.request.closed',
    ]);

    // an archive opinion the construction bureau declines (written reasons): answering it afterwards is refused
    const { request: archive } = await justice().submitRequest({
      idempotencyKey: `archive-${Date.now()}`,
      itemCode: 'PT-XZ-01',
      caseId: 'PTFY-2026-033',
      legalBasis: '城市建设档案管理规定第十二条',
      purpose: '核查法律援助案件涉及房屋的竣工档案',
      fields: { project_name: '长寿路100号改建工程', address: '上海市普陀区长寿路100号', archive_type: '竣工档案' },
    });
    const construction = as(CONSTRUCTION.code);
    await construction.declineRequest({ id: archive!.id, expectedVersion: 1, reasons: '该工程档案由市城建档案馆保管' });
    const before = await counts();
    expect(
      await errorCodeOf(
        construction.answerRequest({ id: archive!.id, expectedVersion: 2, fields: { found: '是', archive_no: 'X-1' } }),
      ),
    ).toBe('ASSIST_ILLEGAL_TRANSITION');
    expect(await counts()).toEqual(before);
    const { rows } = await db.query<{ status: string; version: number }>(
      'SELECT status, version FROM assistance.requests WHERE id = $1',
      [archive!.id],
    );
    expect(rows[0]).toEqual({ status: 'declined', version: 2 });
  });
});
