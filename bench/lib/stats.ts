/** Nearest-rank percentile of a sample (ms); undefined for an empty sample. */
export function percentile(sample: number[], p: number): number | undefined {
  if (sample.length === 0) return undefined;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export interface Distribution {
  n: number;
  p50?: number;
  p95?: number;
  p99?: number;
  max?: number;
}

export function distribution(sample: number[]): Distribution {
  const round = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 10) / 10);
  return {
    n: sample.length,
    p50: round(percentile(sample, 50)),
    p95: round(percentile(sample, 95)),
    p99: round(percentile(sample, 99)),
    max: round(sample.length ? Math.max(...sample) : undefined),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
