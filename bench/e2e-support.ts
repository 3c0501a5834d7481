/** Shared by the bench/e2e-*.bench.ts files: closed-loop load at a fixed concurrency, percentiles, formatting. */
export interface LoadResult {
  readonly ops: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU time of this process per operation, microseconds (user + system). */
  readonly cpuUsPerOp: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Runs `op` from `concurrency` workers for `seconds`; `op` resolves true when the result was the expected one. */
export async function closedLoop(
  concurrency: number,
  seconds: number,
  op: (worker: number, i: number) => Promise<boolean>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < end) {
        const t = performance.now();
        const ok = await op(w, n++);
        latencies.push(performance.now() - t);
        if (!ok) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length,
    errors,
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuUsPerOp: (used.user + used.system) / Math.max(1, latencies.length),
  };
}

export function formatLoad(name: string, r: LoadResult): string {
  return `${name.padEnd(44)} ${r.perSecond.toFixed(0).padStart(7)}/s  p50 ${r.p50.toFixed(2).padStart(7)} ms  p99 ${r.p99
    .toFixed(2)
    .padStart(7)} ms  cpu ${r.cpuUsPerOp.toFixed(0).padStart(5)} us/op  errors ${r.errors}`;
}

/** Best of several rounds (rounds interleave variants so background load hits them alike). */
export function best(results: readonly LoadResult[]): LoadResult {
  return [...results].sort((a, b) => b.perSecond - a.perSecond)[0]!;
}
