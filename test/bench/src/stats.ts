/** Latency summary in milliseconds. */
export interface Latency {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarise(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    samples: sorted.length,
  };
}

/** High-resolution wall clock in epoch milliseconds (comparable across the processes of one machine). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
