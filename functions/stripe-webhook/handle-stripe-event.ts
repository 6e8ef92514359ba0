/**
 * The webhook's decisions on one Stripe event, wired to the real adapters. The reconciler (functions/reconcile-payments) feeds the events it lists through
 * this same path and the same dedupe records, so an event seen by both is handled once.
 */
import * as metrics from '../../src/adapters/metrics';
import * as opsAlerts from '../../src/adapters/ops-alerts';
import * as orders from '../../src/adapters/orders-repository';
import * as payments from '../../src/adapters/payments';
import * as saga from '../../src/adapters/saga';
import { createHandleStripeEvent } from '../../src/use-cases/events/handle-stripe-event';
import { createFlagOrderNeedsAttention } from '../../src/use-cases/saga/flag-needs-attention';

export const handleStripeEvent = createHandleStripeEvent({
  orders,
  payments,
  saga,
  flagOrderNeedsAttention: createFlagOrderNeedsAttention({ orders, opsAlerts, metrics }),
  metrics,
});

