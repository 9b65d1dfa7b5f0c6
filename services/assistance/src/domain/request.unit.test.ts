import { AppError } from '@onceonly/errors';
import { CHINA_WORKDAYS as cal, type PlainDate } from '@onceonly/workdays';
import { describe, expect, it } from 'vitest';
import { findItem, reviseItem, SEEDED_ITEMS } from './catalogue.js';
import { deadlineAlerts } from './deadlines.js';
import {
  CIVIL_AFFAIRS,
  CONSTRUCTION,
  COORDINATOR,
  EMERGENCY,
  HUMAN_RESOURCES,
  JUSTICE,
  PLANNING,
} from './departments.js';
import {
  type AssistanceRequest,
  accept,
  agreeDueDate,
  answer,
  close,
  decideDispute,
  decline,
  proposeDueDate,
  raiseDispute,
  reassign,
  regularise,
  requestSupplement,
  type SubmitCommand,
  submit,
  supplement,
  withdraw,
} from './request.js';

const d = (s: string) => s as PlainDate;
const LEGAL_AID = findItem(SEEDED_ITEMS, 'PT-XZ-04'); // 区司法局 → 区民政局, 7 working days, urgent allowed
const PIPELINE = findItem(SEEDED_ITEMS, 'PT-XZ-06'); // 区建管委 → 区规划资源局, 10 working days
const SAFETY = findItem(SEEDED_ITEMS, 'PT-XZ-07'); // any → 区应急管理局, 5 working days

const justice = { department: JUSTICE.code };
const civil = { department: CIVIL_AFFAIRS.code };
const coordinator = { department: COORDINATOR.code, coordinator: true };
const person = { kind: 'person', key: 'a'.repeat(64), masked: '310107********1234' } as const;

function legalAid(more: Partial<SubmitCommand> = {}, today = d('2026-02-09')) {
  return submit(
    LEGAL_AID,
    {
      id: 'req-1',
      actor: justice,
      caseId: 'FY-2026-001',
      legalBasis: '中华人民共和国法律援助法第四十一条',
      purpose: '核查法律援助申请人经济困难状况',
      subject: person,
      fields: { aid_case_no: 'PTFY2026001' },
      ...more,
    },
    today,
    cal,
  ).request;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  throw new Error('no error');
}

function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return (err.details.fields ?? []).map((f) => `${f.field}:${f.reason}`);
    throw err;
  }
  throw new Error('no error');
}

