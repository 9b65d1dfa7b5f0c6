import type { Command } from 'commander';

/** Registers a module's commands on the program. */
export type RegisterCommands = (program: Command) => void;

/** One module of commands: the top-level commands it registers, and how to load it. */
export interface CommandModule {
  readonly names: readonly string[];
  readonly load: () => Promise<RegisterCommands>;
}

/**
 * The CLI's modules of commands, in the order of the full help, each with the top-level commands it registers
 * (`cli-commands.unit.test.ts` checks both). Each is loaded only when a command of it runs (ADR 063):
 * loading them all takes more than a second, mostly the services' and libraries' modules they import.
 */
export const COMMAND_MODULES: readonly CommandModule[] = [
  {
    names: ['start', 'health', 'info', 'whoami', 'config'],
    load: async () => (await import('./commands/hub.js')).registerHubCommands,
  },
  { names: ['init'], load: async () => (await import('./commands/init.js')).registerInitCommand },
  { names: ['tls'], load: async () => (await import('./commands/tls.js')).registerTlsCommand },
  { names: ['departments'], load: async () => (await import('./commands/departments.js')).registerDepartmentCommands },
  { names: ['seal'], load: async () => (await import('./commands/seal.js')).registerSealCommands },
  { names: ['trust'], load: async () => (await import('./commands/trust.js')).registerTrustCommands },
  { names: ['cert'], load: async () => (await import('./commands/cert.js')).registerCertCommands },
  { names: ['assist'], load: async () => (await import('./commands/assist.js')).registerAssistCommands },
  { names: ['credit'], load: async () => (await import('./commands/credit.js')).registerCreditCommands },
  { names: ['materials'], load: async () => (await import('./commands/materials.js')).registerMaterialsCommands },
  { names: ['inspect'], load: async () => (await import('./commands/inspect.js')).registerInspectCommands },
  { names: ['consent', 'platform'], load: async () => (await import('./commands/consent.js')).registerConsentCommands },
  {
    names: ['platform-client'],
    load: async () => (await import('./commands/platform-client.js')).registerPlatformClientCommands,
  },
  { names: ['retention'], load: async () => (await import('./commands/retention.js')).registerRetentionCommands },
  { names: ['audit'], load: async () => (await import('./commands/audit.js')).registerAuditCommands },
  { names: ['workdays'], load: async () => (await import('./commands/workdays.js')).registerWorkdaysCommands },
];

/**
 * The top-level command that the arguments (after `node onceonly`) name: their first operand, the program's own
 * options skipped with their values (`--addr x`, `--addr=x`). Undefined when they name none (`--help`, `--version`).
 */
export function commandNamed(args: readonly string[], program: Command): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return args[i + 1];
    if (!arg.startsWith('-') || arg === '-') return arg;
    if (arg.includes('=')) continue;
    const option = program.options.find((o) => o.long === arg || o.short === arg);
    // an option that takes a value takes the next argument (commander does the same); an unknown one is left to it
    if (option?.required || option?.optional) i++;
  }
  return undefined;
}

/**
 * The modules that the arguments need: the one of the command they name; none for the version alone; every module
 * when they name none or one no module has (help, `help <command>`, a usage error: the full program answers those).
 */
export function modulesFor(args: readonly string[], program: Command): readonly CommandModule[] {
  const name = commandNamed(args, program);
  // the version is printed before any command is looked at
  if (name === undefined && (args.includes('--version') || args.includes('-V'))) return [];
  const named = name === undefined ? undefined : COMMAND_MODULES.find((m) => m.names.includes(name));
  return named === undefined ? COMMAND_MODULES : [named];
}
