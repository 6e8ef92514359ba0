import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { idempotencyStore } from '../../src/adapters/idempotency-store';
import * as payments from '../../src/adapters/payments';
import type { StripeEvent } from '../../src/adapters/payments';
import { requireSecret } from '../../src/adapters/secrets';
import { errorResult, header, httpHandler, json, rawBody } from '../../src/commons/http';
import { logger } from '../../src/commons/logger';
import { HANDLED_EVENT_TYPES } from '../../src/domain/webhook-decision';
import { RetryLater, type HandleStripeEvent } from '../../src/use-cases/events/handle-stripe-event';
import { createHandleStripeEventOnce } from '../../src/use-cases/events/handle-stripe-event-once';
import { handleStripeEvent } from './handle-stripe-event';

/** Stripe events are a few KB; anything much larger is not from Stripe. */
const MAX_WEBHOOK_BYTES = 512 * 1024;

export interface StripeWebhookDeps {
  handleStripeEvent: HandleStripeEvent;
  /** Where the dedupe records live (the idempotency table). */
  persistenceStore: BasePersistenceLayer;
  webhookSecret: () => Promise<string>;
}

/** POST /webhooks/stripe: size, signature, shape and dedupe checks, then the use case. */
export function createStripeWebhookHandler({ handleStripeEvent, persistenceStore, webhookSecret }: StripeWebhookDeps) {
  // Durable dedupe on event.id, shared with the reconciler: a repeated delivery returns the first
  // outcome and does nothing twice. A failed attempt leaves no record, so Stripe's retry is processed again.
  const handleOnce = createHandleStripeEventOnce({ handleStripeEvent, persistenceStore });

  return httpHandler(async (event, context) => {
    const body = rawBody(event);
    if (Buffer.byteLength(body) > MAX_WEBHOOK_BYTES) return errorResult(413, 'BODY_TOO_LARGE', 'Webhook body too large');

    // Read outside the signature check: a missing secret is our fault (5xx), not the sender's.
    const secret = await webhookSecret();
    let stripeEvent: StripeEvent;
    try {
      // The signature covers the exact raw bytes: never parse and re-serialise before this.
      stripeEvent = payments.verifyWebhook(body, header(event, 'stripe-signature'), secret);
    } catch {
      logger.warn('Rejected a webhook with a missing or invalid signature');
      return errorResult(400, 'INVALID_SIGNATURE', 'Missing, invalid or expired Stripe signature');
    }
    // Signed JSON that is not an event (null, an array, no id or type) is refused, not a crash (500).
    if (!payments.isStripeEvent(stripeEvent)) {
      logger.warn('Rejected a signed webhook that is not a Stripe event');
      return errorResult(400, 'INVALID_EVENT', 'The body is not a Stripe event');
    }
    // Event types the saga does not act on (payment_intent.created, charge.*: an endpoint subscribed
    // to more than it needs) are acknowledged without a dedupe record or an order read.
    if (!(HANDLED_EVENT_TYPES as readonly string[]).includes(stripeEvent.type)) {
      return json(200, { received: true, eventId: stripeEvent.id, action: 'IGNORE' });
    }

    try {
      const { outcome } = await handleOnce(stripeEvent, context);
      return json(200, { received: true, eventId: stripeEvent.id, action: outcome.action });
    } catch (error) {
      if (error instanceof RetryLater) {
        logger.info('Webhook deferred; Stripe will retry', { eventId: stripeEvent.id, reason: error.message });
        return errorResult(503, 'RETRY_LATER', error.message);
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        return errorResult(409, 'EVENT_IN_PROGRESS', 'This event is being processed');
      }
      throw error;
    }
  });
}

export const handler = createStripeWebhookHandler({
  handleStripeEvent,
  persistenceStore: idempotencyStore(),
  webhookSecret: () => requireSecret('stripeWebhookSecret'),
});
