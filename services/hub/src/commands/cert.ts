import { readFileSync, writeFileSync } from 'node:fs';
import {
  certificateV1 as cv,
  HolderCodeType,
  type OfflineVerification,
  type StatusPurpose,
  verifyOffline,
} from '@onceonly/certificate/client';
import { AppError, invalid } from '@onceonly/errors';
import { type Command, Option } from 'commander';
import { type ClientOptions, call, cliOptions, toJson as json, withClient, writeLine as write } from '../client.js';
import { registerCertVersionCommands } from './cert-versions.js';
import { QR_ERROR_CORRECTION, qrPng, qrSvg, qrVersion } from './qr.js';
import { trustListJson, trustListLines } from './trust.js';
import { type Answers, answerLines, findingLinesOf, reasonLinesOf, verifyExitCode } from './verdict.js';

/**
 * `onceonly cert types|issue|get|revoke|suspend|resume|cancel|status-list|verify`: CertificateService of a running
 * hub, as the department named by the global `--as` (development identity) or by its mTLS certificate.
 * `cert verify --offline` needs no hub: it checks the seal, and its revocation, against the trust list PEM
 * (`onceonly trust bundle > trust.pem`; a stale or missing list is a warning, or with `--refuse-stale` a refusal) and, with `--status-list <file>` (from `onceonly cert status-list`), the live status.
 */

type Options = ClientOptions & { json: boolean };

/** Runs `fn` with a CertificateServiceClient, closed afterwards. */
function withCertificates<T>(options: Options, fn: (client: cv.CertificateServiceClient) => Promise<T>): Promise<T> {
  return withClient(cv.CertificateServiceClient, options, fn);
}

/** `text`, or the content of the file after `@`. */
export function textArgument(value: string, what: string): string {
  if (!value.startsWith('@')) return value;
  try {
    return readFileSync(value.slice(1), 'utf8');
  } catch (cause) {
    throw new AppError('INVALID_ARGUMENT', `${what}: cannot read ${value.slice(1)}`, { cause });
  }
}

/** `--fields`: a JSON object of strings, inline or `@file`. */
export function fieldsArgument(value: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(textArgument(value, '--fields'));
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw invalid('INVALID_ARGUMENT', [{ field: '--fields', reason: 'JSON', description: 'not JSON' }]);
  }
  const ok =
    parsed !== null &&
    typeof parsed === 'object' &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every((v) => typeof v === 'string');
  if (!ok) {
    throw invalid('INVALID_ARGUMENT', [
      { field: '--fields', reason: 'JSON_OBJECT', description: 'a JSON object of strings, e.g. {"premises":"…"}' },
    ]);
  }
  return parsed as Record<string, string>;
}

/** The holder code type: as given, else a citizen ID when the code is 17 digits and a digit or X. */
export function holderCodeType(code: string, given: string | undefined): HolderCodeType {
  const type = given ?? (/^[0-9]{17}[0-9Xx]$/.test(code.trim()) ? '111' : '001');
  return type === '111' ? HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID : HolderCodeType.HOLDER_CODE_TYPE_USCC;
}

function statusName(status: cv.LicenceStatus): string {
  return cv.licenceStatusToJSON(status).replace('LICENCE_STATUS_', '').toLowerCase();
}

/** A certificate in a few lines, for people. */
export function certificateText(c: cv.Certificate): string {
  const m = c.metadata;
  const lines = [
    `${c.id}  v${c.version}  ${statusName(c.status)}  ${m?.name ?? ''}`,
    `  number      ${m?.number ?? ''}`,
    `  identifier  ${m?.identifier ?? ''}`,
    `  holder      ${m?.holder?.name ?? ''} (${m?.holder?.holderCodeMasked ?? ''})`,
    `  issuer      ${m?.issuer ?? ''} (${m?.issuerCode ?? ''})`,
    `  valid       ${m?.validFrom ?? ''} .. ${m?.validTo || '长期'}`,
    ...Object.entries(m?.fields ?? {}).map(([k, v]) => `  ${k.padEnd(11)} ${v}`),
    ...(c.commitment ? [`  commitment  post-check due ${c.commitment.postCheckDue}: ${c.commitment.terms}`] : []),
    ...(c.supersededById ? [`  superseded by ${c.supersededById}`] : []),
    ...(c.industry
      ? c.industry.components.map((x) => `  component   ${x.typeName} ${x.number} ${statusName(x.status)}`)
      : []),
  ];
  return lines.join('\n');
}

