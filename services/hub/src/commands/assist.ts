import { assistanceV1 as av } from '@onceonly/assistance/client';
import { AppError, invalid } from '@onceonly/errors';
import { type Command, Option } from 'commander';
import { type ClientOptions, call, cliOptions, toJson as json, withClient, writeLine as write } from '../client.js';
import { fieldsArgument, textArgument } from './cert.js';

/**
 * `onceonly assist items|publish-item|request|inbox|outbox|show|accept|decline|supplement|supply|propose-due|
 * agree-due|reassign|answer|close|withdraw|regularise|dispute|decide|stats`: AssistanceService of a running hub, as
 * the department named by the global `--as` (development identity) or by its mTLS certificate. Every command on a
 * request takes `--expected-version`, the version you read (`assist show`): a change made meanwhile by someone else
 * is refused (ASSIST_VERSION_CONFLICT), never overwritten; `publish-item` (the coordinator only) likewise takes the
 * item's latest version.
 */

type Options = ClientOptions & { json: boolean };

function withAssistance<T>(options: Options, fn: (client: av.AssistanceServiceClient) => Promise<T>): Promise<T> {
  return withClient(av.AssistanceServiceClient, options, fn);
}

const STATUS_NAMES = ['submitted', 'accepted', 'declined', 'answered', 'closed', 'withdrawn'] as const;

/** A request status in words. */
export function statusName(status: av.RequestStatus): string {
  return av.requestStatusToJSON(status).replace('REQUEST_STATUS_', '').toLowerCase();
}

/** One line per request: id, version, status, item, the other department, due date. */
export function requestLine(r: av.Request): string {
  const overdue = r.supplementQuestion ? ' (waiting for a supplement)' : '';
  return `${r.id}  v${r.version}  ${statusName(r.status).padEnd(9)}  ${r.itemCode}  ${r.requesterCode} → ${r.providerCode}  due ${r.dueDate}${overdue}`;
}

/** A request in a few lines, for people. */
export function requestText(r: av.Request): string {
  const subject = r.subject?.subject;
  const lines = [
    requestLine(r),
    `  case        ${r.caseId}`,
    `  basis       ${r.legalBasis}`,
    `  purpose     ${r.purpose}`,
    ...(subject ? [`  about       ${subject.value}`] : []),
    ...Object.entries(r.fields).map(([k, v]) => `  ${k.padEnd(11)} ${v}`),
    ...(r.urgent ? [`  urgent      written request due by ${r.regulariseBy || '(supplied)'}`] : []),
    ...(r.assignee ? [`  assignee    ${r.assignee}`] : []),
    ...(r.dueProposal
      ? [
          `  proposed    ${r.dueProposal.date} by the ${av.partyToJSON(r.dueProposal.by).replace('PARTY_', '').toLowerCase()}`,
        ]
      : []),
    ...(r.supplementQuestion ? [`  supplement  ${r.supplementQuestion} (asked ${r.supplementAskedOn})`] : []),
    ...(r.declineReasons ? [`  declined    ${r.declineReasons}`] : []),
    ...(r.answer
      ? [
          `  answered    ${r.answer.answeredOn}`,
          ...Object.entries(r.answer.fields).map(([k, v]) => `    ${k.padEnd(13)} ${v}`),
          ...r.answer.attachmentSha256.map((d) => `    attachment    sha256:${d}`),
          ...r.answer.certificateIds.map((c) => `    certificate   ${c}`),
        ]
      : []),
    ...(r.rating ? [`  rating      timeliness ${r.rating.timeliness}/5, effort ${r.rating.effort}/5`] : []),
    ...(r.dispute
      ? [
          `  dispute     ${r.dispute.reason} (${r.dispute.raisedOn})`,
          ...(r.dispute.decision
            ? [
                `  decided     ${r.dispute.decision.mustAssist ? 'must assist' : 'decline upheld'}: ${r.dispute.decision.reasons}`,
              ]
            : []),
        ]
      : []),
  ];
  return lines.join('\n');
}

const pct = (has: boolean, v: number) => (has ? `${(v * 100).toFixed(0)} %` : '—');
const light = (l: av.Light) =>
  l === av.Light.LIGHT_UNSPECIFIED ? '' : ` (${av.lightToJSON(l).replace('LIGHT_', '').toLowerCase()})`;

