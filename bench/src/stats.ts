// Latency samples and the figures drawn from them. Samples are kept in a growable Float64Array
// (milliseconds), so a phase of a few hundred thousand operations costs a few megabytes at most.

export class LatencySamples {
  private data = new Float64Array(1 << 14);
  private size = 0;

  get count(): number {
    return this.size;
  }

  add(ms: number): void {
    if (this.size === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.size++] = ms;
  }

  summary(): LatencySummary {
    return summarize(this.data.subarray(0, this.size));
  }
}

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentiles of the samples (milliseconds); zeros when there are none. */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const count = sorted.length;
  if (count === 0) return { count: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: 0 };
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count,
    meanMs: sum / count,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[count - 1] ?? 0,
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

/** ours / reference, or null when the reference is not a positive number. */
export function ratio(ours: number, reference: number): number | null {
  return reference > 0 && Number.isFinite(ours) ? ours / reference : null;
}

/** Milliseconds since `start` (a process.hrtime.bigint() reading). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
