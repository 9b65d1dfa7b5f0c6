import { AppError, toAppError } from '@onceonly/errors';
import { type Command, CommanderError } from 'commander';
import { COMMAND_MODULES, modulesFor } from './cli-commands.js';
import { EXIT, errorJson } from './cli-exit.js';
import { type BuildOptions, globalProgram } from './cli-program.js';

export { EXIT } from './cli-exit.js';
export type { BuildOptions } from './cli-program.js';

/**
 * Builds the `onceonly` command line with the modules of commands that `args` (the arguments after `node onceonly`)
 * need: the one of the command they name, or every module without `args` or when they name none (ADR 063: loading
 * them all takes more than a second). Usage errors throw a CommanderError (every subcommand inherits this).
 */
export async function buildCli(options: BuildOptions = {}, args?: readonly string[]): Promise<Command> {
  const program = globalProgram(options);
  const modules = args === undefined ? COMMAND_MODULES : modulesFor(args, program);
  const registers = await Promise.all(modules.map((m) => m.load()));
  for (const register of registers) register(program);
  return program;
}

/**
 * Runs the CLI. A failure prints one line `onceonly: CODE: message` on standard error, or under `--json` one JSON
 * object `{"error":{"code","message","fields"}}` there, and sets the exit code: 2 for configuration, else 1.
 */
export async function runCli(argv: readonly string[]): Promise<void> {
  const asJson = argv.includes('--json');
  try {
    await (await buildCli({ json: asJson }, argv.slice(2))).parseAsync([...argv]);
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
