import { consentV1, certificateV1 as cv } from '@onceonly/certificate/client';
import type { Command } from 'commander';
import { type CliOptions, call, cliOptions, print, withClient } from '../client.js';
import { holderCodeType, keyListOf } from './cert.js';
import { reasonLinesOf } from './verdict.js';

/**
 * `onceonly consent grant|revoke|list` (a portal records a holder's consent to a platform) and
 * `onceonly platform check` (a platform checks the licences of holders who consented).
 */

function withConsents<T>(options: CliOptions, fn: (client: consentV1.ConsentServiceClient) => Promise<T>): Promise<T> {
  return withClient(consentV1.ConsentServiceClient, options, fn);
}

function statusName(status: consentV1.ConsentStatus): string {
  return consentV1.consentStatusToJSON(status).replace('CONSENT_STATUS_', '').toLowerCase();
}

/** One line per consent: id, status, holder (masked), platform, types, purpose, expiry. */
export function consentLine(c: consentV1.Consent): string {
  const until = c.revokedAt ? `revoked ${c.revokedAt}` : `until ${c.expiresAt || '(no end)'}`;
  return `${c.id}  ${statusName(c.status).padEnd(7)}  ${c.holder?.holderCodeMasked ?? ''}  ${c.platformCode} (${c.platformName})  ${c.typeCodes.join(',')}  ${c.purpose}  ${until}`;
}

interface GrantOptions {
  holder: string;
  holderType?: string;
  holderName?: string;
  platform: string;
  types: string;
  purpose: string;
  expiresAt?: string;
  idempotencyKey?: string;
}

function registerGrant(consent: Command): void {
  consent
    .command('grant')
    .description('record a holder’s consent that a platform may check some of their licences (portals)')
    .requiredOption('--holder <code>', 'holder code: unified social credit code or citizen ID')
    .option('--holder-type <type>', 'holder code type, 001 or 111 (default: from the code)')
    .requiredOption('--holder-name <name>', 'holder name (enterprise or person)')
    .requiredOption('--platform <code>', 'the platform’s department code')
    .requiredOption('--types <codes>', 'certificate type codes, comma-separated')
    .requiredOption('--purpose <text>', 'a code the platform checks them for, e.g. merchant-onboarding')
    .requiredOption('--expires-at <time>', 'RFC 3339 end of the consent, e.g. 2027-01-31T00:00:00Z')
    .option('--idempotency-key <key>', 'a retry with the same key returns the same consent')
    .action(async (opts: GrantOptions, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = consentV1.GrantConsentRequest.fromPartial({
        holder: {
          code: opts.holder,
          codeType: holderCodeType(opts.holder, opts.holderType),
          name: opts.holderName ?? '',
        },
        platformCode: opts.platform,
        typeCodes: keyListOf(opts.types),
        purpose: opts.purpose,
        expiresAt: opts.expiresAt ?? '',
        idempotencyKey: opts.idempotencyKey ?? '',
      });
      const response = await withConsents(options, (c) => call(c.grantConsent.bind(c), request, options));
      print(options, consentV1.GrantConsentResponse.toJSON(response), consentLine(response.consent!));
    });
}

