/**
 * The business metrics of the last hour, per minute: from the EMF lines the handlers print (Powertools
 * Metrics, src/adapters/metrics.ts) when the local cloud captured them, from CloudWatch (GetMetricData)
 * for a deployed stage. Counts are summed per minute; durations averaged per minute.
 */
import { GetMetricDataCommand, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { COUNTED_EVENTS, METRICS_NAMESPACE, TIMED_EVENTS } from '../../../src/domain/business-metrics';
import { SERVICE, type ConsoleTarget } from '../target';

export { METRICS_NAMESPACE };

export interface MetricSeries {
  name: string;
  unit: 'Count' | 'Milliseconds';
  /** Per minute, oldest first, 60 points ending at `end`: sums of counts, averages of durations (0: none). */
  points: number[];
  /** Counts: the hour's sum. Durations: the hour's average over all values. */
  total: number;
  /** How many values were emitted in the hour (events for counts, orders measured for durations). */
  samples: number;
}

export interface MetricsView {
  source: 'emf' | 'cloudwatch' | 'none';
  end: string;
  series: MetricSeries[];
  note?: string;
}

const MINUTE = 60_000;
const SERIES = [...COUNTED_EVENTS.map((name) => ({ name, unit: 'Count' as const })), ...TIMED_EVENTS.map((name) => ({ name, unit: 'Milliseconds' as const }))];

/** Per-minute sums and value counts of one metric, turned into its series. */
function seriesOf(name: string, unit: MetricSeries['unit'], sums: number[], counts: number[]): MetricSeries {
  const sum = sums.reduce((a, b) => a + b, 0);
  const samples = counts.reduce((a, b) => a + b, 0);
  if (unit === 'Count') return { name, unit, points: sums, total: sum, samples };
  return {
    name,
    unit,
    points: sums.map((value, minute) => (counts[minute] ? Math.round(value / counts[minute]) : 0)),
    total: samples ? Math.round(sum / samples) : 0,
    samples,
  };
}

/** The business metrics of EMF lines (Powertools' output: one JSON object per line), per minute over the hour ending at `end`. */
export function seriesFromEmf(lines: string[], end: number): MetricSeries[] {
  const start = end - 60 * MINUTE;
  const sums = new Map(SERIES.map(({ name }) => [name as string, new Array<number>(60).fill(0)]));
  const counts = new Map(SERIES.map(({ name }) => [name as string, new Array<number>(60).fill(0)]));
  for (const line of lines) {
    let record: Record<string, any>;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    const meta = record._aws;
    if (!Array.isArray(meta?.CloudWatchMetrics) || typeof meta.Timestamp !== 'number' || meta.Timestamp < start || meta.Timestamp >= end) continue;
    const minute = Math.floor((meta.Timestamp - start) / MINUTE);
    for (const directive of meta.CloudWatchMetrics) {
      if (directive.Namespace !== METRICS_NAMESPACE) continue;
      for (const metric of directive.Metrics ?? []) {
        if (!sums.has(metric.Name)) continue;
        // EMF allows an array of values for one name (Powertools writes one when a metric is added twice before a flush).
        const values = ([] as unknown[]).concat(record[metric.Name]).map(Number).filter(Number.isFinite);
        sums.get(metric.Name)![minute] += values.reduce((a, b) => a + b, 0);
        counts.get(metric.Name)![minute] += values.length;
      }
    }
  }
  return SERIES.map(({ name, unit }) => seriesOf(name, unit, sums.get(name)!, counts.get(name)!));
}

/** The dimensions the handlers emit with (src/adapters/metrics.ts): the service and the stage. */
export function metricDimensions(stage: string) {
  return [
    { Name: 'service', Value: SERVICE },
    { Name: 'stage', Value: stage },
  ];
}

export async function metricsOfLastHour(target: ConsoleTarget, now = Date.now()): Promise<MetricsView> {
  const end = Math.floor(now / MINUTE) * MINUTE + MINUTE;
  if (target.local) {
    if (!target.local.metricLines) return { source: 'none', end: new Date(end).toISOString(), series: [], note: 'The local cloud was started without EMF capture.' };
    return { source: 'emf', end: new Date(end).toISOString(), series: seriesFromEmf(target.local.metricLines(), end) };
  }
  const start = end - 60 * MINUTE;
  const metric = (name: string) => ({ Namespace: METRICS_NAMESPACE, MetricName: name, Dimensions: metricDimensions(target.stage) });
  // Per metric and minute: the sum and the number of values, from which durations are averaged.
  const queries: MetricDataQuery[] = SERIES.flatMap(({ name }, index) => [
    { Id: `s${index}`, Label: name, MetricStat: { Metric: metric(name), Period: 60, Stat: 'Sum' } },
    { Id: `n${index}`, Label: name, MetricStat: { Metric: metric(name), Period: 60, Stat: 'SampleCount' } },
  ]);
  const perMinute = (id: string, results: MetricDataResult[]) => {
    const points = new Array<number>(60).fill(0);
    const data = results?.find((r) => r.Id === id);
    if (!data) return points;
    (data.Timestamps ?? []).forEach((timestamp, i) => {
      const minute = Math.floor((timestamp.getTime() - start) / MINUTE);
      if (minute >= 0 && minute < 60) points[minute] += data.Values?.[i] ?? 0;
    });
    return points;
  };
  const results: MetricDataResult[] = [];
  let nextToken: string | undefined;
  do {
    const page = await target.cloudwatch.send(new GetMetricDataCommand({ StartTime: new Date(start), EndTime: new Date(end), MetricDataQueries: queries, NextToken: nextToken }));
    results.push(...(page.MetricDataResults ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  const series = SERIES.map(({ name, unit }, index) => seriesOf(name, unit, perMinute(`s${index}`, results), perMinute(`n${index}`, results)));
  return { source: 'cloudwatch', end: new Date(end).toISOString(), series };
}
