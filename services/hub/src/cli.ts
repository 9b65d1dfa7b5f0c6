import { AUDIT_CONFIG } from '@onceonly/audit';
import { HubServiceClient } from '@onceonly/contracts';
import { type AppError, toAppError } from '@onceonly/errors';
import { formatConfigHelp } from '@onceonly/kit';
import { Command, Option } from 'commander';
import { addAuditCommands } from './audit-commands.js';
import { registerCertCommands } from './cert-commands.js';
import { call, checkHealth, cliOptions, withClient } from './client.js';
import { HUB_CONFIG, loadHubConfig } from './config.js';
import { registerSealCommands } from './seal-commands.js';
import { startHub } from './start.js';
import { HUB_VERSION } from './version.js';

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failed: 1, config: 2, unhealthy: 3 } as const;

function print(json: boolean, value: object, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

/** Builds the `onceonly` command line. */
export function buildCli(): Command {
  const program = new Command('onceonly')
    .description('OnceOnly: integration hub for government data sharing and electronic certificates')
    .version(HUB_VERSION)
    .addOption(
      new Option('--addr <host:port>', 'address of a running hub').env('ONCEONLY_ADDR').default('127.0.0.1:50051'),
    )
    .addOption(
      new Option('--as <department>', 'development identity: the calling department code')
        .env('ONCEONLY_AS')
        .default('onceonly-cli'),
    )
    .addOption(new Option('--role <role>', 'development identity: department, platform, portal or auditor'))
    .option('--ca <pem>', "mTLS: the hub's CA certificate")
    .option('--cert <pem>', 'mTLS: client certificate')
    .option('--key <pem>', 'mTLS: client key')
    .option('--timeout <ms>', 'deadline of each call', '10000')
    .option('--json', 'machine-readable output')
    .showHelpAfterError();

  program
    .command('start')
    .description('run the hub: every service in one process on one gRPC port (see `onceonly config`)')
    .action(async () => {
      const hub = await startHub({ config: loadHubConfig(), signals: true });
      process.stdout.write(`${hub.readyLine}\n`);
    });

  program
    .command('health')
    .description('grpc.health.v1 Check against a running hub; exits 0 when SERVING')
    .option('--service <name>', 'one service (default: the whole hub)', '')
    .action(async (opts: { service: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const status = await checkHealth(options, opts.service);
      print(options.json, { address: options.addr, service: opts.service, status }, status);
      if (status !== 'SERVING') process.exitCode = EXIT.unhealthy;
    });

  program
    .command('info')
    .description('version, mode and hosted services of a running hub')
    .action(async (_opts: object, cmd: Command) => {
      const options = cliOptions(cmd);
      const info = await withClient(HubServiceClient, options, (c) => call(c.getInfo.bind(c), {}, options));
      const text = [
        `version  ${info.version}`,
        `mode     ${info.mode} (storage ${info.storage}, events ${info.eventTransport})`,
        `started  ${info.startedAt}`,
        `services ${info.services.join(', ')}`,
      ].join('\n');
      print(options.json, info, text);
    });

  program
    .command('whoami')
    .description('the caller identity as the hub sees it')
    .action(async (_opts: object, cmd: Command) => {
      const options = cliOptions(cmd);
      const me = await withClient(HubServiceClient, options, (c) => call(c.whoAmI.bind(c), {}, options));
      print(options.json, me, `${me.departmentCode} (${me.departmentName}) role=${me.role} via ${me.authenticatedBy}`);
    });

  program
    .command('config')
    .description('the environment variables that `onceonly start` reads, with their defaults')
    .action(() => {
      process.stdout.write(`Environment of onceonly start:\n${formatConfigHelp(HUB_CONFIG)}\n`);
      process.stdout.write(`\nAudit log (@onceonly/audit):\n${formatConfigHelp(AUDIT_CONFIG)}\n`);
    });

  registerSealCommands(program);
  registerCertCommands(program);
  addAuditCommands(program);

  return program;
}

/** Runs the CLI; failures print one line `onceonly: CODE: message` and set the exit code. */
export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await buildCli().parseAsync([...argv]);
  } catch (err) {
    const error = toAppError(err);
    process.stderr.write(`onceonly: ${error.code}: ${error.message}\n`);
    process.exitCode = isConfigError(error) ? EXIT.config : EXIT.failed;
  }
}

function isConfigError(error: AppError): boolean {
  return error.code === 'CONFIG_MISSING' || error.code === 'CONFIG_INVALID';
}
