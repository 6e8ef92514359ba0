/**
 * LOCAL_LIMITS=production end to end: requests above Stripe's test-mode rate limit (25/s) get
 * Stripe's 429 rate_limit from the emulator, as a deployed stage would from Stripe; checkouts go on.
 * (The local stack itself creates about 10 PaymentIntents/s on 2 cores, below that limit: a burst
 * of checkouts alone does not reach it here.)
 */
import Stripe from 'stripe';
import { startE2e, type E2e } from './support/harness';

let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e({ limits: 'production' });
});
afterAll(async () => {
  await e2e?.close();
});

test('Stripe requests beyond 25 at once are refused with 429 rate_limit (the SDK class, no retry advice); checkouts still go through', async () => {
  const outcomes = await Promise.allSettled(Array.from({ length: 40 }, () => e2e.stripe.paymentIntents.list({ limit: 1 })));
  const refused = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected').map((outcome) => outcome.reason);
  expect(outcomes.length - refused.length).toBeGreaterThanOrEqual(25);
  expect(refused.length).toBeGreaterThanOrEqual(10);
  for (const error of refused) {
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error).toMatchObject({ statusCode: 429, code: 'rate_limit' });
    expect(error.headers['stripe-should-retry']).toBeUndefined();
  }

  const { limits } = (await e2e.request('GET', '/_local/faults')).body;
  expect(limits.mode).toBe('production');
  expect(limits.stats.find((stats: { name: string }) => stats.name.startsWith('Stripe'))).toMatchObject({ throttled: refused.length });

  const { order } = await e2e.checkoutAwaitingPayment([{ sku: 'MUG-LOGO', quantity: 1 }]);
  expect(order.payment.paymentIntentId).toEqual(expect.any(String));
}, 60_000);
