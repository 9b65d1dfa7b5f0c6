import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/**
 * A CPU profile of one phase of a suite, when `BENCH_CPU_PROFILE` names a folder: `<folder>/<name>.cpuprofile`
 * (open it in Chrome DevTools or speedscope; a phase profiled again gets a numbered file). Without the variable,
 * nothing is recorded. The profiler samples this process only (the bench hosts the service in it: client, server,
 * relay alike).
 */
/** Whether `BENCH_CPU_PROFILE` asks for profiles. */
export function profiling(): boolean {
  const folder = process.env.BENCH_CPU_PROFILE;
  return folder !== undefined && folder !== '';
}

/** Profiles written so far per name: a name profiled again in the process gets `-2`, `-3`, … (none overwritten). */
const written = new Map<string, number>();

export async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!profiling()) return fn();
  const folder = process.env.BENCH_CPU_PROFILE as string;
  const count = (written.get(name) ?? 0) + 1;
  written.set(name, count);
  const file = count === 1 ? name : `${name}-${count}`;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const heap = process.env.BENCH_HEAP_PROFILE === '1';
  if (heap) {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 8192,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(`${folder}/${file}.cpuprofile`, JSON.stringify(profile));
    if (heap) {
      const sampled = await session.post('HeapProfiler.stopSampling');
      await writeFile(`${folder}/${file}.heapprofile`, JSON.stringify(sampled.profile));
    }
    session.disconnect();
    process.stderr.write(`CPU profile written: ${folder}/${file}.cpuprofile\n`);
  }
}