describe('a request through its whole life', () => {
  it('investigate: submitted → accepted → answered → closed, due 7 working days across the Spring Festival', () => {
    // 2026-02-09 (Mon) + 7 working days: 02-10…02-13 (4), Sat 02-14 worked (5), 02-15…23 off, 02-24 (6), 02-25 (7)
    const submitted = legalAid();
    expect(submitted).toMatchObject({ status: 'submitted', version: 1, dueDate: '2026-02-25', itemVersion: 1 });
    const accepted = accept(submitted, { actor: civil, expectedVersion: 1 }, d('2026-02-10')).request;
    const answered = answer(
      accepted,
      LEGAL_AID,
      {
        actor: civil,
        expectedVersion: 2,
        fields: { economic_difficulty: '是', basis: '低保' },
        attachments: ['AB'.repeat(32)],
        certificates: ['1.2.156.3005.2.x'],
      },
      d('2026-02-24'),
    ).request;
    expect(answered.answer).toEqual({
      fields: { economic_difficulty: '是', basis: '低保' },
      attachments: ['ab'.repeat(32)],
      certificates: ['1.2.156.3005.2.x'],
      answeredOn: '2026-02-24',
    });
    const closed = close(
      answered,
      { actor: justice, expectedVersion: 3, rating: { timeliness: 5, effort: 4 } },
      d('2026-02-25'),
    );
    expect(closed.request).toMatchObject({ status: 'closed', version: 4, closedOn: '2026-02-25' });
    expect(closed.fact).toEqual({ type: 'closed', rating: { timeliness: 5, effort: 4 } });
  });

  it('opinion: any department asks, the provider declines with reasons, the coordinator orders assistance', () => {
    const r = submit(
      SAFETY,
      {
        id: 'req-2',
        actor: { department: PLANNING.code },
        caseId: 'GH-2026-17',
        legalBasis: '安全生产法',
        purpose: '规划许可前核查',
        fields: { enterprise: '91310000MA1FL8XQ37', since: '2023-01-01' },
      },
      d('2026-03-02'),
      cal,
    ).request;
    const declined = decline(r, {
      actor: { department: EMERGENCY.code },
      expectedVersion: 1,
      reasons: '不属于本部门职责',
    }).request;
    const disputed = raiseDispute(
      declined,
      { actor: { department: PLANNING.code }, expectedVersion: 2, reason: '属于职责范围' },
      d('2026-03-04'),
    ).request;
    expect(
      codeOf(() =>
        decideDispute(
          disputed,
          SAFETY,
          { actor: { department: PLANNING.code }, expectedVersion: 3, ruling: 'must-assist', reasons: 'x' },
          d('2026-03-05'),
          cal,
        ),
      ),
    ).toBe('ASSIST_NOT_COORDINATOR');
    const decided = decideDispute(
      disputed,
      SAFETY,
      { actor: coordinator, expectedVersion: 3, ruling: 'must-assist', reasons: '属于应急管理部门职责' },
      d('2026-03-05'),
      cal,
    ).request;
    // 2026-03-05 (Thu) + 5 working days = 03-12 (Thu)
    expect(decided).toMatchObject({ status: 'accepted', acceptedOn: '2026-03-05', dueDate: '2026-03-12' });
    expect(decided.dispute?.decision).toMatchObject({ ruling: 'must-assist' });
  });

  it('a supplement stops the clock: the due date moves by the working days it stood still', () => {
    const r = accept(legalAid(), { actor: civil, expectedVersion: 1 }, d('2026-02-10')).request;
    const asked = requestSupplement(
      r,
      { actor: civil, expectedVersion: 2, question: '请补充申请人户籍地址' },
      d('2026-02-12'),
    ).request;
    expect(
      codeOf(() =>
        answer(
          asked,
          LEGAL_AID,
          { actor: civil, expectedVersion: 3, fields: { economic_difficulty: '否' } },
          d('2026-02-13'),
        ),
      ),
    ).toBe('ASSIST_SUPPLEMENT_OPEN');
    expect(deadlineAlerts(asked, d('2026-03-31'), cal)).toEqual([]); // no alert while the clock stands still
    // asked Thu 02-12, supplied Tue 02-24: 02-13, Sat 02-14, 02-24 = 3 working days;
    // 02-25 + 3: 02-26 (1), 02-27 (2), Sat 02-28 is a make-up working day (3)
    const done = supplement(asked, LEGAL_AID, { actor: justice, expectedVersion: 3 }, d('2026-02-24'), cal);
    expect(done.fact).toEqual({ type: 'supplemented', pausedWorkingDays: 3, dueDate: '2026-02-28' });
    expect(done.request.supplement).toBeUndefined();
  });

  it('due dates are negotiated: the requester no earlier than the item allows, the other side agrees', () => {
    const r = legalAid();
    expect(
      fieldsOf(() =>
        proposeDueDate(r, LEGAL_AID, { actor: justice, expectedVersion: 1, date: '2026-02-24' }, d('2026-02-09'), cal),
      ),
    ).toEqual(['due_date:TOO_EARLY']);
    const proposed = proposeDueDate(
      r,
      LEGAL_AID,
      { actor: civil, expectedVersion: 1, date: '2026-03-06' },
      d('2026-02-10'),
      cal,
    ).request;
    expect(codeOf(() => agreeDueDate(proposed, { actor: civil, expectedVersion: 2 }))).toBe('ASSIST_NO_PROPOSAL');
    const agreed = agreeDueDate(proposed, { actor: justice, expectedVersion: 2 });
    expect(agreed.fact).toEqual({ type: 'due-date-agreed', dueDate: '2026-03-06' });
    expect(agreed.request.dueProposal).toBeUndefined();
  });

  it('urgent requests are regularised in writing within 3 working days, or flagged', () => {
    const r = legalAid({ urgent: true }, d('2026-02-12'));
    // Thu 02-12: 02-13 (1), Sat 02-14 worked (2), 02-24 (3)
    expect(r.regulariseBy).toBe('2026-02-24');
    expect(deadlineAlerts(r, d('2026-02-25'), cal).map((a) => a.kind)).toContain('regularisation-overdue');
    const written = regularise(r, { actor: justice, expectedVersion: 1 }).request;
    expect(written.regulariseBy).toBeUndefined();
    expect(codeOf(() => submit(PIPELINE, { ...pipelineCommand(), urgent: true }, d('2026-03-02'), cal))).toBe(
      'ASSIST_URGENT_NOT_ALLOWED',
    );
  });

  it('reassigns inside the provider, and withdraws', () => {
    const r = reassign(legalAid(), { actor: civil, expectedVersion: 1, assignee: '社会救助科' }).request;
    expect(r.assignee).toBe('社会救助科');
    expect(
      withdraw(r, { actor: justice, expectedVersion: 2, reason: '申请人撤回申请' }, d('2026-02-11')).request,
    ).toMatchObject({
      status: 'withdrawn',
    });
  });
});

