import { isSealKid, sealV1 } from '@onceonly/certificate/client';
import { AppError, invalid } from '@onceonly/errors';
import { type Command, Option } from 'commander';
import { type ClientOptions, call, cliOptions, toJson as json, withClient, writeLine as write } from '../client.js';

/**
 * `onceonly seal create|list|rotate|revoke`: SealService of a running hub, as the
 * department named by the global `--as` (development identity) or by its mTLS certificate (`--ca --cert --key`).
 */

type Options = ClientOptions & { json: boolean };

/** Runs `fn` with a SealServiceClient, closed afterwards. */
export function withSeals<T>(options: Options, fn: (client: sealV1.SealServiceClient) => Promise<T>): Promise<T> {
  return withClient(sealV1.SealServiceClient, options, fn);
}

const KINDS: Record<string, sealV1.SealKind> = {
  licensing: sealV1.SealKind.SEAL_KIND_LICENSING,
  'industry-licence': sealV1.SealKind.SEAL_KIND_INDUSTRY_LICENCE,
  official: sealV1.SealKind.SEAL_KIND_OFFICIAL,
  other: sealV1.SealKind.SEAL_KIND_OTHER,
};

function kindName(kind: sealV1.SealKind): string {
  return Object.entries(KINDS).find(([, value]) => value === kind)?.[0] ?? 'unspecified';
}

function statusName(status: sealV1.SealStatus): string {
  return sealV1.sealStatusToJSON(status).replace('SEAL_STATUS_', '').toLowerCase();
}

/** One line per seal: kid, status, kind, department, name, validity. */
export function sealLine(seal: sealV1.Seal): string {
  const status = statusName(seal.status);
  const revoked = seal.compromisedAt ? ` compromised ${seal.compromisedAt}` : '';
  const replaced = seal.replacedByKid ? ` replaced by ${seal.replacedByKid}` : '';
  return (
    `${seal.kid}  ${status.padEnd(7)}  ${kindName(seal.kind).padEnd(16)}  ${seal.departmentCode}  ${seal.name}  ` +
    `valid ${seal.notBefore} .. ${seal.notAfter}${revoked}${replaced}`
  );
}

/** `--valid-years N` as days (N × 365); INVALID_ARGUMENT outside 1–10. */
export function validityDaysOf(years: string | undefined): number {
  if (years === undefined) return 0;
  const n = Number(years);
  if (!/^\d{1,2}$/.test(years) || n < 1 || n > 10) {
    throw invalid('INVALID_ARGUMENT', [
      { field: '--valid-years', reason: 'RANGE', description: 'a whole number of years from 1 to 10' },
    ]);
  }
  return n * 365;
}

function kindOf(kind: string): sealV1.SealKind {
  const value = KINDS[kind];
  if (value === undefined) {
    throw new AppError('INVALID_ARGUMENT', `--kind must be one of ${Object.keys(KINDS).join(', ')}`);
  }
  return value;
}

/** Adds `seal …` to the `onceonly` command line. */
export function registerSealCommands(program: Command): void {
  const seal = program.command('seal').description("the calling department's electronic seals (电子印章)");

  seal
    .command('create')
    .description('create a seal of the calling department (one active seal per kind)')
    .option('--name <name>', 'seal name, e.g. 上海市普陀区市场监督管理局行政许可专用章 (default: department + type)')
    .addOption(new Option('--kind <kind>', 'what it seals').choices(Object.keys(KINDS)).default('licensing'))
    .option('--valid-years <n>', 'validity of the seal certificate in years (default: the hub default)')
    .option('--picture <ref>', 'reference of the seal picture (印模)')
    .action(async (opts: { name?: string; kind: string; validYears?: string; picture?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = sealV1.CreateSealRequest.fromPartial({
        name: opts.name ?? '',
        kind: kindOf(opts.kind),
        validityDays: validityDaysOf(opts.validYears),
        pictureRef: opts.picture ?? '',
      });
      const response = await withSeals(options, (c) => call(c.createSeal.bind(c), request, options));
      write(options.json ? json(sealV1.CreateSealResponse.toJSON(response)) : sealLine(response.seal!));
    });

  seal
    .command('list')
    .description("the calling department's signing seals (auditors: --department, or every department)")
    .option('--department <code>', "another department's seals (auditors only)")
    .option('--all', 'also rotated, revoked and expired seals')
    .action(async (opts: { department?: string; all?: boolean }, cmd: Command) => {
      const options = cliOptions(cmd);
      const seals: sealV1.Seal[] = [];
      await withSeals(options, async (c) => {
        let pageToken = '';
        do {
          const request = sealV1.ListSealsRequest.fromPartial({
            departmentCode: opts.department ?? '',
            includeInactive: opts.all === true,
            page: { pageSize: 200, pageToken },
          });
          const response = await call(c.listSeals.bind(c), request, options);
          seals.push(...response.seals);
          pageToken = response.page?.nextPageToken ?? '';
        } while (pageToken !== '');
      });
      if (options.json) write(json({ seals: seals.map((s) => sealV1.Seal.toJSON(s)) }));
      else write(seals.length === 0 ? 'no seals' : seals.map(sealLine).join('\n'));
    });

  seal
    .command('rotate <kid>')
    .description('replace a seal by a new key and certificate; the old one keeps verifying what it sealed')
    .allowUnknownOption() // a kid may begin with '-' (base64url): see sealKidArgument
    .option('--valid-years <n>', 'validity of the new seal certificate in years')
    .action(async (kid: string, opts: { validYears?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = sealV1.RotateSealRequest.fromPartial({
        kid: sealKidArgument(kid),
        validityDays: validityDaysOf(opts.validYears),
      });
      const response = await withSeals(options, (c) => call(c.rotateSeal.bind(c), request, options));
      write(
        options.json
          ? json(sealV1.RotateSealResponse.toJSON(response))
          : `${sealLine(response.seal!)}\n${sealLine(response.previous!)}`,
      );
    });

  seal
    .command('revoke <kid>')
    .description('revoke a compromised seal: what it sealed from the compromise time on becomes invalid')
    .allowUnknownOption() // a kid may begin with '-' (base64url): see sealKidArgument
    .requiredOption('--reason <reason>', 'why (key leaked, device lost, ...)')
    .option('--compromised-at <time>', 'RFC 3339 time of the compromise (default: now)')
    .action(async (kid: string, opts: { reason: string; compromisedAt?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = sealV1.RevokeSealRequest.fromPartial({
        kid: sealKidArgument(kid),
        reason: opts.reason,
        compromisedAt: opts.compromisedAt ?? '',
      });
      const response = await withSeals(options, (c) => call(c.revokeSeal.bind(c), request, options));
      write(options.json ? json(sealV1.RevokeSealResponse.toJSON(response)) : sealLine(response.seal!));
    });
}

/**
 * The kid argument of `seal rotate|revoke`. One kid in 64 begins with '-', which a CLI parser takes for an option:
 * these commands let unknown options through as arguments, so what is not a kid (a mistyped option) is refused here.
 * @throws AppError INVALID_ARGUMENT naming the argument.
 */
export function sealKidArgument(value: string): string {
  if (isSealKid(value)) return value;
  const what = value.startsWith('-') ? `unknown option or malformed kid ${value}` : `malformed kid ${value}`;
  throw invalid('INVALID_ARGUMENT', [
    { field: 'kid', reason: 'SEAL_KID', description: `${what}: a kid is 22 base64url characters` },
  ]);
}
