import { randomUUID } from 'node:crypto';
import { creditV1 as cv } from '@onceonly/credit/client';
import { AppError } from '@onceonly/errors';
import type { Command } from 'commander';
import { type ClientOptions, call, cliOptions, toJson as json, withClient, writeLine as write } from '../client.js';
import { textArgument } from './cert.js';
import { registerCommitments } from './credit-commitments.js';

/**
 * `onceonly credit penalty|record|profile|grade|feed|repair|decide-repair|record-get|subject|commitment|post-check`:
 * CreditService of a running hub, as the
 * department named by the global `--as` (development identity, `--role` for the portal or an auditor) or by its
 * mTLS certificate. A subject is a credit code, or `--person <citizen id>` (hashed by the hub, never stored).
 * Commands on a record take `--expected-version`, the version you read (`credit profile`).
 */

type Options = ClientOptions & { json: boolean };

function withCredit<T>(options: Options, fn: (client: cv.CreditServiceClient) => Promise<T>): Promise<T> {
  return withClient(cv.CreditServiceClient, options, fn);
}

const word = (text: string, prefix: string) => text.replace(prefix, '').toLowerCase().replaceAll('_', '-');
/** A grade letter, `-` for none (a subject's first grade has no previous one). */
const letterOf = (g: cv.GradeLetter) =>
  g === cv.GradeLetter.GRADE_LETTER_UNSPECIFIED ? '-' : word(cv.gradeLetterToJSON(g), 'GRADE_LETTER_').toUpperCase();

/** A grade in words: the letter, the rule set, each reason. */
export function gradeText(g: cv.Grade | undefined): string {
  if (!g) return 'grade       (no record)';
  const letter = letterOf(g.grade);
  return [
    `grade       ${letter}  (${g.ruleSet}, as of ${g.asOf}${g.reviewOn ? `, review on ${g.reviewOn}` : ''})`,
    ...g.reasons.map(
      (r) => `  because   ${r.wordsZh} / ${r.wordsEn}${r.recordIds.length ? ` [${r.recordIds.join(', ')}]` : ''}`,
    ),
  ].join('\n');
}

/** One line per record: id, version, kind, status, decision, publicity. */
export function recordLine(r: cv.CreditRecord): string {
  const p = r.publicity;
  const number = r.body?.value.decisionNumber ?? '';
  const publicity = !p?.published
    ? `not published (${p?.notPublishedReason})`
    : `public ${p.publicFrom}…${p.publicUntil}${p.repairFrom ? `, repair from ${p.repairFrom}` : ''}${p.late ? ', late' : ''}`;
  return `${r.id}  v${r.version}  ${word(cv.recordKindToJSON(r.kind), 'RECORD_KIND_')}  ${word(cv.recordStatusToJSON(r.status), 'RECORD_STATUS_')}  ${r.decisionDate} ${number}  ${publicity}`;
}

/** A profile for people: the subject, the grade and its reasons, the records, the history. */
export function profileText(p: cv.GetCreditProfileResponse): string {
  const s = p.subject;
  return [
    `subject     ${s?.display?.value ?? ''} ${s?.name ?? ''}`.trimEnd(),
    gradeText(p.grade),
    'records',
    ...(p.records.length ? p.records.map((r) => `  ${recordLine(r)}`) : ['  (none)']),
    'history',
    ...p.history.map(
      (h) =>
        `  ${h.changedAt}  ${letterOf(h.previous)} → ${letterOf(h.grade!.grade)}${h.causeRecordId ? ` (${h.causeRecordId})` : ' (time passed)'}`,
    ),
  ].join('\n');
}

function enumList<T>(value: string, what: string, fromJson: (v: string) => T, prefix: string): T[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map((v) => {
      try {
        return fromJson(`${prefix}${v.toUpperCase().replaceAll('-', '_')}`);
      } catch {
        throw new AppError('INVALID_ARGUMENT', `${what}: unknown value ${v}`);
      }
    });
}

function versionOf(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new AppError('INVALID_ARGUMENT', '--expected-version: the version you read');
  return n;
}

export function subjectOf(code: string | undefined, person: string | undefined): cv.CreditSubject {
  if (person) return { subject: { $case: 'citizenId', value: person } };
  if (code) return { subject: { $case: 'creditCode', value: code } };
  throw new AppError('INVALID_ARGUMENT', 'name the subject: a credit code, or --person <citizen id>');
}

function printRecord(options: Options, r: { record?: cv.CreditRecord | undefined; grade?: cv.Grade | undefined }) {
  if (options.json)
    return write(
      json({ record: cv.CreditRecord.toJSON(r.record!), ...(r.grade ? { grade: cv.Grade.toJSON(r.grade) } : {}) }),
    );
  write([recordLine(r.record!), ...(r.grade ? [gradeText(r.grade)] : [])].join('\n'));
}

