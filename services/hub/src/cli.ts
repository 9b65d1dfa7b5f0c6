import { toAppError } from '@onceonly/errors';
import { Command, Option } from 'commander';
import { EXIT, errorJson } from './client.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerCertCommands } from './commands/cert.js';
import { registerConsentCommands } from './commands/consent.js';
import { registerDepartmentCommands } from './commands/departments.js';
import { registerHubCommands } from './commands/hub.js';
import { registerInitCommand } from './commands/init.js';
import { registerSealCommands } from './commands/seal.js';
import { registerTrustCommands } from './commands/trust.js';
import { HUB_VERSION } from './version.js';

export { EXIT } from './client.js';

/** Builds the `onceonly` command line. */
export function buildCli(): Command {
  const program = new Command('onceonly')
    .description('OnceOnly: integration hub for government data sharing and electronic certificates')
    .version(HUB_VERSION)
    .addOption(
      new Option(
        '--addr <host:port>',
        'address of a running hub (default: ONCEONLY_GRPC_ADDR, where `onceonly start` listens, else 127.0.0.1:50051)',
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
    .showHelpAfterError();
  registerHubCommands(program);
  registerInitCommand(program);
  registerDepartmentCommands(program);
  registerSealCommands(program);
  registerTrustCommands(program);
  registerCertCommands(program);
  registerConsentCommands(program);
  registerAuditCommands(program);
  return program;
}

/**
 * Runs the CLI. A failure prints one line `onceonly: CODE: message` on standard error, or under `--json` one JSON
 * object `{"error":{"code","message","fields"}}` there, and sets the exit code: 2 for configuration, else 1.
 */
export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await buildCli().parseAsync([...argv]);
  } catch (err) {
    const error = toAppError(err);
    const asJson = argv.includes('--json');
    process.stderr.write(asJson ? `${errorJson(error)}\n` : `onceonly: ${error.code}: ${error.message}\n`);
    process.exitCode = error.code === 'CONFIG_MISSING' || error.code === 'CONFIG_INVALID' ? EXIT.config : EXIT.failed;
  }
}