/** The indicators as a table, one group per line. */
export function indicatorsText(response: av.GetIndicatorsResponse): string {
  const rows = response.indicators.map(
    (i) =>
      `${i.group.padEnd(18)}  ${String(i.requests).padStart(5)}  ${pct(i.hasAcceptedWithin7Days, i.acceptedWithin7Days)}${light(i.acceptedWithin7DaysLight)}  ${i.hasAverageWorkingDaysToAnswer ? i.averageWorkingDaysToAnswer.toFixed(1) : '—'}${light(i.averageWorkingDaysToAnswerLight)}  ${pct(i.hasAnsweredByDueDate, i.answeredByDueDate)}  ${pct(i.hasNegativeRatings, i.negativeRatings)}${light(i.negativeRatingsLight)}  ${i.overdue}`,
  );
  return [
    `as of ${response.asOf}`,
    'group               requests  accepted ≤7 days  working days to answer  answered by due date  negative ratings  overdue',
    ...(rows.length > 0 ? rows : ['(no requests)']),
  ].join('\n');
}

function statusesOf(value: string | undefined): av.RequestStatus[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      if (!(STATUS_NAMES as readonly string[]).includes(s)) {
        throw new AppError('INVALID_ARGUMENT', `--status: one of ${STATUS_NAMES.join(', ')}`);
      }
      return av.requestStatusFromJSON(`REQUEST_STATUS_${s.toUpperCase()}`);
    });
}

function versionOf(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new AppError('INVALID_ARGUMENT', '--expected-version: the version you read (from 1)');
  return n;
}

/** Prints a request answered by a command. */
function printRequest(options: Options, response: { request?: av.Request | undefined }): void {
  write(options.json ? json(av.Request.toJSON(response.request!)) : requestText(response.request!));
}

/** A catalogue item in a few lines, for people: kind, time limit, departments, legal basis, fields (* required). */
export function itemText(i: av.Item): string {
  return [
    `${i.code} v${i.version}  ${i.nameZh} (${i.nameEn})`,
    `  ${av.assistanceKindToJSON(i.kind).replace('ASSISTANCE_KIND_', '').toLowerCase()}, ${i.timeLimitWorkingDays} working days${i.urgentAllowed ? ', urgent allowed' : ''}${i.aboutPerson ? ', about a person' : ''}`,
    `  provided by ${i.providerCodes.join(', ')}; asked by ${i.anyRequester ? 'any department' : i.requesterCodes.join(', ')}`,
    `  basis ${i.legalBasis?.law ?? ''} ${i.legalBasis?.article ?? ''}`,
    `  request fields ${i.requestFields.map((f) => `${f.key}${f.required ? '*' : ''}`).join(', ') || '(none)'}`,
    `  answer fields  ${i.answerFields.map((f) => `${f.key}${f.required ? '*' : ''}`).join(', ') || '(none)'}`,
  ].join('\n');
}

const ITEM_KEYS = new Set(Object.keys(av.Item.create()));
const FIELD_SPEC_KEYS = new Set(Object.keys(av.FieldSpec.create()));
const LEGAL_BASIS_KEYS = new Set(Object.keys(av.LegalBasis.create()));
const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function unknownKeys(value: unknown, known: Set<string>, at: string): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.keys(value)
    .filter((k) => !known.has(camel(k)))
    .map((k) => `${at}${k}`);
}

/**
 * The item of `publish-item --file`: an Item in the proto's JSON shape (what `assist items --json` prints for each
 * item, or `assist publish-item --json`), or a whole `assist items --json` answer holding exactly one item. A key
 * the message does not have is refused (a misspelt key would otherwise publish the field's default).
 */
