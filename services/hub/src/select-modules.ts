import { AppError } from '@onceonly/errors';
import type { TopicSpec } from '@onceonly/events';
import type { ServiceModule } from '@onceonly/kit';

/**
 * The modules a process hosts (`onceonly start --services`, `ONCEONLY_SERVICES`): all of them when none is named,
 * else the named ones, always in the hub's start order (the audit log last), whatever order they were named in.
 *
 * @param source what named them, for the error (`--services` or `ONCEONLY_SERVICES`)
 * @throws AppError CONFIG_INVALID naming the unknown services and listing the valid ones; also for an empty list
 */
export function selectModules(
  names: readonly string[] | undefined,
  modules: readonly ServiceModule[],
  source = 'ONCEONLY_SERVICES',
): readonly ServiceModule[] {
  if (names === undefined) return modules;
  const valid = modules.map((m) => m.name);
  const wanted = names.map((n) => n.trim()).filter((n) => n.length > 0);
  const unknown = wanted.filter((n) => !valid.includes(n));
  if (wanted.length === 0 || unknown.length > 0) {
    const what = unknown.length > 0 ? `unknown service ${unknown.map((n) => JSON.stringify(n)).join(', ')}` : 'empty';
    const description = `${source}: ${what}; the services are ${valid.join(', ')}`;
    throw new AppError('CONFIG_INVALID', description, {
      details: { fields: [{ field: source, reason: 'CONFIG_INVALID', description }] },
    });
  }
  return modules.filter((m) => wanted.includes(m.name));
}

/**
 * The topics of the modules this process does not host, to register before the hosted ones start: the audit log
 * reads every topic registered before it, so that a log in a process of its own still reads every service's topic.
 */
export function topicsOfOthers(hosted: readonly ServiceModule[], all: readonly ServiceModule[]): TopicSpec[] {
  return all.filter((m) => !hosted.includes(m)).flatMap((m) => m.topics ?? []);
}

/** Parses `--services a,b` (commas, spaces tolerated) into names; undefined when the option was not given. */
export function serviceNames(option: string | undefined): string[] | undefined {
  return option === undefined ? undefined : option.split(',').map((n) => n.trim());
}

/**
 * Refuses a process whose service calls a peer hosted elsewhere without the variable that says where: the default
 * address is the process's own, which would answer UNIMPLEMENTED at the first call (`--services materials` without
 * ONCEONLY_MATERIALS_CERTIFICATE_ADDR).
 *
 * @throws AppError CONFIG_MISSING naming every missing variable and the peer it is for
 */
export function checkPeers(hosted: readonly ServiceModule[], env: NodeJS.ProcessEnv): void {
  const names = new Set(hosted.map((m) => m.name));
  const missing = hosted.flatMap((m) =>
    (m.peers ?? [])
      .filter((p) => !names.has(p.service) && !env[p.addressVariable]?.trim())
      .map((p) => ({
        field: p.addressVariable,
        reason: 'CONFIG_MISSING',
        description: `${p.addressVariable}: required, ${m.name} calls ${p.service}, which this process does not host (host:port)`,
      })),
  );
  const first = missing[0];
  if (first) throw new AppError('CONFIG_MISSING', first.description, { details: { fields: missing } });
}