function registerPenalty(credit: Command): void {
  credit
    .command('penalty')
    .description('record a penalty decision (行政处罚) of your department')
    .argument('[credit code]', 'the party, an organisation')
    .option('--person <citizen id>', 'the party, a natural person (hashed by the hub, never stored)')
    .requiredOption('--party <name>', 'the party’s name as the decision gives it')
    .requiredOption('--number <text>', 'the decision number (行政处罚决定书文号)')
    .requiredOption('--name <text>', 'the penalty’s name')
    .requiredOption('--kinds <list>', 'warning, criticism, fine, confiscation, licence-revoked, … (comma-separated)')
    .requiredOption('--regime <ndrc|samr>', 'the publicity and repair regime')
    .option('--sector <name>', 'general, special-equipment, work-safety, fire, food, drugs', 'general')
    .requiredOption('--facts <text>', 'the facts (违法事实; or @file)')
    .requiredOption('--basis <text>', 'the legal basis (处罚依据; or @file)')
    .requiredOption('--result <text>', 'the result (处罚结果; or @file)')
    .option('--amount-fen <n>', 'the amount fined or confiscated, in fen', '0')
    .requiredOption('--date <YYYY-MM-DD>', 'the decision date')
    .option('--simple', 'decided under the simple procedure')
    .option('--authority <credit code>', 'your department’s code, the deciding authority (default: --as)')
    .option('--key <idempotency key>', 'repeat the same request safely (default: a new key each time)')
    .action(async (code: string | undefined, opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.RecordPenaltyRequest.fromPartial({
        idempotencyKey: typeof opts.key === 'string' ? opts.key : randomUUID(),
        subject: subjectOf(code, opts.person as string | undefined),
        partyName: String(opts.party),
        authorityCode: typeof opts.authority === 'string' ? opts.authority : (options.as ?? ''),
        penalty: {
          decisionNumber: String(opts.number),
          name: String(opts.name),
          kinds: enumList(String(opts.kinds), '--kinds', cv.penaltyKindFromJSON, 'PENALTY_KIND_'),
          regime: enumList(String(opts.regime), '--regime', cv.regimeFromJSON, 'REGIME_')[0] ?? 0,
          sector: enumList(String(opts.sector), '--sector', cv.sectorFromJSON, 'SECTOR_')[0] ?? 0,
          facts: textArgument(String(opts.facts), '--facts'),
          legalBasis: textArgument(String(opts.basis), '--basis'),
          result: textArgument(String(opts.result), '--result'),
          amountFen: String(opts.amountFen),
          decisionDate: String(opts.date),
          simpleProcedure: opts.simple === true,
        },
      });
      printRecord(options, await withCredit(options, (c) => call(c.recordPenalty.bind(c), request, options)));
    });
}

function registerRecord(credit: Command): void {
  credit
    .command('record')
    .description('record an entry on or exit from the serious-dishonesty list, or a commendation, of your department')
    .argument('[credit code]', 'the party, an organisation')
    .requiredOption('--kind <kind>', 'listing-entry, listing-exit or commendation')
    .option('--person <citizen id>', 'the party, a natural person (hashed by the hub, never stored)')
    .requiredOption('--party <name>', 'the party’s name as the decision gives it')
    .requiredOption('--number <text>', 'the decision number')
    .requiredOption('--basis <text>', 'the legal basis (or @file)')
    .requiredOption('--date <YYYY-MM-DD>', 'the decision date')
    .option('--reasons <text>', 'a list entry’s reasons or an exit’s grounds (or @file)')
    .option('--entry <record id>', 'an exit: the entry it ends')
    .option('--title <text>', 'a commendation’s title')
    .option('--authority <credit code>', 'your department’s code, the deciding authority (default: --as)')
    .option('--key <idempotency key>', 'repeat the same request safely (default: a new key each time)')
    .action(async (code: string | undefined, opts: Record<string, string | undefined>, cmd: Command) => {
      const options = cliOptions(cmd);
      const common = {
        idempotencyKey: opts.key ?? randomUUID(),
        subject: subjectOf(code, opts.person),
        partyName: String(opts.party),
        authorityCode: opts.authority ?? options.as ?? '',
      };
      const basis = textArgument(String(opts.basis), '--basis');
      if (opts.kind === 'commendation') {
        const request = cv.RecordCommendationRequest.fromPartial({
          ...common,
          commendation: {
            decisionNumber: String(opts.number),
            title: opts.title ?? '',
            legalBasis: basis,
            decisionDate: String(opts.date),
          },
        });
        return printRecord(
          options,
          await withCredit(options, (c) => call(c.recordCommendation.bind(c), request, options)),
        );
      }
      if (opts.kind !== 'listing-entry' && opts.kind !== 'listing-exit') {
        throw new AppError('INVALID_ARGUMENT', '--kind: listing-entry, listing-exit or commendation');
      }
      const request = cv.RecordListingRequest.fromPartial({
        ...common,
        exit: opts.kind === 'listing-exit',
        listing: {
          decisionNumber: String(opts.number),
          reasons: textArgument(opts.reasons ?? '', '--reasons'),
          legalBasis: basis,
          decisionDate: String(opts.date),
          entryRecordId: opts.entry ?? '',
        },
      });
      printRecord(options, await withCredit(options, (c) => call(c.recordListing.bind(c), request, options)));
    });
}

