import { Command, Option } from 'commander';
import { HUB_VERSION } from './version.js';

/** Options of {@link globalProgram}. */
export interface BuildOptions {
  /** `--json` was given: usage errors are left to `runCli`, which prints them as JSON. */
  json?: boolean;
}

/**
 * The `onceonly` program with its global options and no command yet: light to load (commander alone), so that the
 * CLI loads only the commands it runs (ADR 063). Usage errors throw a CommanderError (every subcommand inherits this).
 */
export function globalProgram(options: BuildOptions = {}): Command {
  return new Command('onceonly')
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
}