export function itemFromJson(text: string, what = '--file'): av.Item {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('INVALID_ARGUMENT', [{ field: what, reason: 'JSON', description: 'not JSON' }]);
  }
  const wrapped = parsed as { items?: unknown; item?: unknown };
  let raw: unknown = parsed;
  if (parsed !== null && typeof parsed === 'object' && 'items' in wrapped) {
    if (!Array.isArray(wrapped.items) || wrapped.items.length !== 1) {
      throw invalid('INVALID_ARGUMENT', [
        { field: what, reason: 'ONE_ITEM', description: 'one item: cut the others out of the list' },
      ]);
    }
    raw = wrapped.items[0];
  } else if (parsed !== null && typeof parsed === 'object' && 'item' in wrapped) {
    raw = wrapped.item;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid('INVALID_ARGUMENT', [
      { field: what, reason: 'JSON_OBJECT', description: 'an item as a JSON object' },
    ]);
  }
  const r = raw as Record<string, unknown>;
  const fieldLists = ['requestFields', 'answerFields'].flatMap((list) => {
    const value = r[list] ?? r[list.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
    return Array.isArray(value) ? value.map((f, i) => unknownKeys(f, FIELD_SPEC_KEYS, `${list}[${i}].`)) : [];
  });
  const unknown = [
    ...unknownKeys(r, ITEM_KEYS, ''),
    ...unknownKeys(r.legalBasis ?? r.legal_basis, LEGAL_BASIS_KEYS, 'legalBasis.'),
    ...fieldLists.flat(),
  ];
  if (unknown.length > 0) {
    throw invalid(
      'INVALID_ARGUMENT',
      unknown.map((k) => ({ field: `${what}: ${k}`, reason: 'UNKNOWN_KEY', description: 'not a key of an item' })),
    );
  }
  return av.Item.fromJSON(r);
}

function registerCatalogue(assist: Command): void {
  assist
    .command('items')
    .description('the catalogue (行政协助事项目录): each item with its providers, legal basis, time limit and fields')
    .option('--all-versions', 'every version, not only the latest')
    .action(async (opts: { allVersions?: boolean }, cmd: Command) => {
      const options = cliOptions(cmd);
      const response = await withAssistance(options, (c) =>
        call(c.listItems.bind(c), av.ListItemsRequest.fromPartial({ allVersions: opts.allVersions === true }), options),
      );
      if (options.json) return write(json(av.ListItemsResponse.toJSON(response)));
      write(response.items.map(itemText).join('\n'));
    });
  assist
    .command('publish-item')
    .description(
      'the coordinator (the catalogue keeper) publishes a new item or the next version of one (编制和动态调整行政协助事项目录); open requests keep their version',
    )
    .requiredOption('--file <path>', 'the item as JSON, in the shape `assist items --json` prints one (edit it)')
    .option(
      '--expected-version <n>',
      'the latest version you read: 0 for a new item code (default: the `version` in the file, 0 without one)',
    )
    .action(async (opts: { file: string; expectedVersion?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const item = itemFromJson(textArgument(`@${opts.file}`, '--file'));
      const expectedVersion = expectedVersionOf(opts.expectedVersion ?? String(item.version));
      const response = await withAssistance(options, (c) =>
        call(c.publishItem.bind(c), av.PublishItemRequest.fromPartial({ item, expectedVersion }), options),
      );
      const published = response.item!;
      if (options.json) return write(json(av.Item.toJSON(published)));
      write(publishedText(published));
    });
}

/** What `publish-item` prints: the version stored and the item. */
export function publishedText(item: av.Item): string {
  const follows = item.version > 1 ? ` (follows v${item.version - 1}; open requests keep theirs)` : ' (a new item)';
  return `published ${item.code} v${item.version}${follows}\n${itemText(item)}`;
}

function expectedVersionOf(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new AppError('INVALID_ARGUMENT', '--expected-version: 0 for a new item, else the latest version you read');
  }
  return n;
}

