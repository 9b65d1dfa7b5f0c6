import { certificateV1 as cv } from '@onceonly/certificate/client';
import { invalid } from '@onceonly/errors';
import type { Command } from 'commander';
import { type CliOptions, call, cliOptions, print, withClient } from '../client.js';
import { certificateText, fieldsArgument, holderCodeType, keyListOf, refOf } from './cert.js';

/**
 * `onceonly cert change|renew|reissue|dispute raise|dispute resolve|licence issue`: the steps that make a new
 * version of a certificate (the previous one is superseded), and industry licences (一业一证) bundling several.
 */

/** Runs `fn` with a CertificateServiceClient, closed afterwards. */
function withCertificates<T>(options: CliOptions, fn: (client: cv.CertificateServiceClient) => Promise<T>): Promise<T> {
  return withClient(cv.CertificateServiceClient, options, fn);
}

/** A new version and the one it superseded, for people. */
export function newVersionText(response: { certificate?: cv.Certificate; previous?: cv.Certificate }): string {
  const previous = response.previous ? `\n(supersedes ${response.previous.id} v${response.previous.version})` : '';
  return `${certificateText(response.certificate!)}${previous}`;
}

/** The JSON of a step that makes a new version: `{certificate, previous}`. */
function newVersionJson(response: { certificate?: cv.Certificate; previous?: cv.Certificate }): object {
  return {
    certificate: cv.Certificate.toJSON(response.certificate!),
    ...(response.previous ? { previous: cv.Certificate.toJSON(response.previous) } : {}),
  };
}

interface ChangeOptions {
  fields?: string;
  clear?: string;
  holderName?: string;
  reason: string;
  idempotencyKey?: string;
}

function registerChange(cert: Command): void {
  cert
    .command('change <id>')
    .description('change (变更) face fields or the holder name: a new version supersedes this one')
    .option('--fields <json|@file>', 'face fields to set, as a JSON object')
    .option('--clear <keys>', 'face fields to remove, comma-separated')
    .option('--holder-name <name>', 'the holder’s new name')
    .requiredOption('--reason <text>', 'why')
    .option('--idempotency-key <key>', 'a retry with the same key returns the same version')
    .action(async (id: string, opts: ChangeOptions, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.ChangeCertificateRequest.fromPartial({
        id,
        fields: opts.fields === undefined ? {} : fieldsArgument(opts.fields),
        clearFields: keyListOf(opts.clear),
        holderName: opts.holderName ?? '',
        reason: opts.reason,
        idempotencyKey: opts.idempotencyKey ?? '',
      });
      const response = await withCertificates(options, (c) => call(c.changeCertificate.bind(c), request, options));
      print(options, newVersionJson(response), newVersionText(response));
    });
}

