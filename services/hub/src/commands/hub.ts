import { HubServiceClient } from '@onceonly/contracts';
import { type ConfigSchema, formatConfigHelp } from '@onceonly/kit';
import type { Command } from 'commander';
import { call, checkHealth, cliOptions, EXIT, print, withClient, writeLine } from '../client.js';
import { HUB_CONFIG, loadHubConfig } from '../config.js';
import { HUB_MODULES } from '../modules.js';
import { selectModules, serviceNames } from '../select-modules.js';
import { startHub } from '../start.js';

/** `onceonly start|health|info|whoami|config`: the hub itself. */

function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'run the hub: every service, or those of --services, in one process on one gRPC port (see `onceonly config`)',
    )
    .option(
      '--services <names>',
      `the services to host, comma-separated (${HUB_MODULES.map((m) => m.name).join(',')}; default: ONCEONLY_SERVICES, else all)`,
    )
    .action(async (opts: { services?: string }) => {
      const config = loadHubConfig();
      const modules =
        opts.services === undefined ? undefined : selectModules(serviceNames(opts.services), HUB_MODULES, '--services');
      const hub = await startHub({ config, signals: true, ...(modules ? { modules, checkPeers: true } : {}) });
      writeLine(hub.readyLine);
    });
}

function registerHealth(program: Command): void {
  program
    .command('health')
    .description(`grpc.health.v1 Check against a running hub; exits 0 when SERVING, ${EXIT.unhealthy} otherwise`)
    .option('--service <name>', 'one service (default: the whole hub)', '')
    .action(async (opts: { service: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const status = await checkHealth(options, opts.service);
      print(options, { address: options.addr, service: opts.service, status }, status);
      if (status !== 'SERVING') process.exitCode = EXIT.unhealthy;
    });
}

function registerInfo(program: Command): void {
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
      print(options, info, text);
    });
}

function registerWhoAmI(program: Command): void {
  program
    .command('whoami')
    .description('the caller identity as the hub sees it')
    .action(async (_opts: object, cmd: Command) => {
      const options = cliOptions(cmd);
      const me = await withClient(HubServiceClient, options, (c) => call(c.whoAmI.bind(c), {}, options));
      print(options, me, `${me.departmentCode} (${me.departmentName}) role=${me.role} via ${me.authenticatedBy}`);
    });
}

/** The variables of `onceonly start`: the launcher's, then each hosted module's own, in start order. */
export function configSections(
  modules: readonly { name: string; config?: ConfigSchema }[],
): { name: string; schema: ConfigSchema }[] {
  const own = modules.flatMap((m) => (m.config ? [{ name: m.name, schema: m.config }] : []));
  return [{ name: 'hub', schema: HUB_CONFIG }, ...own];
}

/** `onceonly config` as text: one section per module. */
export function configText(sections: readonly { name: string; schema: ConfigSchema }[]): string {
  const [hub, ...modules] = sections;
  const parts = [`Environment of onceonly start:\n${formatConfigHelp(hub!.schema)}`];
  for (const m of modules) parts.push(`Service ${m.name}:\n${formatConfigHelp(m.schema)}`);
  return parts.join('\n\n');
}

function registerConfig(program: Command): void {
  program
    .command('config')
    .description('the environment variables that `onceonly start` reads (the hub and each service), with defaults')
    .action((_opts: object, cmd: Command) => {
      const sections = configSections(HUB_MODULES);
      const value = sections.map((s) => ({ service: s.name, variables: Object.keys(s.schema) }));
      print(
        { json: cmd.optsWithGlobals<{ json?: boolean }>().json === true },
        { sections: value },
        configText(sections),
      );
    });
}

/** Adds the hub's own commands to the `onceonly` command line. */
export function registerHubCommands(program: Command): void {
  registerStart(program);
  registerHealth(program);
  registerInfo(program);
  registerWhoAmI(program);
  registerConfig(program);
}
