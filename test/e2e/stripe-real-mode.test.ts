/**
 * The real-Stripe code path (`STRIPE_SECRET_KEY=sk_test_...`), with no network: a Stripe emulator
 * stands in for api.stripe.com (the CLI's --api-base and the SDK's host, LocalCloudOptions
 * .stripeApiBase), started on its own as Stripe would be, with no endpoint registered. The local
 * cloud must then run `stripe listen --print-secret`, configure the webhook function with that
 * secret, run `stripe listen` and take payments through it, as one command does against Stripe.
 */
import { startLocalCloud } from '../../local/cloud';
import { ListenSessions } from '../../local/stripe-emulator/listen-sessions';
import { startStripeEmulator, type StripeEmulator } from '../../local/stripe-emulator/server';
import { startE2e, type E2e } from './support/harness';
import { pollUntil } from '../support/poll';

const TEST_KEY = 'sk_test_real_mode_stand_in_0001';
let stripeStandIn: StripeEmulator;
let e2e: E2e;

beforeAll(async () => {
  // Its own endpoint secret is never used: no endpoint is registered, as for a developer's account.
  stripeStandIn = await startStripeEmulator({ webhookSecret: 'whsec_unused_endpoint_secret' });
  e2e = await startE2e({ stripeSecretKey: TEST_KEY, stripeApiBase: stripeStandIn.url });
});
afterAll(async () => {
  await e2e?.close();
  await stripeStandIn?.close();
});

test('with a test key the local cloud runs stripe listen against "Stripe" and takes the secret from it', () => {
  expect(e2e.cloud.stripe).toMatchObject({ mode: 'real', delivery: 'listen', apiBase: stripeStandIn.url, secretKey: TEST_KEY, emulator: undefined });
  expect(e2e.cloud.stripe.webhookSecret).toBe(ListenSessions.secretFor(TEST_KEY));
  expect(e2e.cloud.lambda.environment.STRIPE_WEBHOOK_SECRET).toBe(ListenSessions.secretFor(TEST_KEY));
  expect(stripeStandIn.listen.sessions().filter((session) => session.connected)).toHaveLength(1);
});

test('a payment completes the order through the CLI; "Stripe" recorded the webhook function\'s 200', async () => {
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]);
  expect(stripeStandIn.events().some((event) => (event.data.object as { id: string }).id === paymentIntentId)).toBe(true);
  expect((await e2e.pay(paymentIntentId, 'pm_card_visa')).intent?.status).toBe('succeeded');
  await e2e.waitForStatus(order.orderId, 'COMPLETED');
  const succeeded = stripeStandIn.events().find((event) => event.type === 'payment_intent.succeeded' && (event.data.object as { id: string }).id === paymentIntentId)!;
  const [delivery] = await pollUntil('the reported response', () => stripeStandIn.listen.deliveries().filter((d) => d.eventId === succeeded.id && d.responses.length > 0), {
    accept: (deliveries) => deliveries.length === 1,
  });
  expect(delivery.responses[0]).toMatchObject({ forwardUrl: `${e2e.apiUrl}/webhooks/stripe`, status: 200 });
});

test.each(['sk_live_0123456789abcdef', 'rk_live_0123456789abcdef'])('a live key (%s...) is refused with a clear message before anything starts', async (key) => {
  await expect(startLocalCloud({ stripeSecretKey: key, port: 0, stripeEmulatorPort: 0 })).rejects.toThrow(/LIVE key.*Use a test key/);
});
