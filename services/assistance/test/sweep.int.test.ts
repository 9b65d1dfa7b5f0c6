import { assistanceEventsV1 as ev } from '@onceonly/contracts';
import { waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIVIL_AFFAIRS, JUSTICE } from '../src/domain/departments.js';
import { type AssistanceHost, CITIZEN_ID, startAssistanceHost } from './support.js';

// The sweep on PostgreSQL and Kafka, running every 100 ms while the test moves the clock: each deadline alert is
// published once however often it runs, and a finished request's personal data is purged after the retention.

let hub: AssistanceHost;
let now = new Date('2026-02-09T02:00:00Z');

beforeAll(async () => {
  hub = await startAssistanceHost({
    name: 'assistance-sweep',
    clock: () => now,
    env: {
      ONCEONLY_HOLDER_HASH_KEY: 'assistance-sweep-hash-key-0123456789',
      ONCEONLY_ASSISTANCE_SWEEP_MS: '100',
      ONCEONLY_ASSISTANCE_RETENTION_DAYS: '30',
    },
  });
});

afterAll(async () => {
  await hub?.stop();
});

const typesOf = (id: string) =>
  hub.seen.filter((m) => m.key?.toString() === id).map((m) => m.headers?.ce_type?.toString());
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the assistance sweep', () => {
  it('reminds, marks overdue and escalates once each across the Spring Festival, then purges personal data after closing', async () => {
    const justice = hub.as(JUSTICE.code);
    const civil = hub.as(CIVIL_AFFAIRS.code);
    const { request } = await justice.submitRequest({
      idempotencyKey: `sweep-${Date.now()}`,
      itemCode: 'PT-XZ-04',
      caseId: 'FY-S',
      legalBasis: '法律援助法第四十一条',
      purpose: '核查',
      subject: { subject: { $case: 'citizenId', value: CITIZEN_ID } },
      fields: { aid_case_no: 'S1' },
    });
    const id = request!.id; // due 2026-02-25
    await civil.acceptRequest({ id, expectedVersion: 1 });
    now = new Date('2026-02-20T02:00:00Z'); // 02-24, 02-25 left: a reminder
    await waitFor(() => typesOf(id).includes('assistance.request.reminder') || undefined, {
      timeoutMs: 30_000,
      message: 'the reminder',
    });
    now = new Date('2026-03-02T02:00:00Z'); // 02-26, 02-27, Sat 02-28 (worked), 03-02 past the due date: overdue, escalated
    await waitFor(() => typesOf(id).includes('assistance.request.escalated') || undefined, {
      timeoutMs: 30_000,
      message: 'the escalation',
    });
    await pause(1_000); // ten more sweeps: nothing twice
    const alerts = typesOf(id).filter((t) => /reminder|overdue|escalated/.test(t ?? ''));
    expect(alerts).toEqual([
      'assistance.request.reminder',
      'assistance.request.overdue',
      'assistance.request.escalated',
    ]);
    const escalation = hub.seen.find(
      (m) => m.key?.toString() === id && m.headers?.ce_type?.toString() === 'assistance.request.escalated',
    )!;
    expect(ev.RequestDeadlineAlert.decode(escalation.value!)).toMatchObject({
      alert: 'escalation',
      date: '2026-02-25',
    });

    await civil.answerRequest({ id, expectedVersion: 2, fields: { economic_difficulty: '否' } });
    await justice.closeRequest({ id, expectedVersion: 3, rating: { timeliness: 2, effort: 3, comment: '' } });
    now = new Date('2026-04-15T02:00:00Z'); // closed 03-02 + 30 days
    await waitFor(() => typesOf(id).includes('assistance.request.personal-data-purged') || undefined, {
      timeoutMs: 30_000,
      message: 'the purge',
    });
    const { rows } = await hub.db.query<{
      state: { subject?: unknown; fields: object; answer: { fields: object } };
      subject_key: string | null;
    }>('SELECT state, subject_key FROM assistance.requests WHERE id = $1', [id]);
    expect(rows[0]).toMatchObject({ subject_key: null, state: { fields: {}, answer: { fields: {} } } });
    expect(rows[0]!.state.subject).toBeUndefined();
    // the requester still sees the request, without the person
    const { request: after } = await justice.getRequest({ id });
    expect(after).toMatchObject({ version: 5, fields: {} });
    expect(after?.subject).toBeUndefined();
  });
});
