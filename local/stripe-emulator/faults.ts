/**
 * Faults of the Stripe API as Stripe answers them (docs.stripe.com/error-handling, /rate-limits):
 *  - `rate_limit`: 429 `{"error": {"type": "invalid_request_error", "code": "rate_limit"}}`, no
 *    Stripe-Should-Retry header: stripe-node does not retry it (by design, stripe/stripe-node#1110),
 *    the caller must back off;
 *  - `lock_timeout`: 429 with `Stripe-Should-Retry: true` (another request holds the object): retried by the SDKs;
 *  - `api_error`: 500 `{"type": "api_error"}`: retried by the SDKs;
 *  - `connection_dropped`: the socket closes without an answer, before or after the request ran;
 *    a retry with the same Idempotency-Key then replays the first response (idempotency.ts);
 *  - a slow answer (`latencyMs`).
 * The emulator only asks a hook (set by the local cloud, local/faults) what to do with each /v1 request.
 */
import { docUrlFor } from './errors';
import { jsonReply, type HttpReply } from './http-io';

/** The operations a fault can name, as the SDK's methods are named. */
export const STRIPE_OPERATIONS = [
  'paymentIntents.create',
  'paymentIntents.list',
  'paymentIntents.retrieve',
  'paymentIntents.update',
  'paymentIntents.confirm',
  'paymentIntents.cancel',
  'charges.retrieve',
  'paymentMethods.retrieve',
  'events.list',
  'events.retrieve',
] as const;

export type StripeOperation = (typeof STRIPE_OPERATIONS)[number];

const ROUTES: Array<[string, RegExp, StripeOperation]> = [
  ['POST', /^\/v1\/payment_intents$/, 'paymentIntents.create'],
  ['GET', /^\/v1\/payment_intents$/, 'paymentIntents.list'],
  ['GET', /^\/v1\/payment_intents\/[^/]+$/, 'paymentIntents.retrieve'],
  ['POST', /^\/v1\/payment_intents\/[^/]+$/, 'paymentIntents.update'],
  ['POST', /^\/v1\/payment_intents\/[^/]+\/confirm$/, 'paymentIntents.confirm'],
  ['POST', /^\/v1\/payment_intents\/[^/]+\/cancel$/, 'paymentIntents.cancel'],
  ['GET', /^\/v1\/charges\/[^/]+$/, 'charges.retrieve'],
  ['GET', /^\/v1\/payment_methods\/[^/]+$/, 'paymentMethods.retrieve'],
  ['GET', /^\/v1\/events$/, 'events.list'],
  ['GET', /^\/v1\/events\/[^/]+$/, 'events.retrieve'],
];

/** `POST /v1/payment_intents` -> `paymentIntents.create`; undefined for anything else (control routes included). */
export function stripeOperationOf(method: string, path: string): StripeOperation | undefined {
  return ROUTES.find(([routeMethod, pattern]) => routeMethod === method && pattern.test(path))?.[2];
}

export type StripeFaultError = 'rate_limit' | 'lock_timeout' | 'api_error' | 'connection_dropped';

/** What the hook decides for one request. */
export interface StripeFaultDecision {
  latencyMs: number;
  error?: StripeFaultError;
  /** `after`: the request runs (and is saved for idempotent replay), then the fault replaces its answer. */
  when: 'before' | 'after';
}

export type StripeFaultHook = (request: { operation: StripeOperation; method: string; path: string }) => StripeFaultDecision | undefined;

/** The reply of an error fault (connection_dropped has none: the socket is destroyed). */
export function stripeFaultReply(error: Exclude<StripeFaultError, 'connection_dropped'>, requestId: string): HttpReply {
  const headers = { 'Request-Id': requestId };
  switch (error) {
    case 'rate_limit':
      return jsonReply(
        429,
        { error: { type: 'invalid_request_error', code: 'rate_limit', doc_url: docUrlFor('rate_limit'), message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.' } },
        headers,
      );
    case 'lock_timeout':
      return jsonReply(
        429,
        {
          error: {
            type: 'invalid_request_error',
            code: 'lock_timeout',
            doc_url: docUrlFor('lock_timeout'),
            message: 'This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request. If you see this error frequently and are making multiple concurrent requests to a single object, make your requests serially or at a lower rate.',
          },
        },
        { ...headers, 'Stripe-Should-Retry': 'true' },
      );
    case 'api_error':
      return jsonReply(500, { error: { type: 'api_error', message: 'An unknown error occurred' } }, headers);
  }
}
