import { creditV1 as cv } from '@onceonly/contracts';
import { type Caller, FieldCheck, unary } from '@onceonly/kit';
import { listCommitmentsCase, type PostCheckInput, recordPostCheckCase } from '../../app/commitments.js';
import type { CreditDeps } from '../../app/ports.js';
import { MAX_NAME, MAX_TEXT } from '../../domain/records.js';
import { subject } from './credit-requests.js';
import { commitmentToProto, gradeToProto, recordToProto } from './to-proto.js';

/** The commitment RPCs (告知承诺, issue 13 item 4): parsers and handlers, merged into CreditService's. */

const RESULT_OF = new Map<number, 'kept' | 'broken'>([
  [cv.PostCheckResult.POST_CHECK_RESULT_KEPT, 'kept'],
  [cv.PostCheckResult.POST_CHECK_RESULT_BROKEN, 'broken'],
]);

const actorOf = (caller: Caller) => ({ code: caller.departmentCode, role: caller.role });

export function parseRecordPostCheck(r: cv.RecordPostCheckRequest, caller: Caller): PostCheckInput {
  return FieldCheck.parse((check) => {
    const result = RESULT_OF.get(r.result);
    if (result === undefined) check.fail('result', 'REQUIRED', 'kept or broken');
    return {
      actor: actorOf(caller),
      commitmentId: check.text('commitment_id', r.commitmentId, { max: 100, required: true, trim: true }),
      result,
      findings: check.text('findings', r.findings, { max: MAX_TEXT, required: true, multiline: true, trim: true }),
      inspector: check.text('inspector', r.inspector, { max: MAX_NAME, trim: true }),
    };
  });
}

export function parseListCommitments(r: cv.ListCommitmentsRequest, caller: Caller) {
  return FieldCheck.parse((check) => ({
    actor: actorOf(caller),
    subject: subject(check, r.subject),
    overdueOnly: r.overdueOnly,
  }));
}

export function commitmentHandlers(
  deps: CreditDeps,
): Pick<cv.CreditServiceServer, 'listCommitments' | 'recordPostCheck'> {
  return {
    listCommitments: unary(async (r, { caller }) => ({
      commitments: (await listCommitmentsCase(deps, parseListCommitments(r, caller))).map(commitmentToProto),
    })),
    recordPostCheck: unary(async (r, { caller }) => {
      const out = await recordPostCheckCase(deps, parseRecordPostCheck(r, caller));
      return {
        commitment: commitmentToProto(out.commitment),
        record: out.record ? recordToProto(out.record) : undefined,
        grade: out.grade ? gradeToProto(out.grade) : undefined,
        replayed: out.replayed,
      };
    }),
  };
}