function registerRequest(assist: Command): void {
  assist
    .command('request')
    .description('ask another department for assistance under a catalogue item')
    .requiredOption('--item <code>', 'catalogue item, e.g. PT-XZ-04')
    .requiredOption('--case <id>', 'your case id')
    .requiredOption('--basis <text>', 'the legal basis you ask under (or @file)')
    .requiredOption('--purpose <text>', 'why you ask (or @file)')
    .option('--fields <json>', 'the item’s request fields as a JSON object of strings (or @file)', '{}')
    .option('--provider <code>', 'the providing department, when the item has several')
    .option(
      '--about-person <citizen id>',
      'the person the request is about (hashed and masked by the hub, never stored)',
    )
    .option('--about-org <credit code>', 'the organisation the request is about')
    .option('--due <date>', 'the date you need the answer by (YYYY-MM-DD; default: the earliest the item allows)')
    .option('--urgent', 'an urgent (oral) request: supply the written one within 3 working days (assist regularise)')
    .option('--key <idempotency key>', 'repeat the same request safely (default: a new key each time)')
    .action(async (opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const options = cliOptions(cmd);
      const subject = opts.aboutPerson
        ? { subject: { $case: 'citizenId' as const, value: String(opts.aboutPerson) } }
        : opts.aboutOrg
          ? { subject: { $case: 'organisationCode' as const, value: String(opts.aboutOrg) } }
          : undefined;
      const request = av.SubmitRequestRequest.fromPartial({
        idempotencyKey: typeof opts.key === 'string' ? opts.key : crypto.randomUUID(),
        itemCode: String(opts.item),
        providerCode: typeof opts.provider === 'string' ? opts.provider : '',
        caseId: String(opts.case),
        legalBasis: textArgument(String(opts.basis), '--basis'),
        purpose: textArgument(String(opts.purpose), '--purpose'),
        fields: fieldsArgument(String(opts.fields)),
        dueDate: typeof opts.due === 'string' ? opts.due : '',
        urgent: opts.urgent === true,
        ...(subject ? { subject } : {}),
      });
      const response = await withAssistance(options, (c) => call(c.submitRequest.bind(c), request, options));
      printRequest(options, response);
    });
}

function registerLists(assist: Command): void {
  for (const [name, side] of [
    ['inbox', 'the requests you provide'],
    ['outbox', 'the requests you made'],
  ] as const) {
    assist
      .command(name)
      .description(`${side}, newest first`)
      .option('--status <list>', `only these statuses (${STATUS_NAMES.join(',')})`)
      .option('--item <code>', 'only this catalogue item')
      .option('--overdue', 'only requests past their due date with the clock running')
      .option('--page-size <n>', 'requests per page (1–200)', '50')
      .option('--page <token>', 'the next page (from the previous answer)')
      .action(
        async (
          opts: { status?: string; item?: string; overdue?: boolean; pageSize: string; page?: string },
          cmd: Command,
        ) => {
          const options = cliOptions(cmd);
          const request = {
            filter: {
              statuses: statusesOf(opts.status),
              itemCode: opts.item ?? '',
              overdueOnly: opts.overdue === true,
            },
            pageSize: Number(opts.pageSize),
            pageToken: opts.page ?? '',
          };
          const response =
            name === 'inbox'
              ? await withAssistance(options, (c) =>
                  call(c.listInbox.bind(c), av.ListInboxRequest.fromPartial(request), options),
                )
              : await withAssistance(options, (c) =>
                  call(c.listOutbox.bind(c), av.ListOutboxRequest.fromPartial(request), options),
                );
          if (options.json)
            return write(
              json({
                requests: response.requests.map((r) => av.Request.toJSON(r)),
                nextPageToken: response.nextPageToken,
              }),
            );
          const lines = response.requests.length === 0 ? ['no requests'] : response.requests.map(requestLine);
          if (response.nextPageToken) lines.push(`next page: --page ${response.nextPageToken}`);
          write(lines.join('\n'));
        },
      );
  }
  assist
    .command('show <id>')
    .description('one request (its two departments and the coordinator), with the version to name in commands')
    .action(async (id: string, _opts: object, cmd: Command) => {
      const options = cliOptions(cmd);
      const response = await withAssistance(options, (c) =>
        call(c.getRequest.bind(c), av.GetRequestRequest.fromPartial({ id }), options),
      );
      printRequest(options, response);
    });
}

