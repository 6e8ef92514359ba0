/**
 * Business metrics as CloudWatch embedded metric format (Powertools Metrics): one JSON line on stdout
 * per event, which CloudWatch Logs turns into metrics; no client, no API call. Published at once rather
 * than at the end of the invocation, so that a step that fails later still reports what happened.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../commons/config';
import { METRICS_NAMESPACE, type CountedEvent, type TimedEvent } from '../domain/business-metrics';

let metrics: Metrics | undefined;

/** Dimensions: service (POWERTOOLS_SERVICE_NAME) and stage, so that two stages in one account stay apart. */
function emitter(): Metrics {
  metrics ??= new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'checkout-saga',
    defaultDimensions: { stage: config.stage },
  });
  return metrics;
}

export function countEvent(name: CountedEvent): void {
  emitter().addMetric(name, MetricUnit.Count, 1).publishStoredMetrics();
}

export function recordDuration(name: TimedEvent, milliseconds: number): void {
  emitter().addMetric(name, MetricUnit.Milliseconds, Math.max(0, Math.round(milliseconds))).publishStoredMetrics();
}
