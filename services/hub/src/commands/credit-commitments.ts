import { creditV1 as cv } from '@onceonly/credit/client';
import { AppError } from '@onceonly/errors';
import type { Command } from 'commander';
import { call, cliOptions, toJson as json, withClient, writeLine as write } from '../client.js';
import { textArgument } from './cert.js';
import { gradeText, recordLine, subjectOf } from './credit.js';

/**
 * `onceonly credit commitment|post-check`: the commitments (告知承诺) the credit service tracks from the licences
 * granted on one, and the issuing department's post-approval check (批后核查). A broken commitment becomes a credit
 * record, and the certificate service withdraws the licence on its event (issue 13 item 4, ADR 024).
 */

const word = (text: string, prefix: string) => text.replace(prefix, '').toLowerCase().replaceAll('_', '-');

/** One line per commitment: id, status, licence, due date, and the check when there was one. */
export function commitmentLine(c: cv.CommitmentRecord): string {
  const status = word(cv.commitmentStatusToJSON(c.status), 'COMMITMENT_STATUS_');
  const check = c.checkedOn
    ? `  checked ${c.checkedOn}${c.inspector ? ` by ${c.inspector}` : ''}: ${c.findings}${c.postCheckRecordId ? ` [record ${c.postCheckRecordId}]` : ''}`
    : '';
  const overdue = c.overdueOn ? `  OVERDUE (announced ${c.overdueOn})` : '';
  return `${c.id}  ${status}  ${c.licenceName} ${c.licenceNumber}  granted ${c.grantedOn}  check due ${c.postCheckDue}  by ${c.ownerCode}${overdue}${check}`;
}

/** A subject's commitments, one line each. */
export function commitmentsText(list: readonly cv.CommitmentRecord[]): string {
  return list.length ? list.map(commitmentLine).join('\n') : '(no commitment)';
}

/** A post-check's answer: the commitment and, for a broken one, the record and the grade. */
export function postCheckText(r: cv.RecordPostCheckResponse): string {
  return [
    `${r.replayed ? '(already recorded) ' : ''}${commitmentLine(r.commitment!)}`,
    ...(r.record ? [`record      ${recordLine(r.record)}`] : []),
    ...(r.grade ? [gradeText(r.grade)] : []),
  ].join('\n');
}

const RESULTS: Record<string, cv.PostCheckResult> = {
  kept: cv.PostCheckResult.POST_CHECK_RESULT_KEPT,
  broken: cv.PostCheckResult.POST_CHECK_RESULT_BROKEN,
};

/** Adds `credit commitment` and `credit post-check`. */
export function registerCommitments(credit: Command): void {
  credit
    .command('commitment')
    .description('a subject’s commitments (告知承诺) and their post-check status')
    .argument('[credit code]', 'an organisation')
    .option('--person <citizen id>', 'a natural person (hashed by the hub)')
    .option('--overdue', 'only the overdue ones: still open after their post-check due date')
    .action(async (code: string | undefined, opts: { person?: string; overdue?: boolean }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.ListCommitmentsRequest.fromPartial({
        subject: subjectOf(code, opts.person),
        overdueOnly: opts.overdue === true,
      });
      const { commitments } = await withClient(cv.CreditServiceClient, options, (c) =>
        call(c.listCommitments.bind(c), request, options),
      );
      write(
        options.json
          ? json({ commitments: commitments.map((c) => cv.CommitmentRecord.toJSON(c)) })
          : commitmentsText(commitments),
      );
    });
  credit
    .command('post-check')
    .description('record the post-approval check (批后核查) of a commitment of your department: kept or broken')
    .argument('<commitment id>')
    .requiredOption('--result <kept|broken>', 'kept, or broken (the licence is then withdrawn)')
    .requiredOption('--findings <text>', 'what the check found (or @file)')
    .option('--inspector <id>', 'the inspector who checked', '')
    .action(async (id: string, opts: { result: string; findings: string; inspector: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const result = RESULTS[opts.result];
      if (result === undefined) throw new AppError('INVALID_ARGUMENT', '--result: kept or broken');
      const request = cv.RecordPostCheckRequest.fromPartial({
        commitmentId: id,
        result,
        findings: textArgument(opts.findings, '--findings'),
        inspector: opts.inspector,
      });
      const answer = await withClient(cv.CreditServiceClient, options, (c) =>
        call(c.recordPostCheck.bind(c), request, options),
      );
      write(options.json ? json(cv.RecordPostCheckResponse.toJSON(answer)) : postCheckText(answer));
    });
}