function registerRevoke(consent: Command): void {
  consent
    .command('revoke <consent-id>')
    .description('revoke a consent: the platform no longer sees those licences')
    .requiredOption('--reason <text>', 'why')
    .action(async (consentId: string, opts: { reason: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = consentV1.RevokeConsentRequest.fromPartial({ consentId, reason: opts.reason });
      const response = await withConsents(options, (c) => call(c.revokeConsent.bind(c), request, options));
      print(options, consentV1.RevokeConsentResponse.toJSON(response), consentLine(response.consent!));
    });
}

function registerList(consent: Command): void {
  consent
    .command('list')
    .description('a holder’s consents (portals), or those given to the calling platform')
    .requiredOption('--holder <code>', 'holder code')
    .option('--holder-type <type>', 'holder code type, 001 or 111 (default: from the code)')
    .option('--platform <code>', 'only consents to this platform')
    .option('--all', 'also expired and revoked consents')
    .action(async (opts: { holder: string; holderType?: string; platform?: string; all?: boolean }, cmd: Command) => {
      const options = cliOptions(cmd);
      const consents: consentV1.Consent[] = [];
      await withConsents(options, async (c) => {
        let pageToken = '';
        do {
          const request = consentV1.ListConsentsRequest.fromPartial({
            holder: { code: opts.holder, codeType: holderCodeType(opts.holder, opts.holderType) },
            platformCode: opts.platform ?? '',
            includeInactive: opts.all === true,
            page: { pageSize: 200, pageToken },
          });
          const response = await call(c.listConsents.bind(c), request, options);
          consents.push(...response.consents);
          pageToken = response.page?.nextPageToken ?? '';
        } while (pageToken !== '');
      });
      const text = consents.length === 0 ? 'no consents' : consents.map(consentLine).join('\n');
      print(options, { consents: consents.map((c) => consentV1.Consent.toJSON(c)) }, text);
    });
}

/** The result of a platform check, for people: per holder, the licences seen and the types refused. */
export function checkText(response: consentV1.CheckLicencesResponse): string {
  const lines = response.results.flatMap((r) => [
    `#${r.index} ${r.holderCodeMasked}`,
    ...r.licences.flatMap((l) => {
      const status = cv.licenceStatusToJSON(l.status).replace('LICENCE_STATUS_', '').toLowerCase();
      // the two answers (ADR 033): a licence whose status is valid may still not let the holder operate
      const answer =
        l.genuine === undefined
          ? '(no answer: an older hub)'
          : !l.genuine
            ? 'NOT GENUINE'
            : l.mayOperate === true
              ? 'may operate'
              : 'MAY NOT OPERATE';
      const reasons = reasonLinesOf([...l.genuineReasons, ...l.mayOperateReasons]).map(
        (x) => `    ${x.warning ? 'warning ' : ''}${x.code}  ${x.textZh} / ${x.textEn}`,
      );
      return [
        `  ${l.typeCode} ${l.typeName} ${l.number} ${status} ${l.validFrom} .. ${l.validTo || '长期'}  ${answer}`,
        ...reasons,
      ];
    }),
    ...r.refused.map(
      (x) => `  ${x.typeCode} refused: ${consentV1.consentRefusalToJSON(x.reason).replace('CONSENT_REFUSAL_', '')}`,
    ),
  ]);
  return [...lines, `checked at ${response.checkedAt}`].join('\n');
}

/**
 * The result of a platform check as JSON: protobuf JSON, with each licence's `genuine` and `mayOperate` always
 * present (they have explicit presence; an older hub that does not answer them reads false, the safe reading).
 */
export function checkJson(response: consentV1.CheckLicencesResponse): unknown {
  const out = consentV1.CheckLicencesResponse.toJSON(response) as { results?: { licences?: object[] }[] };
  for (const [i, result] of (out.results ?? []).entries()) {
    result.licences = (result.licences ?? []).map((l, j) => {
      const licence = response.results[i]!.licences[j]!;
      return { ...l, genuine: licence.genuine === true, mayOperate: licence.mayOperate === true };
    });
  }
  return out;
}

function registerCheck(program: Command): void {
  program
    .command('platform')
    .description('platforms: checks of the licences that holders consented to')
    .command('check')
    .description('CheckLicences: the current licences of each holder, for the types they consented to')
    .requiredOption(
      '--holder <code>',
      'a holder code (repeatable)',
      (code: string, codes: string[]) => [...codes, code],
      [] as string[],
    )
    .requiredOption('--types <codes>', 'certificate type codes, comma-separated')
    .requiredOption('--purpose <text>', 'the purpose code the consent was given for, e.g. merchant-onboarding')
    .action(async (opts: { holder: string[]; types: string; purpose: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = consentV1.CheckLicencesRequest.fromPartial({
        holders: opts.holder.map((code) => ({ code, codeType: holderCodeType(code, undefined) })),
        typeCodes: keyListOf(opts.types),
        purpose: opts.purpose,
      });
      const response = await withClient(consentV1.PlatformServiceClient, options, (c) =>
        call(c.checkLicences.bind(c), request, options),
      );
      print(options, checkJson(response), checkText(response));
    });
}

/** Adds `consent …` and `platform check` to the `onceonly` command line. */
export function registerConsentCommands(program: Command): void {
  const consent = program.command('consent').description('holders’ consents to platforms (portals)');
  registerGrant(consent);
  registerRevoke(consent);
  registerList(consent);
  registerCheck(program);
}