/** A command on a request: `<id> --expected-version <n>` and its own options. */
function requestCommand<Req>(
  assist: Command,
  spec: {
    name: string;
    description: string;
    options?: (c: Command) => Command;
    build: (id: string, expectedVersion: number, opts: Record<string, string | boolean | undefined>) => Req;
    method: (client: av.AssistanceServiceClient) => (req: Req, ...rest: never[]) => unknown;
  },
): void {
  const command = assist
    .command(`${spec.name} <id>`)
    .description(spec.description)
    .requiredOption('--expected-version <n>', 'the version you read (assist show): a change made meanwhile is refused');
  (spec.options ?? ((c) => c))(command).action(
    async (id: string, opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = spec.build(id, versionOf(String(opts.expectedVersion)), opts);
      const response = await withAssistance(options, (c) =>
        call(spec.method(c).bind(c) as never, request as never, options),
      );
      printRequest(options, response as { request?: av.Request });
    },
  );
}

function registerCommands(assist: Command): void {
  const text = (opts: Record<string, unknown>, key: string, what: string) =>
    textArgument(String(opts[key] ?? ''), what);
  requestCommand(assist, {
    name: 'accept',
    description: 'accept a request you provide (a step of its own before the answer)',
    build: (id, expectedVersion) => av.AcceptRequestRequest.fromPartial({ id, expectedVersion }),
    method: (c) => c.acceptRequest,
  });
  requestCommand(assist, {
    name: 'decline',
    description: 'decline a request you provide, with written reasons',
    options: (c) => c.requiredOption('--reasons <text>', 'why (or @file)'),
    build: (id, expectedVersion, o) =>
      av.DeclineRequestRequest.fromPartial({ id, expectedVersion, reasons: text(o, 'reasons', '--reasons') }),
    method: (c) => c.declineRequest,
  });
  requestCommand(assist, {
    name: 'supplement',
    description: 'ask the requester for supplementary information (补正): the clock stops until it is supplied',
    options: (c) => c.requiredOption('--question <text>', 'what is missing (or @file)'),
    build: (id, expectedVersion, o) =>
      av.RequestSupplementRequest.fromPartial({ id, expectedVersion, question: text(o, 'question', '--question') }),
    method: (c) => c.requestSupplement,
  });
  requestCommand(assist, {
    name: 'supply',
    description: 'supply what the provider asked for (corrected fields optional): the clock runs again',
    options: (c) => c.option('--fields <json>', 'the corrected request fields (or @file)'),
    build: (id, expectedVersion, o) =>
      av.SupplyRequestRequest.fromPartial({
        id,
        expectedVersion,
        fields: o.fields ? fieldsArgument(String(o.fields)) : {},
      }),
    method: (c) => c.supplyRequest,
  });
  requestCommand(assist, {
    name: 'propose-due',
    description: 'propose a due date; the other department agrees with assist agree-due',
    options: (c) => c.requiredOption('--date <date>', 'YYYY-MM-DD'),
    build: (id, expectedVersion, o) =>
      av.ProposeDueDateRequest.fromPartial({ id, expectedVersion, date: String(o.date) }),
    method: (c) => c.proposeDueDate,
  });
  requestCommand(assist, {
    name: 'agree-due',
    description: 'agree to the due date the other department proposed',
    build: (id, expectedVersion) => av.AgreeDueDateRequest.fromPartial({ id, expectedVersion }),
    method: (c) => c.agreeDueDate,
  });
  requestCommand(assist, {
    name: 'reassign',
    description: 'hand a request you provide to another clerk or unit',
    options: (c) => c.requiredOption('--to <assignee>', 'the clerk or unit (no personal data)'),
    build: (id, expectedVersion, o) =>
      av.ReassignRequestRequest.fromPartial({ id, expectedVersion, assignee: String(o.to) }),
    method: (c) => c.reassignRequest,
  });
  requestCommand(assist, {
    name: 'answer',
    description: 'answer an accepted request: the item’s answer fields, attachments by SHA-256, e-certificates',
    options: (c) =>
      c
        .requiredOption('--fields <json>', 'the answer fields as a JSON object of strings (or @file)')
        .option('--attachment <sha256...>', 'SHA-256 digests of attached documents')
        .option('--certificate <id...>', 'e-certificates the requester can verify'),
    build: (id, expectedVersion, o) =>
      av.AnswerRequestRequest.fromPartial({
        id,
        expectedVersion,
        fields: fieldsArgument(String(o.fields)),
        attachmentSha256: (o.attachment as unknown as string[] | undefined) ?? [],
        certificateIds: (o.certificate as unknown as string[] | undefined) ?? [],
      }),
    method: (c) => c.answerRequest,
  });
  requestCommand(assist, {
    name: 'close',
    description: 'close an answered request you made, rating timeliness and effort (1–5)',
    options: (c) =>
      c
        .addOption(new Option('--timeliness <n>', 'timeliness, 1 (poor) to 5').makeOptionMandatory())
        .addOption(new Option('--effort <n>', 'effort, 1 (poor) to 5').makeOptionMandatory())
        .option('--comment <text>', 'a comment (or @file)'),
    build: (id, expectedVersion, o) =>
      av.CloseRequestRequest.fromPartial({
        id,
        expectedVersion,
        rating: {
          timeliness: Number(o.timeliness),
          effort: Number(o.effort),
          comment: o.comment ? text(o, 'comment', '--comment') : '',
        },
      }),
    method: (c) => c.closeRequest,
  });
  requestCommand(assist, {
    name: 'withdraw',
    description: 'withdraw a request you made that is not answered yet',
    options: (c) => c.requiredOption('--reason <text>', 'why (or @file)'),
    build: (id, expectedVersion, o) =>
      av.WithdrawRequestRequest.fromPartial({ id, expectedVersion, reason: text(o, 'reason', '--reason') }),
    method: (c) => c.withdrawRequest,
  });
  requestCommand(assist, {
    name: 'regularise',
    description: 'supply the written form of an urgent request (due within 3 working days)',
    build: (id, expectedVersion) => av.RegulariseRequestRequest.fromPartial({ id, expectedVersion }),
    method: (c) => c.regulariseRequest,
  });
  requestCommand(assist, {
    name: 'dispute',
    description: 'dispute a decline; the coordinator decides',
    options: (c) => c.requiredOption('--reason <text>', 'why the provider must assist (or @file)'),
    build: (id, expectedVersion, o) =>
      av.RaiseDisputeRequest.fromPartial({ id, expectedVersion, reason: text(o, 'reason', '--reason') }),
    method: (c) => c.raiseDispute,
  });
  requestCommand(assist, {
    name: 'decide',
    description: 'the coordinator decides a dispute: --must-assist reopens the request, else the decline stands',
    options: (c) =>
      c
        .option('--must-assist', 'the provider must assist')
        .requiredOption('--reasons <text>', 'the decision’s reasons (or @file)'),
    build: (id, expectedVersion, o) =>
      av.DecideDisputeRequest.fromPartial({
        id,
        expectedVersion,
        mustAssist: o.mustAssist === true,
        reasons: text(o, 'reasons', '--reasons'),
      }),
    method: (c) => c.decideDispute,
  });
}

