import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/**
 * A CPU profile of one phase of a suite, when `BENCH_CPU_PROFILE` names a folder: `<folder>/<name>.cpuprofile`
 * (open it in Chrome DevTools or speedscope). Without the variable, nothing is recorded. The profiler samples
 * this process only (the bench hosts the service in it: client, server, relay alike).
 */
export async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const folder = process.env.BENCH_CPU_PROFILE;
  if (folder === undefined || folder === '') return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(`${folder}/${name}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
    process.stderr.write(`CPU profile written: ${folder}/${name}.cpuprofile\n`);
  }
}
