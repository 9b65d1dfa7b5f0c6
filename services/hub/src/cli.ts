import { AppError, toAppError } from '@onceonly/errors';
import { Command, CommanderError, Option } from 'commander';
import { EXIT, errorJson } from './client.js';
import { registerAssistCommands } from './commands/assist.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerCertCommands } from './commands/cert.js';
import { registerConsentCommands } from './commands/consent.js';
import { registerCreditCommands } from './commands/credit.js';
import { registerDepartmentCommands } from './commands/departments.js';
import { registerHubCommands } from './commands/hub.js';
import { registerInitCommand } from './commands/init.js';
import { registerInspectCommands } from './commands/inspect.js';
import { registerMaterialsCommands } from './commands/materials.js';
import { registerPlatformClientCommands } from './commands/platform-client.js';
import { registerRetentionCommands } from './commands/retention.js';
import { registerSealCommands } from './commands/seal.js';
import { registerTlsCommand } from './commands/tls.js';
import { registerTrustCommands } from './commands/trust.js';
import { registerWorkdaysCommands } from './commands/workdays.js';
import { HUB_VERSION } from './version.js';

export { EXIT } from './client.js';

/** Options of {@link buildCli}. */
export interface BuildOptions {
  /** `--json` was given: usage errors are left to `runCli`, which prints them as JSON. */
  json?: boolean;
}

/** Builds the `onceonly` command line. Usage errors throw a CommanderError (every subcommand inherits this). */
export function buildCli(options: BuildOptions = {}): Command {
  const program = new Command('onceonly')
    .exitOverride()
    .configureOutput(options.json ? { outputError: () => undefined, writeErr: () => undefined } : {})
    .description('OnceOnly: integration hub for government data sharing and electronic certificates')
    .version(HUB_VERSION)
    .addOption(
      new Option(
        '--addr <host:port>',
        'address of a running hub (default: ONCEONLY_GRPC_ADDR, where `onceonly start` listens, else 127.0.0.1:50051); replicas of one service: several IP addresses separated by commas, or one dns: name, and calls go round robin',
      ),
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
    .option('--json', 'machine-readable output; errors too, as {"error":{"code","message","fields"}} on stderr')
    .showHelpAfterError(options.json !== true);
  registerHubCommands(program);
  registerInitCommand(program);
  registerTlsCommand(program);
  registerDepartmentCommands(program);
  registerSealCommands(program);
  registerTrustCommands(program);
  registerCertCommands(program);
  registerAssistCommands(program);
  registerCreditCommands(program);
  registerMaterialsCommands(program);
  registerInspectCommands(program);
  registerConsentCommands(program);
  registerPlatformClientCommands(program);
  registerRetentionCommands(program);
  registerAuditCommands(program);
  registerWorkdaysCommands(program);
  return program;
}

/**
 * Runs the CLI. A failure prints one line `onceonly: CODE: message` on standard error, or under `--json` one JSON
 * object `{"error":{"code","message","fields"}}` there, and sets the exit code: 2 for configuration, else 1.
 */
export async function runCli(argv: readonly string[]): Promise<void> {
  const asJson = argv.includes('--json');
  try {
    await buildCli({ json: asJson }).parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) return usageError(err, asJson);
    const error = toAppError(err);
    process.stderr.write(asJson ? `${errorJson(error)}\n` : `onceonly: ${error.code}: ${error.message}\n`);
    process.exitCode = error.code === 'CONFIG_MISSING' || error.code === 'CONFIG_INVALID' ? EXIT.config : EXIT.failed;
  }
}

/** Help and version end with 0; a usage error (commander printed it, unless `--json`) with its exit code. */
function usageError(err: CommanderError, asJson: boolean): void {
  process.exitCode = err.exitCode;
  if (err.exitCode === 0 || !asJson) return;
  const message = err.message.replace(/^error: /, '');
  process.stderr.write(
    `${errorJson(new AppError('INVALID_ARGUMENT', message, { details: { meta: { usage: err.code } } }))}\n`,
  );
}
