import * as metrics from '../../src/adapters/metrics';
import * as opsAlerts from '../../src/adapters/ops-alerts';
import * as orders from '../../src/adapters/orders-repository';
import { logOrder, withLogging } from '../../src/commons/logger';
import { createFlagOrderNeedsAttention } from '../../src/use-cases/saga/flag-needs-attention';

const flagOrderNeedsAttention = createFlagOrderNeedsAttention({ orders, opsAlerts, metrics });

interface FlagEvent {
  orderId: string;
  failedStep: string;
  failure?: { Error?: string; Cause?: string };
  executionId?: string;
}

/** Invoked by the state machine when a post-payment step still fails after its retries. */
export const handler = withLogging(async (event: FlagEvent) => {
  logOrder(event.orderId);
  await flagOrderNeedsAttention({
    orderId: event.orderId,
    kind: 'POST_PAYMENT_STEP_FAILED',
    step: event.failedStep,
    error: event.failure?.Error ?? 'Unknown',
    reason: `${event.failedStep} failed after its retries: ${(event.failure?.Cause ?? '').slice(0, 500)}`,
    executionId: event.executionId,
  });
  return { flagged: true };
});
