/** Idempotency keys, API key checks, Request-Id, and the events API. */
import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '../../../local/stripe-emulator/server';
import { WEBHOOK_SECRET, rawRequest, stripeFor } from './helpers';

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startStripeEmulator({ webhookSecret: WEBHOOK_SECRET });
  stripe = stripeFor(emulator);
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

const cardOnly = { automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const } };

async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

function countEvents(type: string): number {
  return emulator.events().filter((e) => e.type === type).length;
}

describe('idempotency', () => {
  it('replays the first response for the same key, with Idempotent-Replayed', async () => {
    const params = { amount: 1000, currency: 'usd', metadata: { orderId: 'o-7' }, ...cardOnly };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: 'order-o-7-create' });
    const second = await stripe.paymentIntents.create(params, { idempotencyKey: 'order-o-7-create' });

    expect(second.id).toBe(first.id);
    expect(second.client_secret).toBe(first.client_secret);
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(second.lastResponse.headers['original-request']).toBe(first.lastResponse.requestId);
    expect(second.lastResponse.requestId).not.toBe(first.lastResponse.requestId);
    expect(countEvents('payment_intent.created')).toBe(1);
  });

  it('answers StripeIdempotencyError for the same key with other parameters', async () => {
    await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'key-reused' });
    const error = await rejectionOf(stripe.paymentIntents.create({ amount: 2000, currency: 'usd' }, { idempotencyKey: 'key-reused' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error.statusCode).toBe(400);
    expect(error.raw.type).toBe('idempotency_error');
    expect(countEvents('payment_intent.created')).toBe(1);
  });

  it('refuses the same key on another endpoint', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'key-endpoint' });
    const error = await rejectionOf(stripe.paymentIntents.cancel(intent.id, {}, { idempotencyKey: 'key-endpoint' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((await stripe.paymentIntents.retrieve(intent.id)).status).toBe('requires_payment_method');
  });

  it('replays a decline as the same 402 without charging again', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', ...cardOnly });
    const confirm = () => stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_chargeDeclined' }, { idempotencyKey: 'confirm-once' });
    const first = await rejectionOf(confirm());
    const second = await rejectionOf(confirm());
    expect(second).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(second.raw.charge).toBe(first.raw.charge);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(countEvents('charge.failed')).toBe(1);
  });

  it('replays a confirm that succeeded instead of refusing a second confirm', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', ...cardOnly });
    const first = await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' }, { idempotencyKey: 'pay-once' });
    const again = await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' }, { idempotencyKey: 'pay-once' });
    expect(again.status).toBe('succeeded');
    expect(again.latest_charge).toBe(first.latest_charge);
    expect(countEvents('charge.succeeded')).toBe(1);
  });

  it('scopes keys to the API key', async () => {
    const other = stripeFor(emulator, 'sk_test_another_team_key');
    const mine = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'shared-key' });
    const theirs = await other.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'shared-key' });
    expect(theirs.id).not.toBe(mine.id);
    expect(theirs.lastResponse.headers['idempotent-replayed']).toBeUndefined();
  });

  it('does not save requests that failed parameter validation', async () => {
    const invalid = await rejectionOf(stripe.paymentIntents.create({ amount: 1, currency: 'usd' }, { idempotencyKey: 'fix-and-retry' }));
    expect(invalid.code).toBe('amount_too_small');
    const fixed = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'fix-and-retry' });
    expect(fixed.amount).toBe(1000);
  });

  it('echoes the key and gives every response a Request-Id', async () => {
    const response = await rawRequest(emulator, 'POST', '/v1/payment_intents', { body: 'amount=1000&currency=usd', headers: { 'Idempotency-Key': 'raw-key' } });
    expect(response.headers.get('idempotency-key')).toBe('raw-key');
    expect(response.headers.get('request-id')).toMatch(/^req_\w{14}$/);
    const error = await rawRequest(emulator, 'GET', '/v1/payment_intents/pi_nope');
    expect(error.status).toBe(404);
    expect(error.headers.get('request-id')).toMatch(/^req_/);
    expect(error.json.error).toMatchObject({ type: 'invalid_request_error', code: 'resource_missing', param: 'intent' });
  });
});

