/**
 * The business metrics of the last hour, per minute: from the EMF lines the handlers print (Powertools
 * Metrics) when the local cloud captured them, from CloudWatch (GetMetricData) for a deployed stage.
 */
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { ConsoleTarget } from '../target';

export const METRICS_NAMESPACE = 'CheckoutSaga';

/** The metrics the operations page charts (emitted by the handlers, see src/adapters/metrics.ts). */
export const BUSINESS_METRICS = [
  'CheckoutAccepted',
  'CheckoutRejected',
  'OrderCompleted',
  'PaymentDeclined',
  'OrderExpired',
  'OrderCanceled',
  'NeedsAttentionRaised',
] as const;

export interface MetricSeries {
  name: string;
  /** Per-minute sums, oldest first, 60 points ending at `end`. */
  points: number[];
  total: number;
}

export interface MetricsView {
  source: 'emf' | 'cloudwatch' | 'none';
  end: string;
  series: MetricSeries[];
  note?: string;
}

const MINUTE = 60_000;

/** Sums each metric of EMF lines per minute over the hour ending at `end`. */
export function seriesFromEmf(lines: string[], end: number, names: readonly string[] = BUSINESS_METRICS): MetricSeries[] {
  const start = end - 60 * MINUTE;
  const buckets = new Map<string, number[]>(names.map((name) => [name, new Array(60).fill(0)]));
  for (const line of lines) {
    let record: Record<string, any>;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    const meta = record._aws;
    if (!meta?.CloudWatchMetrics || typeof meta.Timestamp !== 'number' || meta.Timestamp < start || meta.Timestamp >= end) continue;
    const minute = Math.floor((meta.Timestamp - start) / MINUTE);
    for (const directive of meta.CloudWatchMetrics) {
      if (directive.Namespace !== METRICS_NAMESPACE) continue;
      for (const metric of directive.Metrics ?? []) {
        const series = buckets.get(metric.Name);
        const value = record[metric.Name];
        if (!series) continue;
        series[minute] += Array.isArray(value) ? value.reduce((a: number, b: number) => a + b, 0) : Number(value) || 0;
      }
    }
  }
  return [...buckets].map(([name, points]) => ({ name, points, total: points.reduce((a, b) => a + b, 0) }));
}

export async function metricsOfLastHour(target: ConsoleTarget, now = Date.now()): Promise<MetricsView> {
  const end = Math.floor(now / MINUTE) * MINUTE + MINUTE;
  if (target.local) {
    if (!target.local.metricLines) return { source: 'none', end: new Date(end).toISOString(), series: [], note: 'The local cloud was started without EMF capture.' };
    return { source: 'emf', end: new Date(end).toISOString(), series: seriesFromEmf(target.local.metricLines(), end) };
  }
  const start = end - 60 * MINUTE;
  const result = await target.cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(start),
      EndTime: new Date(end),
      MetricDataQueries: BUSINESS_METRICS.map((name, index) => ({
        Id: `m${index}`,
        Label: name,
        MetricStat: { Metric: { Namespace: METRICS_NAMESPACE, MetricName: name, Dimensions: [{ Name: 'service', Value: target.names.stateMachine.replace(/-checkout$/, '') }] }, Period: 60, Stat: 'Sum' },
      })),
    }),
  );
  const series = BUSINESS_METRICS.map((name, index) => {
    const data = result.MetricDataResults?.find((r) => r.Id === `m${index}`);
    const points = new Array(60).fill(0);
    (data?.Timestamps ?? []).forEach((timestamp, i) => {
      const minute = Math.floor((timestamp.getTime() - start) / MINUTE);
      if (minute >= 0 && minute < 60) points[minute] += data!.Values?.[i] ?? 0;
    });
    return { name, points, total: points.reduce((a, b) => a + b, 0) };
  });
  return { source: 'cloudwatch', end: new Date(end).toISOString(), series };
}
