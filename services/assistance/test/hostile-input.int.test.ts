/**
 * Hostile input at the edge of the assistance service, through gRPC to the service on PostgreSQL: every case answers
 * a coded error (status, ErrorInfo reason, field) and writes nothing. Raw bytes go through a raw client, so that
 * invalid UTF-8, field number 0 and oversized messages reach the server as they are.
 */
import { status } from '@grpc/grpc-js';
import { assistanceV1 as av } from '@onceonly/contracts';
import type { AppError } from '@onceonly/errors';
import { type ExpectedRefusal, oversizedRequest, refusalOf, refusedRawCall, withRawBytes } from '@onceonly/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIVIL_AFFAIRS, JUSTICE } from '../src/domain/departments.js';
import { type AssistanceHost, CITIZEN_ID, startAssistanceHost } from './support.js';

const SUBMIT = '/onceonly.assistance.v1.AssistanceService/SubmitRequest';
let hub: AssistanceHost;
let requestId = '';
let keys = 0;

function submitRequest(more: Partial<av.SubmitRequestRequest> = {}): av.SubmitRequestRequest {
  return av.SubmitRequestRequest.fromPartial({
    idempotencyKey: `hostile-${++keys}-${Date.now()}`,
    itemCode: 'PT-XZ-04',
    caseId: 'FY-H',
    legalBasis: '法律援助法第四十一条',
    purpose: '核查经济困难状况',
    subject: { subject: { $case: 'citizenId', value: CITIZEN_ID } },
    fields: { aid_case_no: 'H1' },
    ...more,
  });
}

async function refused(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('the call was not refused');
}

async function counts(): Promise<{ requests: number; outbox: number; keys: number }> {
  const { rows } = await hub.db.query<{ requests: number; outbox: number; keys: number }>(
    `SELECT (SELECT count(*)::int FROM assistance.requests) AS requests,
            (SELECT count(*)::int FROM assistance.outbox) AS outbox,
            (SELECT count(*)::int FROM assistance.idempotency_keys) AS keys`,
  );
  return rows[0]!;
}

beforeAll(async () => {
  hub = await startAssistanceHost({
    name: 'assistance-hostile',
    env: { ONCEONLY_HOLDER_HASH_KEY: 'assistance-hostile-hash-key-0123456789' },
    clock: () => new Date('2026-03-02T02:00:00Z'),
  });
  requestId = (await hub.as(JUSTICE.code).submitRequest(submitRequest())).request!.id;
});

afterAll(async () => {
  await hub?.stop();
});

type Expected = ExpectedRefusal;
const text = (field: string, reason: string): Expected => ({
  status: status.INVALID_ARGUMENT,
  code: 'TEXT_INVALID',
  field,
  reason,
});
const raw = (bytes: Buffer) =>
  refusedRawCall(hub.host.address, SUBMIT, bytes, { code: JUSTICE.code, role: 'department' });
const submitting = (more: Partial<av.SubmitRequestRequest>) => () => refused(hub.as(JUSTICE.code).submitRequest(more));

