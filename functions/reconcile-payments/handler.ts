import type { Context, ScheduledEvent } from 'aws-lambda';
import { idempotencyStore } from '../../src/adapters/idempotency-store';
import * as payments from '../../src/adapters/payments';
import { config } from '../../src/commons/config';
import { withLogging } from '../../src/commons/logger';
import { createHandleStripeEventOnce } from '../../src/use-cases/events/handle-stripe-event-once';
import { createReconcilePayments } from '../../src/use-cases/events/reconcile-payments';
import { handleStripeEvent } from '../stripe-webhook/handle-stripe-event';

const reconcilePayments = createReconcilePayments({
  payments,
  // The webhook's own path: the same decisions and the same dedupe records (functions/stripe-webhook).
  handleStripeEventOnce: createHandleStripeEventOnce({
    handleStripeEvent,
    persistenceStore: idempotencyStore(),
  }),
  lookBackSeconds: () => config.reconcileLookBackSeconds,
});

/** Run by its schedule (EventBridge on AWS, local/scheduler locally): catches up on lost Stripe webhooks. */
export const handler = withLogging(async (_event: ScheduledEvent, context: Context) => reconcilePayments(context));
