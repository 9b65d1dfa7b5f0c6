import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/**
 * A CPU profile of one phase of a suite, when `BENCH_CPU_PROFILE` names a folder: `<folder>/<name>.cpuprofile`
 * (open it in Chrome DevTools or speedscope). Without the variable, nothing is recorded. The profiler samples
 * this process only (the bench hosts the service in it: client, server, relay alike).
 */
/** Whether `BENCH_CPU_PROFILE` asks for profiles. */
export function profiling(): boolean {
  const folder = process.env.BENCH_CPU_PROFILE;
  return folder !== undefined && folder !== '';
}

export async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!profiling()) return fn();
  const folder = process.env.BENCH_CPU_PROFILE as string;
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
    await writeFile(`${folder}/${name}.cpuprofile`, JSON.stringify(profile));
    if (heap) {
      const sampled = await session.post('HeapProfiler.stopSampling');
      await writeFile(`${folder}/${name}.heapprofile`, JSON.stringify(sampled.profile));
    }
    session.disconnect();
    process.stderr.write(`CPU profile written: ${folder}/${name}.cpuprofile\n`);
  }
}