function reasonNames(reasons: readonly cv.VerificationReason[]): string[] {
  return reasons.map((r) => cv.verificationReasonToJSON(r).replace('VERIFICATION_REASON_', ''));
}

const ID = /^[0-9a-fA-F-]{36}$/;

/** `--clear a,b`, `--types a,b`: a comma-separated list, blanks left out. */
export function keyListOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
}

/**
 * A certificate reference as typed: a certificate id (a UUID), a licence identifier (1.2.156.…), or else the
 * licence number a paper licence shows (e.g. JY3101072025000042).
 */
export function refOf(reference: string): cv.GetCertificateRequest['ref'] {
  const value = reference.trim();
  if (ID.test(value)) return { $case: 'id', value };
  if (value.startsWith('1.2.156.')) return { $case: 'identifier', value };
  return { $case: 'number', value };
}

/** A licence number or identifier as `cert verify` takes it (a JWS has dots, a QR text starts with OO1:). */
export function isLicenceReference(text: string): boolean {
  return text.startsWith('1.2.156.') || /^[0-9A-Za-z]{6,40}$/.test(text);
}

/** The certificate id of a reference (id, identifier or number), asking the hub. */
async function certificateIdOf(reference: string, options: Options, typeCode = ''): Promise<string> {
  const request = cv.GetCertificateRequest.fromPartial({ ref: refOf(reference), typeCode });
  const response = await withCertificates(options, (c) => call(c.getCertificate.bind(c), request, options));
  return response.certificate!.id;
}

