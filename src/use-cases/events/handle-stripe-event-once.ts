/**
 * Each Stripe event handled once, whoever sees it first: the webhook (stripeWebhook) or the
 * reconciler that lists the events the webhook may have missed (reconcilePayments). One durable
 * record per event id in the idempotency table (Powertools Idempotency): a repeat returns the
 * first outcome and does nothing; a failed attempt (RetryLater included) leaves no record, so the
 * next sighting handles the event again.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import type { StripeEvent } from '../../adapters/payments';
import type { HandleStripeEvent, WebhookOutcome } from './handle-stripe-event';

/**
 * The records' key prefix. Powertools' default is the function's name, which would give the webhook
 * and the reconciler two sets of records, and every event a second handling.
 */
export const STRIPE_EVENT_DEDUPE_PREFIX = 'stripe-event';

/** Longer than Stripe's retries (3 days in live mode) and the reconciler's look-back. */
export const STRIPE_EVENT_DEDUPE_SECONDS = 7 * 24 * 3600;

export interface HandledStripeEvent {
  outcome: WebhookOutcome;
  /** false: an earlier sighting handled it, and this is its outcome. */
  firstTime: boolean;
}

export interface HandleStripeEventOnceDeps {
  handleStripeEvent: HandleStripeEvent;
  /** Where the records live (the idempotency table). */
  persistenceStore: BasePersistenceLayer;
}

export function createHandleStripeEventOnce({ handleStripeEvent, persistenceStore }: HandleStripeEventOnceDeps) {
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'id', expiresAfterSeconds: STRIPE_EVENT_DEDUPE_SECONDS });
  const handleOnce = makeIdempotent(
    async (event: StripeEvent, onFirstHandling: () => void): Promise<WebhookOutcome> => {
      onFirstHandling();
      return handleStripeEvent(event);
    },
    { persistenceStore, config, keyPrefix: STRIPE_EVENT_DEDUPE_PREFIX, dataIndexArgument: 0 },
  );

  /**
   * Throws RetryLater (not handled yet: try again later) and IdempotencyAlreadyInProgressError (being
   * handled elsewhere right now). `lambdaContext`: an in-progress record then expires with the invocation.
   */
  return async function handleStripeEventOnce(event: StripeEvent, lambdaContext?: Context): Promise<HandledStripeEvent> {
    if (lambdaContext) config.registerLambdaContext(lambdaContext);
    let firstTime = false;
    const outcome = await handleOnce(event, () => {
      firstTime = true;
    });
    return { outcome, firstTime };
  };
}

export type HandleStripeEventOnce = ReturnType<typeof createHandleStripeEventOnce>;