function pipelineCommand(): SubmitCommand {
  return {
    id: 'req-3',
    actor: { department: CONSTRUCTION.code },
    caseId: 'JG-2026-3',
    legalBasis: '城乡规划法第四十条',
    purpose: '管线工程审批',
    fields: { project_name: '长寿路燃气管线', route: '长寿路自西康路至常德路', applicant: '91310000MA1FL8XQ37' },
  };
}

describe('bad input: a coded error and nothing changed', () => {
  it('refuses a requester the item does not allow, and the provider asking itself', () => {
    expect(
      codeOf(() =>
        submit(LEGAL_AID, { ...pipelineCommand(), actor: { department: HUMAN_RESOURCES.code } }, d('2026-03-02'), cal),
      ),
    ).toBe('ASSIST_REQUESTER_NOT_ALLOWED');
    expect(
      codeOf(() =>
        submit(SAFETY, { ...pipelineCommand(), actor: { department: EMERGENCY.code } }, d('2026-03-02'), cal),
      ),
    ).toBe('ASSIST_REQUESTER_NOT_ALLOWED');
  });

  it('names every missing field: case id, legal basis, purpose, the person', () => {
    expect(fieldsOf(() => legalAid({ caseId: ' ', legalBasis: '', purpose: '', subject: undefined }))).toEqual([
      'case_id:REQUIRED',
      'legal_basis:REQUIRED',
      'purpose:REQUIRED',
      'subject:REQUIRED',
    ]);
  });

  it('refuses a due date earlier than the catalogue allows, and one beyond the loaded calendar', () => {
    expect(codeOf(() => legalAid({ dueDate: '2026-02-24' }))).toBe('ASSIST_DUE_DATE_TOO_EARLY');
    expect(fieldsOf(() => legalAid({ dueDate: '2027-01-15' }))).toEqual(['due_date:DATE']);
    expect(legalAid({ dueDate: '2026-03-31' }).dueDate).toBe('2026-03-31');
  });

  it('refuses request and answer fields that do not match the schema of the version', () => {
    expect(codeOf(() => legalAid({ fields: { aid_case_no: '', colour: 'red' } }))).toBe('ASSIST_FIELDS_INVALID');
    const accepted = accept(legalAid(), { actor: civil, expectedVersion: 1 }, d('2026-02-10')).request;
    expect(
      fieldsOf(() =>
        answer(
          accepted,
          LEGAL_AID,
          { actor: civil, expectedVersion: 2, fields: { economic_difficulty: '也许' } },
          d('2026-02-11'),
        ),
      ),
    ).toEqual(['fields.economic_difficulty:FIELD_ENUM']);
    expect(
      fieldsOf(() =>
        answer(
          accepted,
          LEGAL_AID,
          { actor: civil, expectedVersion: 2, fields: { economic_difficulty: '是' }, attachments: ['md5:abc'] },
          d('2026-02-11'),
        ),
      ),
    ).toEqual(['attachments[0]:DIGEST']);
  });

  it("refuses acting on another department's request, a stale version, and a transition the lifecycle forbids", () => {
    const r = legalAid();
    expect(codeOf(() => accept(r, { actor: { department: PLANNING.code }, expectedVersion: 1 }, d('2026-02-10')))).toBe(
      'ASSIST_NOT_PROVIDER',
    );
    expect(codeOf(() => accept(r, { actor: justice, expectedVersion: 1 }, d('2026-02-10')))).toBe(
      'ASSIST_NOT_PROVIDER',
    );
    // two clerks answer at once: both read version 1, the first one wins
    const first = accept(r, { actor: civil, expectedVersion: 1 }, d('2026-02-10')).request;
    expect(codeOf(() => decline(first, { actor: civil, expectedVersion: 1, reasons: '重复' }))).toBe(
      'ASSIST_VERSION_CONFLICT',
    );
    const declined = decline(r, { actor: civil, expectedVersion: 1, reasons: '不属于本部门职责' }).request;
    expect(
      codeOf(() =>
        answer(
          declined,
          LEGAL_AID,
          { actor: civil, expectedVersion: 2, fields: { economic_difficulty: '是' } },
          d('2026-02-11'),
        ),
      ),
    ).toBe('ASSIST_ILLEGAL_TRANSITION');
    expect(
      codeOf(() =>
        answer(
          r,
          LEGAL_AID,
          { actor: civil, expectedVersion: 1, fields: { economic_difficulty: '是' } },
          d('2026-02-11'),
        ),
      ),
    ).toBe('ASSIST_ILLEGAL_TRANSITION');
    expect(fieldsOf(() => decline(r, { actor: civil, expectedVersion: 1, reasons: '  ' }))).toEqual([
      'reasons:REQUIRED',
    ]);
  });
});