function registerRenew(cert: Command): void {
  cert
    .command('renew <id>')
    .description('renew (延续) a certificate: a new version valid until --valid-to')
    .requiredOption('--valid-to <date>', 'the new end, YYYY-MM-DD (after the current end)')
    .requiredOption('--reason <text>', 'why')
    .option('--idempotency-key <key>', 'a retry with the same key returns the same version')
    .action(async (id: string, opts: { validTo?: string; reason: string; idempotencyKey?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.RenewCertificateRequest.fromPartial({
        id,
        validTo: opts.validTo ?? '',
        reason: opts.reason,
        idempotencyKey: opts.idempotencyKey ?? '',
      });
      const response = await withCertificates(options, (c) => call(c.renewCertificate.bind(c), request, options));
      print(options, newVersionJson(response), newVersionText(response));
    });
}

function registerReissue(cert: Command): void {
  cert
    .command('reissue <id>')
    .description('reissue (补领/换发) a lost or damaged certificate: same content, a new version and seal')
    .requiredOption('--reason <text>', 'why')
    .option('--idempotency-key <key>', 'a retry with the same key returns the same version')
    .action(async (id: string, opts: { reason: string; idempotencyKey?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.ReissueCertificateRequest.fromPartial({
        id,
        reason: opts.reason,
        idempotencyKey: opts.idempotencyKey ?? '',
      });
      const response = await withCertificates(options, (c) => call(c.reissueCertificate.bind(c), request, options));
      print(options, newVersionJson(response), newVersionText(response));
    });
}

/** A certificate's open or last dispute, for people. */
export function disputeText(d: cv.Dispute | undefined): string {
  if (!d) return 'no dispute';
  const outcome = d.open ? 'open' : cv.disputeOutcomeToJSON(d.outcome).replace('DISPUTE_OUTCOME_', '').toLowerCase();
  const fields = d.fieldKeys.length > 0 ? ` on ${d.fieldKeys.join(', ')}` : '';
  return `dispute ${d.id} ${outcome}${fields}: ${d.claim} (raised by ${d.raisedByDepartmentCode} at ${d.raisedAt})`;
}

/** The resolution of `dispute resolve`: exactly one of --correct-fields/--holder-name or --reject. */
export function resolutionOf(opts: ResolveOptions): cv.ResolveDisputeRequest['resolution'] {
  const correcting = opts.fields !== undefined || opts.clear !== undefined || opts.holderName !== undefined;
  if (correcting === (opts.reject !== undefined)) {
    throw invalid('INVALID_ARGUMENT', [
      {
        field: '--reject',
        reason: 'ONE_RESOLUTION',
        description: 'either correct (--fields, --clear, --holder-name) or --reject <reason>, not both',
      },
    ]);
  }
  if (opts.reject !== undefined) return { $case: 'reject', value: { reason: opts.reject } };
  const value = cv.DisputeCorrection.fromPartial({
    fields: opts.fields === undefined ? {} : fieldsArgument(opts.fields),
    clearFields: keyListOf(opts.clear),
    holderName: opts.holderName ?? '',
    note: opts.note ?? '',
  });
  return { $case: 'correct', value };
}

interface ResolveOptions {
  fields?: string;
  clear?: string;
  holderName?: string;
  note?: string;
  reject?: string;
}

function registerDisputes(cert: Command): void {
  const dispute = cert.command('dispute').description('disputes (异议) about what a certificate says');
  dispute
    .command('raise <id>')
    .description('raise a dispute: verifiers see the certificate as disputed until it is resolved')
    .requiredOption('--claim <text>', 'what is wrong')
    .option('--fields <keys>', 'the face fields concerned, comma-separated')
    .action(async (id: string, opts: { claim: string; fields?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.RaiseDisputeRequest.fromPartial({ id, claim: opts.claim, fieldKeys: keyListOf(opts.fields) });
      const response = await withCertificates(options, (c) => call(c.raiseDispute.bind(c), request, options));
      const certificate = response.certificate!;
      print(
        options,
        { certificate: cv.Certificate.toJSON(certificate) },
        `${certificate.id}  ${disputeText(certificate.dispute)}`,
      );
    });
  dispute
    .command('resolve <id> <dispute-id>')
    .description('resolve a dispute: correct the certificate (a new version) or reject the claim')
    .option('--fields <json|@file>', 'corrected face fields, as a JSON object')
    .option('--clear <keys>', 'face fields to remove, comma-separated')
    .option('--holder-name <name>', 'the corrected holder name')
    .option('--note <text>', 'what was corrected')
    .option('--reject <reason>', 'reject the claim instead, with this reason')
    .action(async (id: string, disputeId: string, opts: ResolveOptions, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.ResolveDisputeRequest.fromPartial({ id, disputeId, resolution: resolutionOf(opts) });
      const response = await withCertificates(options, (c) => call(c.resolveDispute.bind(c), request, options));
      const text = `${newVersionText(response)}\n${disputeText(response.certificate?.dispute ?? response.previous?.dispute)}`;
      print(options, newVersionJson(response), text);
    });
}

interface LicenceOptions {
  industry: string;
  holder: string;
  holderName: string;
  holderType?: string;
  components: string;
  fields?: string;
  division?: string;
  idempotencyKey?: string;
}

function registerLicence(cert: Command): void {
  const licence = cert
    .command('licence')
    .description('industry licences (一业一证): one licence over several certificates');
  licence
    .command('issue')
    .description(
      'issue an industry licence bundling the holder’s current certificates (see `cert types` for industries)',
    )
    .requiredOption('--industry <code>', 'industry code')
    .requiredOption('--holder <code>', 'holder code: unified social credit code or citizen ID')
    .requiredOption('--holder-name <name>', 'enterprise or person name')
    .requiredOption('--components <ids>', 'the component certificate ids, comma-separated')
    .option('--holder-type <type>', 'holder code type, 001 or 111 (default: from the code)')
    .option('--fields <json|@file>', 'face fields of the licence, as a JSON object')
    .option('--division <code>', 'division code (default: the issuer’s)')
    .option('--idempotency-key <key>', 'a retry with the same key returns the same licence')
    .action(async (opts: LicenceOptions, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.IssueIndustryLicenceRequest.fromPartial({
        industryCode: opts.industry,
        holder: { code: opts.holder, codeType: holderCodeType(opts.holder, opts.holderType), name: opts.holderName },
        componentCertificateIds: keyListOf(opts.components),
        fields: opts.fields === undefined ? {} : fieldsArgument(opts.fields),
        division: opts.division ?? '',
        idempotencyKey: opts.idempotencyKey ?? '',
      });
      const response = await withCertificates(options, (c) => call(c.issueIndustryLicence.bind(c), request, options));
      const replayed = response.replayed ? '\n(replayed: issued earlier with this idempotency key)' : '';
      print(
        options,
        cv.IssueIndustryLicenceResponse.toJSON(response),
        `${certificateText(response.certificate!)}${replayed}`,
      );
    });
  licence
    .command('get <id>')
    .description('an industry licence with the live status of each component (same as `cert get`)')
    .action(async (id: string, _opts: object, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = cv.GetCertificateRequest.fromPartial({ ref: refOf(id) });
      const response = await withCertificates(options, (c) => call(c.getCertificate.bind(c), request, options));
      print(options, cv.GetCertificateResponse.toJSON(response), certificateText(response.certificate!));
    });
}

/** Adds the new-version steps, disputes and industry licences to `cert`. */
export function registerCertVersionCommands(cert: Command): void {
  registerChange(cert);
  registerRenew(cert);
  registerReissue(cert);
  registerDisputes(cert);
  registerLicence(cert);
}