function registerReadCommands(cert: Command): void {
  cert
    .command('types')
    .description('the catalogue (证照目录): each type with its face fields and issuing department codes (for --as)')
    .action(async (_opts: object, cmd: Command) => {
      const options = cliOptions(cmd);
      const response = await withCertificates(options, (c) =>
        call(c.listCertificateTypes.bind(c), cv.ListCertificateTypesRequest.fromPartial({}), options),
      );
      if (options.json) return write(json(cv.ListCertificateTypesResponse.toJSON(response)));
      const text = response.types.map((t) => {
        const fields = t.fields.map((f) => {
          const kind = cv.fieldTypeToJSON(f.type).replace('FIELD_TYPE_', '').toLowerCase();
          return `    ${f.key}${f.required ? '*' : ''}  ${kind}  ${f.labelZh}`;
        });
        return [`${t.typeCode}  ${t.nameZh} (${t.nameEn})`, `  issued by ${t.issuerCodes.join(', ')}`, ...fields].join(
          '\n',
        );
      });
      write(`${text.join('\n')}\n(* required)`);
    });

  cert
    .command('get <ref>')
    .description('one certificate by id, licence identifier or licence number (its current version), with its history')
    .option('--type <code>', 'with a licence number: the type, when the number names licences of several types')
    .option('--holder <code>', 'the portal, acting for a holder: the holder’s credit code or citizen ID')
    .option('--holder-type <t>', '001 (credit code) or 111 (citizen ID); default: from the code')
    .action(async (id: string, opts: { type?: string; holder?: string; holderType?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const holder =
        opts.holder === undefined
          ? {}
          : { holderCode: opts.holder, holderCodeType: holderCodeType(opts.holder, opts.holderType) };
      const request = cv.GetCertificateRequest.fromPartial({ ref: refOf(id), typeCode: opts.type ?? '', ...holder });
      const response = await withCertificates(options, (c) => call(c.getCertificate.bind(c), request, options));
      write(options.json ? json(cv.GetCertificateResponse.toJSON(response)) : certificateText(response.certificate!));
    });
}

/** One line per certificate: id, version, status, type name, number, validity. */
export function certificateLine(c: cv.Certificate): string {
  const m = c.metadata;
  return `${c.id}  v${c.version}  ${statusName(c.status).padEnd(9)}  ${m?.name ?? ''}  ${m?.number ?? ''}  ${m?.validFrom ?? ''} .. ${m?.validTo || '长期'}`;
}

function registerList(cert: Command): void {
  cert
    .command('list')
    .description('a holder’s certificates: the current version of each licence they hold (departments, portals)')
    .requiredOption(
      '--holder <code>',
      'holder code: unified social credit code or citizen ID (hashed by the hub, never stored)',
    )
    .addOption(new Option('--holder-type <type>', 'holder code type (default: from the code)').choices(['001', '111']))
    .action(async (opts: { holder: string; holderType?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.ListHolderCertificatesRequest.fromPartial({
        holderCode: opts.holder,
        holderCodeType: holderCodeType(opts.holder, opts.holderType),
      });
      const response = await withCertificates(options, (c) => call(c.listHolderCertificates.bind(c), request, options));
      const text =
        response.certificates.length === 0 ? 'no certificates' : response.certificates.map(certificateLine).join('\n');
      write(options.json ? json(cv.ListHolderCertificatesResponse.toJSON(response)) : text);
    });
}

function registerIssue(cert: Command): void {
  cert
    .command('issue')
    .description('issue (新发) a certificate sealed with the calling department’s seal')
    .requiredOption('--type <code>', 'certificate type code (see `onceonly cert types`)')
    .requiredOption('--holder <code>', 'holder code: unified social credit code or citizen ID')
    .requiredOption('--holder-name <name>', 'enterprise or person name')
    .requiredOption('--fields <json|@file>', 'face fields as a JSON object')
    .addOption(new Option('--holder-type <type>', 'holder code type (default: from the code)').choices(['001', '111']))
    .option('--valid-from <date>', 'YYYY-MM-DD (default: today)')
    .option('--valid-to <date>', 'YYYY-MM-DD (default: from the type)')
    .option('--division <code>', 'division code (default: the issuer’s)')
    .option('--idempotency-key <key>', 'a retry with the same key returns the same certificate')
    .option('--commitment-due <date>', 'grant on commitment (告知承诺): the post-check due date, YYYY-MM-DD')
    .option('--commitment-terms <text>', 'the commitment’s terms or document reference (or @file)')
    .action(async (opts: Record<string, string | undefined>, cmd: Command) => {
      const options = cliOptions(cmd);
      const holder = opts.holder ?? '';
      if ((opts.commitmentDue === undefined) !== (opts.commitmentTerms === undefined)) {
        throw new AppError('INVALID_ARGUMENT', '--commitment-due and --commitment-terms go together');
      }
      const request = cv.IssueCertificateRequest.fromPartial({
        typeCode: opts.type ?? '',
        holder: { code: holder, codeType: holderCodeType(holder, opts.holderType), name: opts.holderName ?? '' },
        fields: fieldsArgument(opts.fields ?? '{}'),
        validFrom: opts.validFrom ?? '',
        validTo: opts.validTo ?? '',
        division: opts.division ?? '',
        idempotencyKey: opts.idempotencyKey ?? '',
        ...(opts.commitmentDue === undefined
          ? {}
          : {
              commitment: {
                postCheckDue: opts.commitmentDue,
                terms: textArgument(opts.commitmentTerms ?? '', '--commitment-terms'),
              },
            }),
      });
      const response = await withCertificates(options, (c) => call(c.issueCertificate.bind(c), request, options));
      // A citizen holder's digest salt is in `holderDigestSalt` (left out of the JSON when empty).
      if (options.json) return write(json(cv.IssueCertificateResponse.toJSON(response)));
      const replayed = response.replayed ? '\n(replayed: issued earlier with this idempotency key)' : '';
      const salt = response.holderDigestSalt;
      const saltLine = salt ? `\n  holder digest salt (give it to the holder): ${salt}` : '';
      write(`${certificateText(response.certificate!)}${saltLine}${replayed}`);
    });
}

const REVOCATION_KINDS: Record<string, cv.RevocationKind> = {
  withdrawn: cv.RevocationKind.REVOCATION_KIND_WITHDRAWN,
  revoked: cv.RevocationKind.REVOCATION_KIND_REVOKED,
};

function registerLifecycle(cert: Command): void {
  const printed = (options: Options, response: { certificate?: cv.Certificate | undefined }) =>
    write(
      options.json
        ? json({ certificate: cv.Certificate.toJSON(response.certificate!) })
        : certificateText(response.certificate!),
    );

  cert
    .command('revoke <id>')
    .description('withdraw (撤销) or revoke as a penalty (吊销), with reason and legal basis')
    .addOption(
      new Option('--kind <kind>', 'withdrawn (撤销) or revoked (吊销)')
        .choices(Object.keys(REVOCATION_KINDS))
        .default('revoked'),
    )
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--legal-basis <text>', 'the provision applied')
    .action(async (id: string, opts: { kind: string; reason: string; legalBasis: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.RevokeCertificateRequest.fromPartial({
        id,
        kind: REVOCATION_KINDS[opts.kind],
        reason: opts.reason,
        legalBasis: opts.legalBasis,
      });
      printed(options, await withCertificates(options, (c) => call(c.revokeCertificate.bind(c), request, options)));
    });

  cert
    .command('suspend <id>')
    .description('suspend (暂扣) a valid certificate')
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--legal-basis <text>', 'the provision applied')
    .option('--until <date>', 'planned end, YYYY-MM-DD')
    .action(async (id: string, opts: { reason: string; legalBasis: string; until?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.SuspendCertificateRequest.fromPartial({ id, ...opts, until: opts.until ?? '' });
      printed(options, await withCertificates(options, (c) => call(c.suspendCertificate.bind(c), request, options)));
    });

  cert
    .command('resume <id>')
    .description('resume (暂扣发还) a suspended certificate')
    .option('--reason <text>', 'why', '')
    .action(async (id: string, opts: { reason: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.ResumeCertificateRequest.fromPartial({ id, reason: opts.reason });
      printed(options, await withCertificates(options, (c) => call(c.resumeCertificate.bind(c), request, options)));
    });

  cert
    .command('cancel <id>')
    .description('cancel (注销) a certificate')
    .requiredOption('--reason <text>', 'why')
    .action(async (id: string, opts: { reason: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.CancelCertificateRequest.fromPartial({ id, reason: opts.reason });
      printed(options, await withCertificates(options, (c) => call(c.cancelCertificate.bind(c), request, options)));
    });
}

const STATUS_PURPOSES: Record<StatusPurpose, cv.StatusPurpose> = {
  revocation: cv.StatusPurpose.STATUS_PURPOSE_REVOCATION,
  suspension: cv.StatusPurpose.STATUS_PURPOSE_SUSPENSION,
};
const PURPOSE_NAMES = Object.keys(STATUS_PURPOSES) as StatusPurpose[];

/** `--list`: a list number, 0 to 2^31 - 1. */
export function listNumberArgument(value: string): number {
  const n = /^[0-9]{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n <= 2_147_483_647)) {
    throw invalid('INVALID_ARGUMENT', [
      { field: '--list', reason: 'LIST_NUMBER', description: 'a list number: 0, 1, …' },
    ]);
  }
  return n;
}

function writeFileArgument(file: string, text: string | Uint8Array, what: string): void {
  try {
    writeFileSync(file, text);
  } catch (cause) {
    throw new AppError('INVALID_ARGUMENT', `${what}: cannot write ${file}`, { cause });
  }
}

function registerStatusList(cert: Command): void {
  cert
    .command('status-list <issuer>')
    .description('an issuer’s sealed status list (W3C Bitstring Status List, JWS vc+jwt), for `verify --offline`')
    .addOption(new Option('--purpose <purpose>', 'which list').choices(PURPOSE_NAMES).default('revocation'))
    .option('--list <n>', 'list number: the licence’s statusListNumber', '0')
    .option('--out <file>', 'write the JWS to this file instead of stdout')
    .action(async (issuer: string, opts: { purpose: StatusPurpose; list: string; out?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.GetStatusListRequest.fromPartial({
        issuerCode: issuer,
        purpose: STATUS_PURPOSES[opts.purpose],
        listNumber: listNumberArgument(opts.list),
      });
      const response = await withCertificates(options, (c) => call(c.getStatusList.bind(c), request, options));
      if (opts.out === undefined) {
        return write(options.json ? json(cv.GetStatusListResponse.toJSON(response)) : response.jws);
      }
      writeFileArgument(opts.out, `${response.jws}\n`, '--out');
      const { listNumber, updatedAt } = response;
      const what = { out: opts.out, issuerCode: response.issuerCode, purpose: opts.purpose, listNumber, updatedAt };
      write(
        options.json
          ? json(what)
          : `wrote the ${opts.purpose} list ${listNumber} of ${response.issuerCode} (updated ${updatedAt}) to ${opts.out}`,
      );
    });
}

/**
 * The notice of an offline verification whose live status was not (fully) checked; undefined when it was, or when
 * the licence's seal did not verify (then its status does not matter).
 */
export function liveStatusNotice(result: OfflineVerification): string | undefined {
  if (!result.sealValid) return undefined;
  const slot = result.statusSlot;
  if (slot === undefined) {
    return 'notice: this licence carries no status-list slot: revocation and suspension cannot be checked offline (verify it online)';
  }
  const missing = PURPOSE_NAMES.filter((purpose) => !result.statusChecked.includes(purpose));
  if (missing.length === 0) return undefined;
  const issuer = String(result.payload?.issuerCode ?? '');
  const fetch = missing
    .map((p) => `onceonly cert status-list ${issuer} --purpose ${p} --list ${slot.listNumber} --out ${p}.jws`)
    .join('; ');
  const what = `${missing.join(' and ')} ${missing.length > 1 ? 'were' : 'was'} not checked offline`;
  return `notice: ${what} (no usable status list of issuer ${issuer}, list ${slot.listNumber}): fetch with \`${fetch}\` and pass --status-list <file>`;
}

/** One line per status list given: what it is and whether it was read, left out or refused. */
export function statusListLines(result: OfflineVerification, files: readonly string[]): string[] {
  return result.statusLists.map((list) => {
    const name = files[list.position] ?? `#${list.position}`;
    const what =
      list.purpose === undefined
        ? ''
        : ` ${list.purpose} list ${list.listNumber} of ${list.issuerCode}, valid until ${list.validUntil?.toISOString()}`;
    const outcome =
      list.bit !== undefined
        ? `read: ${list.bit ? 'SET' : 'clear'}`
        : list.reasons.length === 0
          ? 'not this licence’s list'
          : `${list.concernsLicence ? 'refused' : 'left out'}: ${[...list.reasons, ...(list.sealReasons ?? [])].join(', ')}`;
    return `  status list ${name}:${what}  ${outcome}`;
  });
}

/**
 * A verification for people: the first line as before (VALID / NOT VALID, deprecated: see ADR 033), then the two
 * answers with their reasons in words, then the licence.
 */
export function verdictText(
  valid: boolean,
  reasons: readonly string[],
  summary: string,
  answers: Answers,
  warnings: readonly string[] = [],
): string {
  const warned = warnings.length > 0 ? ` (WARNING: ${warnings.join(', ')})` : '';
  const first = `${valid ? 'VALID' : 'NOT VALID'}${warned}${reasons.length > 0 ? `  ${reasons.join(', ')}` : ''}`;
  return [first, ...answerLines(answers), summary].join('\n');
}

/** The offline verifier's two answers in the shape of the hub's. */
export function offlineAnswers(result: OfflineVerification): Answers {
  return {
    genuine: result.genuine,
    genuineReasons: findingLinesOf(result.genuineFindings),
    mayOperate: result.mayOperate,
    mayOperateReasons: findingLinesOf(result.operationFindings),
  };
}

/** The hub's two answers (a hub that predates them answers neither: both false, the safe reading). */
export function onlineAnswers(response: cv.VerifyCertificateResponse): Answers {
  return {
    genuine: response.genuine === true,
    genuineReasons: reasonLinesOf(response.genuineReasons),
    mayOperate: response.mayOperate === true,
    mayOperateReasons: reasonLinesOf(response.mayOperateReasons),
  };
}

/** The options of `cert verify`. */
interface VerifyOptions {
  offline?: boolean;
  type?: string;
  trust?: string;
  /** Status list files, in the order given. */
  statusList: string[];
  /** A stale or missing trust list refuses the licence instead of warning. */
  refuseStale?: boolean;
}

/** `cert verify --offline`: the seal against --trust, the dates and, with --status-list, the live status. */
async function verifyOfflineCommand(text: string, opts: VerifyOptions, options: Options): Promise<void> {
  if (!opts.trust)
    throw invalid('INVALID_ARGUMENT', [
      { field: '--trust', reason: 'REQUIRED', description: 'the trust list PEM file (`onceonly trust bundle`)' },
    ]);
  const statusLists = opts.statusList.map((file) => textArgument(`@${file}`, '--status-list').trim());
  const refuseStale = opts.refuseStale === true;
  const result = await verifyOffline(text, textArgument(`@${opts.trust}`, '--trust'), { statusLists, refuseStale });
  const notice = liveStatusNotice(result);
  const p = result.payload ?? {};
  const summary = `${String(p.licenceName ?? '')} ${String(p.licenceNumber ?? '')} ${String(p.holderName ?? '')} (${String(p.issuer ?? '')})`;
  const checked =
    result.statusChecked.length > 0
      ? [`live status: ${result.statusChecked.join(', ')} checked, as of ${result.statusAsOf?.toISOString()}`]
      : [];
  const lines = [
    ...trustListLines(result),
    ...checked,
    ...statusListLines(result, opts.statusList),
    ...(notice ? [notice] : []),
  ];
  const trustList = trustListJson(result);
  const answers = offlineAnswers(result);
  const { genuineFindings: _g, operationFindings: _o, ...rest } = result;
  write(
    options.json
      ? json({
          ...rest,
          ...answers,
          sealedAt: result.sealedAt?.toISOString(),
          trustList,
          ...(notice ? { notice } : {}),
        })
      : [verdictText(result.valid, result.reasons, summary, answers, result.warnings), ...lines].join('\n'),
  );
  process.exitCode = verifyExitCode(answers);
}

function registerVerify(cert: Command): void {
  cert
    .command('verify <document>')
    .description(
      'verify a JWS, a QR payload (OO1:…), a certificate id, a licence identifier or a licence number; @file reads it from a file',
    )
    .option('--type <code>', 'with a licence number: the type, when the number names licences of several types')
    .option('--offline', 'no hub: check the seal and the dates against --trust')
    .option('--trust <pem>', 'trust list PEM file (`onceonly trust bundle`), for --offline')
    .option(
      '--refuse-stale',
      'with --offline: a stale or missing trust list makes the licence NOT VALID (default: a warning)',
    )
    .option(
      '--status-list <file>',
      'a sealed status list (`onceonly cert status-list`) for --offline: checks revocation/suspension; repeatable',
      (file: string, files: string[]) => [...files, file],
      [] as string[],
    )
    .action(async (document: string, opts: VerifyOptions, cmd: Command) => {
      const options = cliOptions(cmd);
      const text = textArgument(document, 'document').trim();
      if (opts.offline) return verifyOfflineCommand(text, opts, options);
      if (opts.statusList.length > 0) {
        throw invalid('INVALID_ARGUMENT', [
          {
            field: '--status-list',
            reason: 'OFFLINE_ONLY',
            description: 'for --offline; online the hub checks status',
          },
        ]);
      }
      const subject: cv.VerifyCertificateRequest['subject'] = text.startsWith('OO1:')
        ? { $case: 'qrPayload', value: text }
        : ID.test(text)
          ? { $case: 'id', value: text }
          : isLicenceReference(text)
            ? { $case: 'id', value: await certificateIdOf(text, options, opts.type) }
            : { $case: 'jws', value: text };
      const request = cv.VerifyCertificateRequest.fromPartial({ subject });
      const response = await withCertificates(options, (c) => call(c.verifyCertificate.bind(c), request, options));
      const m = response.metadata;
      const summary = `${m?.name ?? ''} ${m?.number ?? ''} ${m?.holder?.name ?? ''} (${m?.issuer ?? ''}) status ${statusName(response.status)}`;
      const answers = onlineAnswers(response);
      // both answers always in the JSON (an older hub's missing answer as false) and the deprecated valid, false too
      const answered = { valid: response.valid, genuine: answers.genuine, mayOperate: answers.mayOperate };
      write(
        options.json
          ? json({ ...(cv.VerifyCertificateResponse.toJSON(response) as object), ...answered })
          : verdictText(response.valid, reasonNames(response.reasons), summary, answers),
      );
      process.exitCode = verifyExitCode(answers);
    });
}

/** `cert qr`'s options. */
interface QrOptions {
  png?: string;
  svg?: string;
  type?: string;
  holder?: string;
  holderType?: string;
}

/** The QR text of a licence: given (`OO1:…`, or `@file`), or the one the hub keeps for a reference. */
async function qrTextOf(licence: string, opts: QrOptions, options: Options): Promise<string> {
  const text = textArgument(licence, 'licence').trim();
  if (text.startsWith('OO1:')) return text;
  const holder =
    opts.holder === undefined
      ? {}
      : { holderCode: opts.holder, holderCodeType: holderCodeType(opts.holder, opts.holderType) };
  const request = cv.GetCertificateRequest.fromPartial({ ref: refOf(text), typeCode: opts.type ?? '', ...holder });
  const response = await withCertificates(options, (c) => call(c.getCertificate.bind(c), request, options));
  return response.certificate!.qrPayload;
}

function registerQr(cert: Command): void {
  cert
    .command('qr <licence>')
    .description(
      'the QR code of a licence (error correction level Q) as PNG and/or SVG: by id, identifier or number (asks the hub, as `cert get`), or its QR text OO1:… / @file (no hub); without --png/--svg prints the QR text',
    )
    .option('--png <file>', 'write a PNG image (4 pixels a module)')
    .option('--svg <file>', 'write an SVG image (for print)')
    .option('--type <code>', 'with a licence number: the type, when the number names licences of several types')
    .option('--holder <code>', 'the portal, acting for a holder: the holder’s credit code or citizen ID')
    .option('--holder-type <t>', '001 (credit code) or 111 (citizen ID); default: from the code')
    .action(async (licence: string, opts: QrOptions, cmd: Command) => {
      const options = cliOptions(cmd);
      const text = await qrTextOf(licence, opts, options);
      if (opts.png !== undefined) writeFileArgument(opts.png, await qrPng(text), '--png');
      if (opts.svg !== undefined) writeFileArgument(opts.svg, await qrSvg(text), '--svg');
      const files = [opts.png, opts.svg].filter((f): f is string => f !== undefined);
      const version = qrVersion(text);
      const what = { qrText: text, version, errorCorrection: QR_ERROR_CORRECTION, files };
      if (options.json) return write(json(what));
      if (files.length === 0) return write(text);
      write(
        `wrote the QR code (version ${version}, error correction ${QR_ERROR_CORRECTION}) to ${files.join(' and ')}`,
      );
    });
}

/** Adds `cert …` to the `onceonly` command line. */
export function registerCertCommands(program: Command): void {
  const cert = program
    .command('cert')
    .description('electronic certificates (电子证照): catalogue, issue, lifecycle, verify');
  registerReadCommands(cert);
  registerList(cert);
  registerIssue(cert);
  registerLifecycle(cert);
  registerCertVersionCommands(cert);
  registerStatusList(cert);
  registerVerify(cert);
  registerQr(cert);
}
