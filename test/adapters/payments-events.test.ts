/**
 * payments.eventsCreatedSince against the Stripe emulator with the real SDK: the reconciler's one
 * Stripe call walks every page of a filtered list (more events than one page holds).
 */
import { eventsCreatedSince } from '../../src/adapters/payments';
import { startStripeEmulator, type StripeEmulator } from '../../local/stripe-emulator/server';

let emulator: StripeEmulator;
const saved = { key: process.env.STRIPE_SECRET_KEY, base: process.env.STRIPE_API_BASE };

beforeAll(async () => {
  emulator = await startStripeEmulator({ webhookSecret: 'whsec_adapter_test' });
  process.env.STRIPE_SECRET_KEY = 'sk_test_adapter_events_key';
  process.env.STRIPE_API_BASE = emulator.url;
});
afterAll(async () => {
  for (const [name, value] of [['STRIPE_SECRET_KEY', saved.key], ['STRIPE_API_BASE', saved.base]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await emulator.close();
});

it('lists every event of the asked types created since the given second, newest first, across pages', async () => {
  const stripe = new (await import('stripe')).default('sk_test_adapter_events_key', { host: '127.0.0.1', port: emulator.port, protocol: 'http', telemetry: false });
  const cardOnly = { automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const } };
  // 120 paid intents: 120 payment_intent.created (not asked for), 120 charge.succeeded (not asked), 120 payment_intent.succeeded.
  for (let i = 0; i < 120; i++) await stripe.paymentIntents.create({ amount: 1000 + i, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, ...cardOnly });
  const firstCreated = emulator.events()[0].created;

  const listed = [];
  for await (const event of eventsCreatedSince(firstCreated, ['payment_intent.succeeded'])) listed.push(event);
  const expected = emulator.events().filter((e) => e.type === 'payment_intent.succeeded').reverse();
  expect(listed.map((e) => e.id)).toEqual(expected.map((e) => e.id));
  expect(listed).toHaveLength(120);

  const later = [];
  for await (const event of eventsCreatedSince(emulator.events().at(-1)!.created + 1, ['payment_intent.succeeded'])) later.push(event);
  expect(later).toEqual([]);
});
