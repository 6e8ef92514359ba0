import { randomBytes } from 'node:crypto';
import { STRIPE_API_VERSION } from '../../src/adapters/payments';

/** A Stripe event envelope as Stripe sends it, around a PaymentIntent snapshot (tests build their own snapshot). */
export function paymentIntentEventEnvelope(type: string, paymentIntent: Record<string, unknown>, id = `evt_${randomBytes(12).toString('hex')}`) {
  return {
    id,
    object: 'event',
    api_version: STRIPE_API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object: { object: 'payment_intent', ...paymentIntent } },
  };
}