function registerReads(credit: Command): void {
  for (const [name, description] of [
    ['profile', 'a subject’s records, grade and history (your read is recorded in the audit log)'],
    ['grade', 'a subject’s grade and the rules that produced it (your read is recorded in the audit log)'],
  ] as const) {
    credit
      .command(name)
      .description(description)
      .argument('[credit code]', 'an organisation')
      .option('--person <citizen id>', 'a natural person (hashed by the hub)')
      .option('--purpose <text>', 'why you read it (required of departments)', '')
      .action(async (code: string | undefined, opts: { person?: string; purpose: string }, cmd: Command) => {
        const options = cliOptions(cmd);
        const request = cv.GetCreditProfileRequest.fromPartial({
          subject: subjectOf(code, opts.person),
          purpose: opts.purpose,
        });
        const profile = await withCredit(options, (c) => call(c.getCreditProfile.bind(c), request, options));
        if (name === 'grade') {
          return write(
            options.json ? json(profile.grade ? cv.Grade.toJSON(profile.grade) : null) : gradeText(profile.grade),
          );
        }
        write(options.json ? json(cv.GetCreditProfileResponse.toJSON(profile)) : profileText(profile));
      });
  }
  credit
    .command('feed')
    .description('the public feed (双公示): records public today, newest first')
    .option('--code <credit code>', 'only this organisation')
    .option('--kind <kind>', 'penalty, listing-entry, listing-exit, commendation, licensing, post-check, inspection')
    .option('--page-size <n>', 'records per page (1–200)', '50')
    .option('--page <token>', 'the next page (from the previous answer)')
    .action(async (opts: { code?: string; kind?: string; pageSize: string; page?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.ListPublicRecordsRequest.fromPartial({
        creditCode: opts.code ?? '',
        kind: opts.kind ? (enumList(opts.kind, '--kind', cv.recordKindFromJSON, 'RECORD_KIND_')[0] ?? 0) : 0,
        pageSize: Number(opts.pageSize),
        pageToken: opts.page ?? '',
      });
      const page = await withCredit(options, (c) => call(c.listPublicRecords.bind(c), request, options));
      if (options.json) return write(json(cv.ListPublicRecordsResponse.toJSON(page)));
      write(
        [
          `as of ${page.asOf}`,
          ...(page.records.length
            ? page.records.map((r) => `${recordLine(r)}  ${r.subject?.display?.value ?? ''} ${r.subject?.name ?? ''}`)
            : ['(none)']),
          ...(page.nextPageToken ? [`next page: --page ${page.nextPageToken}`] : []),
        ].join('\n'),
      );
    });
}

function registerRepair(credit: Command): void {
  credit
    .command('repair')
    .description('apply for credit repair (信用修复) of a record, after its minimum period')
    .argument('<record id>')
    .requiredOption('--expected-version <n>', 'the record’s version you read')
    .requiredOption(
      '--conditions <list>',
      'obligations-fulfilled, harm-removed, not-repeated, not-listed, commitment-signed',
    )
    .requiredOption('--statement <text>', 'the applicant’s statement (or @file)')
    .action(
      async (id: string, opts: { expectedVersion: string; conditions: string; statement: string }, cmd: Command) => {
        const options = cliOptions(cmd);
        const request = cv.ApplyForRepairRequest.fromPartial({
          recordId: id,
          expectedVersion: versionOf(opts.expectedVersion),
          conditions: enumList(opts.conditions, '--conditions', cv.repairConditionFromJSON, 'REPAIR_CONDITION_'),
          statement: textArgument(opts.statement, '--statement'),
        });
        printRecord(options, await withCredit(options, (c) => call(c.applyForRepair.bind(c), request, options)));
      },
    );
  credit
    .command('decide-repair')
    .description('decide a repair application on a record of your department')
    .argument('<record id>')
    .requiredOption('--expected-version <n>', 'the record’s version you read')
    .option('--grant', 'grant it: the record leaves the public feed')
    .option('--refuse', 'refuse it')
    .requiredOption('--reasons <text>', 'the reasons (or @file)')
    .action(
      async (
        id: string,
        opts: { expectedVersion: string; grant?: boolean; refuse?: boolean; reasons: string },
        cmd: Command,
      ) => {
        const options = cliOptions(cmd);
        if (opts.grant === opts.refuse) throw new AppError('INVALID_ARGUMENT', 'one of --grant or --refuse');
        const request = cv.DecideRepairRequest.fromPartial({
          recordId: id,
          expectedVersion: versionOf(opts.expectedVersion),
          granted: opts.grant === true,
          reasons: textArgument(opts.reasons, '--reasons'),
        });
        printRecord(options, await withCredit(options, (c) => call(c.decideRepair.bind(c), request, options)));
      },
    );
}

/** One record for people: its line, then the subject, the owner, the decision's terms and any repair. */
export function recordText(r: cv.CreditRecord): string {
  const s = r.subject;
  const body = r.body;
  const terms: string[] = [];
  if (body?.$case === 'penalty') {
    const p = body.value;
    const kinds = p.kinds.map((k) => word(cv.penaltyKindToJSON(k), 'PENALTY_KIND_')).join(', ');
    terms.push(`decision    ${p.decisionNumber} ${p.name}`, `kinds       ${kinds}  amount ${p.amountFen} fen`);
    terms.push(`basis       ${p.legalBasis}`, `result      ${p.result}`);
  } else if (body?.$case === 'licensing') {
    const l = body.value;
    terms.push(
      `decision    ${l.decisionNumber} ${l.licenceName}  (certificate ${l.certificateId})`,
      `licence     ${l.licenceStatus}  valid ${l.validFrom} .. ${l.validTo || '长期'}${l.commitmentId ? `  on commitment ${l.commitmentId}` : ''}`,
    );
  } else if (body?.$case === 'postCheck') {
    const c = body.value;
    terms.push(
      `decision    ${c.decisionNumber}  commitment ${c.commitmentId}  licence ${c.licenceNumber}`,
      `findings    ${c.findings}${c.inspector ? `  (inspector ${c.inspector})` : ''}`,
    );
  } else if (body?.$case === 'inspection') {
    const i = body.value;
    terms.push(
      `decision    ${i.decisionNumber}  task ${i.taskId} ${i.taskTitle}`,
      `outcome     ${i.outcome}  ${i.findings}  (inspector ${i.inspectorId})`,
    );
  } else if (body) {
    terms.push(`decision    ${body.value.decisionNumber}`, `basis       ${body.value.legalBasis}`);
  }
  const repair = r.repair;
  return [
    recordLine(r),
    `subject     ${s?.display?.value ?? ''} ${s?.name ?? ''}  (key ${s?.subjectKey ?? ''})`,
    `owner       ${r.ownerCode}  recorded on ${r.recordedOn}  rule ${r.publicity?.rule ?? ''} (${r.publicity?.ruleSet ?? ''})`,
    ...terms,
    ...(repair
      ? [
          `repair      applied ${repair.appliedOn} by ${repair.applicantCode}${repair.decidedOn ? `; ${repair.granted ? 'granted' : 'refused'} ${repair.decidedOn}: ${repair.reasons}` : '; pending'}`,
        ]
      : []),
  ].join('\n');
}

function registerRecordReads(credit: Command): void {
  credit
    .command('record-get')
    .description('one record by its id (departments and auditors; your read is recorded in the audit log)')
    .argument('<record id>')
    .option('--purpose <text>', 'why you read it (required of departments)', '')
    .action(async (id: string, opts: { purpose: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.GetRecordRequest.fromPartial({ recordId: id, purpose: opts.purpose });
      const { record } = await withCredit(options, (c) => call(c.getRecord.bind(c), request, options));
      write(options.json ? json(cv.CreditRecord.toJSON(record!)) : recordText(record!));
    });
  credit
    .command('subject')
    .description("a subject's profile by its subject key, as events name it (auditors: a person's key is their hash)")
    .argument('<subject key>', 'a credit code, or the 64-hex keyed hash of a person')
    .option('--purpose <text>', 'why you read it', '')
    .action(async (key: string, opts: { purpose: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.GetCreditProfileRequest.fromPartial({ subjectKey: key, purpose: opts.purpose });
      const profile = await withCredit(options, (c) => call(c.getCreditProfile.bind(c), request, options));
      write(options.json ? json(cv.GetCreditProfileResponse.toJSON(profile)) : profileText(profile));
    });
}

export function registerCreditCommands(program: Command): void {
  const credit = program.command('credit').description('credit records, publicity, repair and grades (信用)');
  registerPenalty(credit);
  registerRecord(credit);
  registerReads(credit);
  registerRepair(credit);
  registerCommitments(credit);
  registerRecordReads(credit);
}