describe('authentication', () => {
  it('answers StripeAuthenticationError for a key that is not sk_test_', async () => {
    for (const key of ['sk_live_123456789012', 'pk_test_123456789012', 'sk_test_1']) {
      const error = await rejectionOf(stripeFor(emulator, key).paymentIntents.create({ amount: 1000, currency: 'usd' }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      expect(error.statusCode).toBe(401);
      // The key itself never comes back whole.
      expect(error.message).not.toContain(key);
    }
    expect(emulator.events()).toHaveLength(0);
  });

  it('answers 401 without an Authorization header and accepts HTTP Basic', async () => {
    const missing = await rawRequest(emulator, 'GET', '/v1/events', { apiKey: null });
    expect(missing.status).toBe(401);
    expect(missing.json.error.message).toMatch(/You did not provide an API key/);
    const basic = await rawRequest(emulator, 'GET', '/v1/events', {
      apiKey: null,
      headers: { Authorization: `Basic ${Buffer.from('sk_test_basic_auth_key:').toString('base64')}` },
    });
    expect(basic.status).toBe(200);
  });

  it('answers unknown URLs like Stripe', async () => {
    const response = await rawRequest(emulator, 'GET', '/v1/customers');
    expect(response.status).toBe(404);
    expect(response.json.error.message).toMatch(/^Unrecognized request URL \(GET: \/v1\/customers\)/);
  });
});

describe('events API', () => {
  it('lists newest first with limit, has_more, starting_after and type filters', async () => {
    const paid = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, ...cardOnly });
    const open = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    await stripe.paymentIntents.cancel(open.id);
    const all = emulator.events().map((e) => e.id).reverse();
    expect(all).toHaveLength(5);

    const firstPage = await stripe.events.list({ limit: 2 });
    expect(firstPage.data.map((e) => e.id)).toEqual(all.slice(0, 2));
    expect(firstPage.has_more).toBe(true);
    const secondPage = await stripe.events.list({ limit: 2, starting_after: firstPage.data[1].id });
    expect(secondPage.data.map((e) => e.id)).toEqual(all.slice(2, 4));
    const newer = await stripe.events.list({ limit: 10, ending_before: all[2] });
    expect(newer.data.map((e) => e.id)).toEqual(all.slice(0, 2));

    const succeeded = await stripe.events.list({ type: 'payment_intent.succeeded' });
    expect(succeeded.data).toHaveLength(1);
    expect((succeeded.data[0].data.object as Stripe.PaymentIntent).id).toBe(paid.id);
    const intentEvents = await stripe.events.list({ type: 'payment_intent.*' });
    expect(intentEvents.data.map((e) => e.type)).toEqual(['payment_intent.canceled', 'payment_intent.created', 'payment_intent.succeeded', 'payment_intent.created']);

    // The SDK's auto-pagination walks starting_after to the end.
    const walked: string[] = [];
    for await (const event of stripe.events.list({ limit: 2 })) walked.push(event.id);
    expect(walked).toEqual(all);
  });

  it("retrieves an event whose data.object is the object's state at that moment", async () => {
    const intent = await stripe.paymentIntents.create(
      { amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, ...cardOnly },
      { idempotencyKey: 'evt-key' },
    );
    const created = emulator.events().find((e) => e.type === 'payment_intent.created')!;
    const event = await stripe.events.retrieve(created.id);
    expect(event).toMatchObject({
      id: created.id,
      object: 'event',
      api_version: '2026-10-28.endive',
      livemode: false,
      pending_webhooks: 0,
      type: 'payment_intent.created',
      request: { id: intent.lastResponse.requestId, idempotency_key: 'evt-key' },
    });
    expect(event.id).toMatch(/^evt_/);
    expect(event.created).toEqual(expect.any(Number));
    expect((event.data.object as Stripe.PaymentIntent).status).toBe('requires_confirmation');
    expect(intent.status).toBe('succeeded');

    const charge = await stripe.events.list({ type: 'charge.succeeded' });
    expect(charge.data[0].data.object).toMatchObject({ object: 'charge', payment_intent: intent.id, status: 'succeeded' });
  });

  it('404s an unknown event and rejects a bad cursor', async () => {
    const missing = await rejectionOf(stripe.events.retrieve('evt_nope'));
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    const badCursor = await rejectionOf(stripe.events.list({ starting_after: 'evt_nope' }));
    expect(badCursor).toMatchObject({ statusCode: 400, param: 'starting_after' });
  });
});
