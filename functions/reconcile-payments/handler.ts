import type { Context, ScheduledEvent } from 'aws-lambda';
import { idempotencyStore } from '../../src/adapters/idempotency-store';
import * as metrics from '../../src/adapters/metrics';
import * as opsAlerts from '../../src/adapters/ops-alerts';
import * as orders from '../../src/adapters/orders-repository';
import * as payments from '../../src/adapters/payments';
import * as saga from '../../src/adapters/saga';
import { config } from '../../src/commons/config';
import { withLogging } from '../../src/commons/logger';
import { createHandleStripeEvent } from '../../src/use-cases/events/handle-stripe-event';
import { createHandleStripeEventOnce } from '../../src/use-cases/events/handle-stripe-event-once';
import { createReconcilePayments } from '../../src/use-cases/events/reconcile-payments';
import { createFlagOrderNeedsAttention } from '../../src/use-cases/saga/flag-needs-attention';

const reconcilePayments = createReconcilePayments({
  payments,
  // The webhook's own path: the same decisions and the same dedupe records (functions/stripe-webhook).
  handleStripeEventOnce: createHandleStripeEventOnce({
    handleStripeEvent: createHandleStripeEvent({
      orders,
      payments,
      saga,
      flagOrderNeedsAttention: createFlagOrderNeedsAttention({ orders, opsAlerts, metrics }),
      metrics,
    }),
    persistenceStore: idempotencyStore(),
  }),
  lookBackSeconds: () => config.reconcileLookBackSeconds,
});

/** Run by its schedule (EventBridge on AWS, local/scheduler locally): catches up on lost Stripe webhooks. */
export const handler = withLogging(async (_event: ScheduledEvent, context: Context) => reconcilePayments(context));