const cases: [string, () => Promise<AppError>, Expected][] = [
  [
    'a NUL byte in the purpose',
    () => refused(hub.as(JUSTICE.code).submitRequest(submitRequest({ purpose: '核查\u0000状况' }))),
    text('purpose', 'CONTROL_CHARACTER'),
  ],
  [
    'a right-to-left override in the case id',
    () => refused(hub.as(JUSTICE.code).submitRequest(submitRequest({ caseId: 'FY\u202e-1' }))),
    text('case_id', 'BIDI_CONTROL'),
  ],
  [
    'a citizen ID in the legal basis',
    () => refused(hub.as(JUSTICE.code).submitRequest(submitRequest({ legalBasis: `依据 ${CITIZEN_ID}` }))),
    { status: status.INVALID_ARGUMENT, code: 'PERSONAL_DATA_IN_TEXT', field: 'legal_basis', reason: 'CITIZEN_ID' },
  ],
  [
    'a citizen ID in a request field',
    () => refused(hub.as(JUSTICE.code).submitRequest(submitRequest({ fields: { aid_case_no: CITIZEN_ID } }))),
    {
      status: status.INVALID_ARGUMENT,
      code: 'PERSONAL_DATA_IN_TEXT',
      field: 'fields.aid_case_no',
      reason: 'CITIZEN_ID',
    },
  ],
  [
    'a field key that is not snake_case',
    () => refused(hub.as(JUSTICE.code).submitRequest(submitRequest({ fields: { 'Aid Case': 'x' } }))),
    { status: status.INVALID_ARGUMENT, code: 'INVALID_ARGUMENT', field: 'fields', reason: 'FIELD_KEY' },
  ],
  [
    'a masked citizen ID as the subject',
    () =>
      refused(
        hub
          .as(JUSTICE.code)
          .submitRequest(
            submitRequest({ subject: { subject: { $case: 'maskedCitizenId', value: '110105********002X' } } }),
          ),
      ),
    { status: status.INVALID_ARGUMENT, code: 'INVALID_ARGUMENT', field: 'subject', reason: 'MASKED' },
  ],
  [
    'a citizen ID with a wrong check character',
    () =>
      refused(
        hub
          .as(JUSTICE.code)
          .submitRequest(submitRequest({ subject: { subject: { $case: 'citizenId', value: '110105194912310021' } } })),
      ),
    { status: status.INVALID_ARGUMENT, code: 'INVALID_ARGUMENT', field: 'subject.citizen_id', reason: 'CITIZEN_ID' },
  ],
  [
    'a due date that is not a date',
    () => refused(hub.as(JUSTICE.code).submitRequest(submitRequest({ dueDate: '2026-02-30' }))),
    { status: status.INVALID_ARGUMENT, code: 'INVALID_ARGUMENT', field: 'due_date', reason: 'DATE' },
  ],
  [
    'an attachment that is not a SHA-256 digest',
    () =>
      refused(
        hub.as(CIVIL_AFFAIRS.code).answerRequest({
          id: requestId,
          expectedVersion: 1,
          fields: { economic_difficulty: '是' },
          attachmentSha256: ['../../etc/passwd'],
        }),
      ),
    // the command's version and status are checked first: the request is not accepted yet
    { status: status.FAILED_PRECONDITION, code: 'ASSIST_ILLEGAL_TRANSITION', field: '', reason: '' },
  ],
  [
    'invalid UTF-8 bytes sent raw in the purpose',
    () =>
      raw(
        withRawBytes(
          (purpose) => av.SubmitRequestRequest.encode(submitRequest({ purpose })).finish(),
          Buffer.from([0x41, 0xff, 0xfe, 0x42]),
        ),
      ),
    text('purpose', 'INVALID_UTF8'),
  ],
  [
    'a message over the 4 MiB receive limit',
    () => raw(oversizedRequest(4 * 1024 * 1024 + 64)),
    { status: status.RESOURCE_EXHAUSTED, code: 'REQUEST_TOO_LARGE', field: 'request', reason: 'TOO_LARGE' },
  ],
  [
    'a protobuf field number 0',
    () =>
      raw(
        Buffer.concat([
          Buffer.from(av.SubmitRequestRequest.encode(submitRequest()).finish()),
          Buffer.from([0x02, 0x01, 0x41]),
        ]),
      ),
    { status: status.INVALID_ARGUMENT, code: 'REQUEST_MALFORMED', field: 'request', reason: 'FIELD_NUMBER_ZERO' },
  ],
];

describe('hostile input at the assistance service edge', () => {
  it.each(cases)('refuses %s with a coded error and writes nothing', async (_name, send, expected) => {
    const before = await counts();
    const err = await send();
    expect(refusalOf(err, expected.field)).toEqual(expected);
    expect(await counts()).toEqual(before);
  });

  it('keeps the citizen ID out of the error, the stored request, the outbox and the logs', async () => {
    const err = await submitting(submitRequest({ purpose: `核查 ${CITIZEN_ID}` }))();
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain(CITIZEN_ID);
    expect(hub.host.logText()).not.toContain(CITIZEN_ID);
    for (const table of ['requests', 'outbox', 'idempotency_keys']) {
      const { rows } = await hub.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM assistance.${table} t WHERE position($1 in t::text) > 0`,
        [CITIZEN_ID],
      );
      expect(rows[0]!.n, table).toBe(0);
    }
    // event bodies are bytes (text casts render them in hex): search the bytes themselves, in every event written
    const { rows } = await hub.db.query<{ n: number; events: number }>(
      `SELECT count(*) FILTER (WHERE position(convert_to($1, 'UTF8') in body) > 0)::int AS n, count(*)::int AS events
       FROM assistance.outbox`,
      [CITIZEN_ID],
    );
    expect(rows[0]).toMatchObject({ n: 0 });
    expect(rows[0]!.events).toBeGreaterThan(0);
  });
});