function registerStats(assist: Command): void {
  assist
    .command('stats')
    .description('indicators as the EU publishes them for IMI: accepted within 7 days, working days to answer, ...')
    .addOption(new Option('--by <grouping>', 'group by').choices(['provider', 'requester', 'item']).default('provider'))
    .option('--from <date>', 'requests submitted from this date (YYYY-MM-DD)')
    .option('--to <date>', 'and before this date')
    .action(async (opts: { by: string; from?: string; to?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const grouping = {
        provider: av.IndicatorGrouping.INDICATOR_GROUPING_PROVIDER,
        requester: av.IndicatorGrouping.INDICATOR_GROUPING_REQUESTER,
        item: av.IndicatorGrouping.INDICATOR_GROUPING_ITEM,
      }[opts.by]!;
      const request = av.GetIndicatorsRequest.fromPartial({ grouping, from: opts.from ?? '', to: opts.to ?? '' });
      const response = await withAssistance(options, (c) => call(c.getIndicators.bind(c), request, options));
      write(options.json ? json(av.GetIndicatorsResponse.toJSON(response)) : indicatorsText(response));
    });
}

/** Adds `onceonly assist …` to the command line. */
export function registerAssistCommands(program: Command): void {
  const assist = program.command('assist').description('administrative assistance between departments (行政协助)');
  registerCatalogue(assist);
  registerRequest(assist);
  registerLists(assist);
  registerCommands(assist);
  registerStats(assist);
}