describe('the catalogue', () => {
  it('seeds the seven items of Putuo item 61, each valid', () => {
    expect(SEEDED_ITEMS.map((i) => i.code)).toEqual([
      'PT-XZ-01',
      'PT-XZ-02',
      'PT-XZ-03',
      'PT-XZ-04',
      'PT-XZ-05',
      'PT-XZ-06',
      'PT-XZ-07',
    ]);
    expect(codeOf(() => findItem(SEEDED_ITEMS, 'PT-XZ-99'))).toBe('ASSIST_ITEM_UNKNOWN');
  });

  it('a change makes a new version; an open request keeps the version it was made under', () => {
    const v2 = reviseItem(LEGAL_AID, { timeLimitWorkingDays: 10 });
    expect(v2).toMatchObject({ code: 'PT-XZ-04', version: 2, timeLimitWorkingDays: 10 });
    const open: AssistanceRequest = legalAid();
    expect(findItem([...SEEDED_ITEMS, v2], 'PT-XZ-04', open.itemVersion).timeLimitWorkingDays).toBe(7);
    expect(findItem([...SEEDED_ITEMS, v2], 'PT-XZ-04').version).toBe(2);
    expect(codeOf(() => reviseItem(LEGAL_AID, { timeLimitWorkingDays: 0, providers: [] }))).toBe('ASSIST_ITEM_INVALID');
  });
});

describe('deadline alerts', () => {
  it('reminds 2 working days before, is overdue after, escalates 3 working days after (across the holiday)', () => {
    const r = legalAid(); // due 2026-02-25
    expect(deadlineAlerts(r, d('2026-02-13'), cal)).toEqual([]); // 02-14, 02-24, 02-25: 3 working days left
    expect(deadlineAlerts(r, d('2026-02-20'), cal).map((a) => a.kind)).toEqual(['reminder']); // 02-24, 02-25
    expect(deadlineAlerts(r, d('2026-02-26'), cal).map((a) => a.kind)).toEqual(['reminder', 'overdue']);
    expect(deadlineAlerts(r, d('2026-03-02'), cal).map((a) => a.kind)).toEqual(['reminder', 'overdue', 'escalation']);
    const answered = answer(
      accept(r, { actor: civil, expectedVersion: 1 }, d('2026-02-10')).request,
      LEGAL_AID,
      { actor: civil, expectedVersion: 2, fields: { economic_difficulty: '否' } },
      d('2026-02-11'),
    ).request;
    expect(deadlineAlerts(answered, d('2026-03-02'), cal)).toEqual([]);
  });
});
