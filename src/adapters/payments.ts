import Stripe from 'stripe';
import { config } from '../commons/config';
import type { PaymentCancellation } from '../domain/compensation';
import type { Order, PaymentError } from '../domain/order';
import { requireSecret } from './secrets';

/** Pinned so a Stripe account upgrade never changes what this code receives. */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

let cached: { key: string; client: Stripe } | undefined;

/** Host, port and protocol from STRIPE_API_BASE (e.g. the local emulator); Stripe's own when empty. */
export function stripeHostOptions(apiBase: string): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (!apiBase) return {};
  const url = new URL(apiBase);
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443,
    protocol: url.protocol.replace(':', '') as 'http' | 'https',
  };
}

async function stripe(): Promise<Stripe> {
  const key = await requireSecret('stripeSecretKey');
  if (cached?.key !== key) {
    cached = {
      key,
      client: new Stripe(key, {
        apiVersion: STRIPE_API_VERSION as Stripe.LatestApiVersion,
        maxNetworkRetries: 2,
        timeout: 8000,
        telemetry: false,
        ...stripeHostOptions(config.stripeApiBase),
      }),
    };
  }
  return cached.client;
}

/** Backoff for Stripe's 429 rate_limit, which the SDK does not retry (stripe/stripe-node#1110): ~3.5 s at most, within the functions' timeout. */
const RATE_LIMIT_RETRY_DELAYS_MS = [250, 500, 1000, 2000];

function isRateLimited(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeRateLimitError && error.code !== 'lock_timeout';
}

/**
 * Runs a Stripe call, retrying it with full-jitter exponential backoff while Stripe answers 429
 * rate_limit (docs.stripe.com/rate-limits). lock_timeout, 5xx and dropped connections are retried
 * by the SDK itself (maxNetworkRetries, Stripe-Should-Retry). A 429 did no work; the create carries
 * the order's idempotency key anyway, and a repeated cancel is refused as unexpected state (handled).
 */
export async function withRateLimitRetry<T>(call: () => Promise<T>, delaysMs: readonly number[] = RATE_LIMIT_RETRY_DELAYS_MS): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isRateLimited(error) || attempt >= delaysMs.length) throw error;
      await new Promise((resolve) => setTimeout(resolve, delaysMs[attempt] / 2 + Math.random() * (delaysMs[attempt] / 2)));
    }
  }
}

export interface CreatedPaymentIntent {
  id: string;
  clientSecret: string;
  status: string;
}

/**
 * One PaymentIntent per order: the idempotency key is derived from the order, so a retried
 * Lambda gets the same intent back instead of charging twice.
 */
export async function createPaymentIntent(order: Order): Promise<CreatedPaymentIntent> {
  const client = await stripe();
  const intent = await withRateLimitRetry(() =>
    client.paymentIntents.create(
      {
        amount: order.amounts.total,
        currency: order.amounts.currency,
        metadata: { orderId: order.orderId },
        description: `Order ${order.orderId}`,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      },
      { idempotencyKey: `checkout-saga:${order.orderId}:payment-intent` },
    ),
  );
  return { id: intent.id, clientSecret: intent.client_secret ?? '', status: intent.status };
}

function isUnexpectedState(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'payment_intent_unexpected_state';
}

/** Cancels the order's PaymentIntent; Stripe refuses if it already succeeded, and that is reported, not thrown. */
export async function cancelPaymentIntent(paymentIntentId: string | undefined): Promise<PaymentCancellation> {
  if (!paymentIntentId) return { result: 'NO_PAYMENT_INTENT' };
  const client = await stripe();
  try {
    await withRateLimitRetry(() => client.paymentIntents.cancel(paymentIntentId, { cancellation_reason: 'abandoned' }));
    return { result: 'CANCELED' };
  } catch (error) {
    if (!isUnexpectedState(error)) throw error;
    const intent = await withRateLimitRetry(() => client.paymentIntents.retrieve(paymentIntentId));
    if (intent.status === 'canceled') return { result: 'CANCELED' };
    if (intent.status === 'succeeded') {
      return { result: 'ALREADY_SUCCEEDED', amountReceived: intent.amount_received, currency: intent.currency };
    }
    // e.g. processing: not cancellable yet and not paid yet; the saga retries the compensation.
    throw new Error(`PaymentIntent ${paymentIntentId} is ${intent.status} and cannot be cancelled yet`);
  }
}

/** The PaymentIntent as Stripe has it now: webhook events arrive in any order, the intent's state does not. */
export async function currentPaymentState(paymentIntentId: string): Promise<{ status: string; lastError?: PaymentErrorFacts }> {
  const client = await stripe();
  const intent = await withRateLimitRetry(() => client.paymentIntents.retrieve(paymentIntentId));
  return { status: intent.status, lastError: paymentErrorOf(intent.last_payment_error) };
}

export type PaymentErrorFacts = Omit<PaymentError, 'at'>;

/** Stripe's last_payment_error, as the order records it. */
export function paymentErrorOf(error: Stripe.PaymentIntent.LastPaymentError | null | undefined): PaymentErrorFacts | undefined {
  return error ? { code: error.code, declineCode: error.decline_code, message: error.message } : undefined;
}

/**
 * Every event of `types` created at or after `createdSince` (unix seconds), newest first, all pages
 * (the SDK's auto-pagination). Stripe keeps events for 30 days.
 */
export async function* eventsCreatedSince(createdSince: number, types: readonly string[]): AsyncGenerator<StripeEvent> {
  const client = await stripe();
  yield* client.events.list({ created: { gte: createdSince }, types: [...types], limit: 100 });
}

/** Verifies a webhook's signature over the exact raw body; throws if unsigned, tampered or stale. */
export function verifyWebhook(rawBody: string, signature: string | undefined, secret: string): Stripe.Event {
  if (!signature) throw new Stripe.errors.StripeSignatureVerificationError(signature ?? '', rawBody, {
    message: 'No Stripe-Signature header',
  });
  return Stripe.webhooks.constructEvent(rawBody, signature, secret);
}

/** A verified body is JSON, but only an object with an id, a type and data.object is an event. */
export function isStripeEvent(value: unknown): value is Stripe.Event {
  const event = value as { id?: unknown; type?: unknown; data?: { object?: unknown } } | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    !Array.isArray(event) &&
    typeof event.id === 'string' &&
    typeof event.type === 'string' &&
    typeof event.data?.object === 'object' &&
    event.data.object !== null
  );
}

export type StripeEvent = Stripe.Event;
export type StripePaymentIntent = Stripe.PaymentIntent;
