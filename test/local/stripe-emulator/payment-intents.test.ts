/** PaymentIntents driven by the real Stripe SDK: test cards, declines, 3DS, cancel, update. */
import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '../../../local/stripe-emulator/server';
import { WEBHOOK_SECRET, authenticate3ds, rawRequest, stripeFor } from './helpers';

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startStripeEmulator({ webhookSecret: WEBHOOK_SECRET });
  stripe = stripeFor(emulator);
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

/** Card-only intents confirm without a return_url (automatic payment methods would demand one). */
const cardOnly = { automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const } };

function eventTypesFor(intentId: string): string[] {
  return emulator
    .events()
    .filter((e) => {
      const object = e.data.object;
      return object.id === intentId || (object.object === 'charge' && object.payment_intent === intentId);
    })
    .map((e) => e.type);
}

async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('successful payments', () => {
  it('charges pm_card_visa on create with confirm=true', async () => {
    const intent = await stripe.paymentIntents.create({
      amount: 2599,
      currency: 'EUR',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { orderId: 'order-1' },
      description: 'Order order-1',
      receipt_email: 'buyer@example.com',
      ...cardOnly,
    });

    expect(intent.id).toMatch(/^pi_\w{24}$/);
    expect(intent.object).toBe('payment_intent');
    expect(intent.status).toBe('succeeded');
    expect(intent.amount_received).toBe(2599);
    expect(intent.currency).toBe('eur');
    expect(intent.client_secret).toMatch(new RegExp(`^${intent.id}_secret_\\w+$`));
    expect(intent.latest_charge).toMatch(/^ch_/);
    expect(intent.metadata).toEqual({ orderId: 'order-1' });
    expect(intent.livemode).toBe(false);
    // Aliases are cloned into a new PaymentMethod, as on Stripe.
    expect(intent.payment_method).toMatch(/^pm_/);
    expect(intent.payment_method).not.toBe('pm_card_visa');
    expect(intent.lastResponse.requestId).toMatch(/^req_/);

    expect(eventTypesFor(intent.id)).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
  });

  it('expands latest_charge and payment_method', async () => {
    const created = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_mastercard', confirm: true, ...cardOnly });
    const intent = await stripe.paymentIntents.retrieve(created.id, { expand: ['latest_charge', 'payment_method'] });
    const charge = intent.latest_charge as Stripe.Charge;
    const paymentMethod = intent.payment_method as Stripe.PaymentMethod;
    expect(charge).toMatchObject({ object: 'charge', status: 'succeeded', paid: true, captured: true, amount: 1000, payment_intent: created.id });
    expect(paymentMethod.card).toMatchObject({ brand: 'mastercard', last4: '4444' });
    expect(charge.payment_method).toBe(paymentMethod.id);
  });

  it('confirms in a second call with the payment method attached at creation', async () => {
    const created = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', ...cardOnly });
    expect(created.status).toBe('requires_confirmation');
    const confirmed = await stripe.paymentIntents.confirm(created.id);
    expect(confirmed.status).toBe('succeeded');
  });
});

describe('declines', () => {
  it.each([
    ['pm_card_chargeDeclined', 'card_declined', 'generic_decline', 'Your card was declined.'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds', 'Your card has insufficient funds.'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'expired_card', 'Your card has expired.'],
  ])('%s answers 402 %s/%s', async (paymentMethod, code, declineCode, message) => {
    const error = await rejectionOf(stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: paymentMethod, confirm: true, ...cardOnly }));

    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error.statusCode).toBe(402);
    expect(error.type).toBe('StripeCardError');
    expect(error.raw.type).toBe('card_error');
    expect(error.code).toBe(code);
    expect(error.decline_code).toBe(declineCode);
    expect(error.message).toBe(message);
    expect(error.raw.doc_url).toBe(`https://stripe.com/docs/error-codes/${code.replace('_', '-')}`);
    const intent = error.raw.payment_intent as Stripe.PaymentIntent;
    expect(intent.status).toBe('requires_payment_method');
    expect(intent.payment_method).toBeNull();
    expect(intent.last_payment_error).toMatchObject({ code, decline_code: declineCode, type: 'card_error' });
    expect(intent.latest_charge).toBe(error.raw.charge);
    expect(eventTypesFor(intent.id)).toEqual(['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed']);
  });

  it('lets the customer pay with another card after a decline', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 4200, currency: 'usd', ...cardOnly });
    expect(intent.status).toBe('requires_payment_method');

    const decline = await rejectionOf(stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_chargeDeclinedInsufficientFunds' }));
    expect(decline).toBeInstanceOf(Stripe.errors.StripeCardError);
    const failedCharge = decline.raw.charge as string;

    const paid = await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    expect(paid.status).toBe('succeeded');
    expect(paid.last_payment_error).toBeNull();
    expect(paid.latest_charge).not.toBe(failedCharge);
    expect((await stripe.charges.retrieve(failedCharge)).status).toBe('failed');
    expect(eventTypesFor(intent.id)).toEqual([
      'payment_intent.created',
      'charge.failed',
      'payment_intent.payment_failed',
      'charge.succeeded',
      'payment_intent.succeeded',
    ]);
  });

  it('refuses an unknown payment method with 400 resource_missing and creates nothing', async () => {
    const error = await rejectionOf(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_nope', confirm: true, ...cardOnly }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('resource_missing');
    expect(error.param).toBe('payment_method');
    expect(emulator.events()).toHaveLength(0);
  });
});

describe('3D Secure', () => {
  async function requiringAction(): Promise<Stripe.PaymentIntent> {
    const intent = await stripe.paymentIntents.create({ amount: 3000, currency: 'usd', payment_method: 'pm_card_authenticationRequired', confirm: true, ...cardOnly });
    expect(intent.status).toBe('requires_action');
    expect(intent.next_action?.type).toBe('use_stripe_sdk');
    return intent;
  }

  it('succeeds after the emulator authenticates the challenge', async () => {
    const intent = await requiringAction();
    const response = await authenticate3ds(emulator, intent.id, 'succeed');
    expect(response.status).toBe(200);
    expect(response.json.status).toBe('succeeded');

    const after = await stripe.paymentIntents.retrieve(intent.id);
    expect(after).toMatchObject({ status: 'succeeded', next_action: null, amount_received: 3000 });
    expect(eventTypesFor(intent.id)).toEqual(['payment_intent.created', 'payment_intent.requires_action', 'charge.succeeded', 'payment_intent.succeeded']);
    // Completion happens outside the API: its events carry no request.
    const succeeded = emulator.events().find((e) => e.type === 'payment_intent.succeeded');
    expect(succeeded?.request).toEqual({ id: null, idempotency_key: null });
  });

  it('goes back to requires_payment_method when authentication fails', async () => {
    const intent = await requiringAction();
    const response = await authenticate3ds(emulator, intent.id, 'fail');
    expect(response.json.status).toBe('requires_payment_method');

    const after = await stripe.paymentIntents.retrieve(intent.id);
    expect(after.last_payment_error?.code).toBe('payment_intent_authentication_failure');
    expect(after.payment_method).toBeNull();
    expect(eventTypesFor(intent.id)).toEqual(['payment_intent.created', 'payment_intent.requires_action', 'payment_intent.payment_failed']);

    const retried = await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    expect(retried.status).toBe('succeeded');
  });

  it('redirects when the confirmation carries a return_url', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 3000, currency: 'usd' });
    const confirmed = await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_authenticationRequired', return_url: 'https://shop.example/return' });
    expect(confirmed.next_action).toMatchObject({ type: 'redirect_to_url', redirect_to_url: { return_url: 'https://shop.example/return' } });
  });

  it('fails off-session payments that would need a challenge', async () => {
    const error = await rejectionOf(
      stripe.paymentIntents.create({ amount: 3000, currency: 'usd', payment_method: 'pm_card_authenticationRequired', confirm: true, off_session: true, ...cardOnly }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error.code).toBe('authentication_required');
  });

  it('refuses to authenticate an intent that is not waiting for it', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 3000, currency: 'usd' });
    const response = await authenticate3ds(emulator, intent.id, 'succeed');
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('payment_intent_unexpected_state');
    expect((await authenticate3ds(emulator, 'pi_missing', 'succeed')).status).toBe(404);
  });
});

describe('cancel', () => {
  it('cancels an open intent and emits payment_intent.canceled', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    const canceled = await stripe.paymentIntents.cancel(intent.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect(canceled.canceled_at).toEqual(expect.any(Number));
    expect(eventTypesFor(intent.id)).toEqual(['payment_intent.created', 'payment_intent.canceled']);
  });

  it('cancels an intent waiting for 3DS', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_authenticationRequired', confirm: true, ...cardOnly });
    expect((await stripe.paymentIntents.cancel(intent.id)).status).toBe('canceled');
  });

  it('refuses to cancel a succeeded intent with payment_intent_unexpected_state', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, ...cardOnly });
    const error = await rejectionOf(stripe.paymentIntents.cancel(intent.id));

    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('payment_intent_unexpected_state');
    expect(error.message).toMatch(/^You cannot cancel this PaymentIntent because it has a status of succeeded\./);
    expect(error.raw.payment_intent).toMatchObject({ id: intent.id, status: 'succeeded' });
    expect((await stripe.paymentIntents.retrieve(intent.id)).status).toBe('succeeded');
  });

  it('refuses a second cancel and a confirm after cancel', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    await stripe.paymentIntents.cancel(intent.id);
    const again = await rejectionOf(stripe.paymentIntents.cancel(intent.id));
    expect(again.code).toBe('payment_intent_unexpected_state');
    const confirm = await rejectionOf(stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' }));
    expect(confirm).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(confirm.code).toBe('payment_intent_unexpected_state');
    expect(confirm.raw.payment_intent.status).toBe('canceled');
  });

  it('refuses to confirm an intent that already succeeded', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, ...cardOnly });
    const error = await rejectionOf(stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' }));
    expect(error.code).toBe('payment_intent_unexpected_state');
    expect(eventTypesFor(intent.id).filter((t) => t === 'payment_intent.succeeded')).toHaveLength(1);
  });

  it('rejects an invalid cancellation_reason', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    const error = await rejectionOf(stripe.paymentIntents.cancel(intent.id, { cancellation_reason: 'bored' as 'abandoned' }));
    expect(error.param).toBe('cancellation_reason');
  });
});

describe('update', () => {
  it('changes amount, description and metadata, and removes a metadata key given empty', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', metadata: { orderId: 'o-1', cart: 'c-1' } });
    const updated = await stripe.paymentIntents.update(intent.id, { amount: 1500, description: 'Order o-1', metadata: { cart: '', step: 'payment' } });
    expect(updated).toMatchObject({ amount: 1500, description: 'Order o-1', metadata: { orderId: 'o-1', step: 'payment' } });
    expect(updated.metadata).not.toHaveProperty('cart');
    // Stripe has no payment_intent.updated event.
    expect(eventTypesFor(intent.id)).toEqual(['payment_intent.created']);
  });

  it('refuses to change the amount of a succeeded intent but still takes metadata', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, ...cardOnly });
    const error = await rejectionOf(stripe.paymentIntents.update(intent.id, { amount: 2000 }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.code).toBe('payment_intent_unexpected_state');
    const updated = await stripe.paymentIntents.update(intent.id, { metadata: { shipped: 'yes' } });
    expect(updated).toMatchObject({ amount: 1000, metadata: { shipped: 'yes' } });
  });
});

describe('validation', () => {
  it('404s an unknown PaymentIntent', async () => {
    const error = await rejectionOf(stripe.paymentIntents.retrieve('pi_doesnotexist'));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('resource_missing');
    expect(error.message).toBe("No such payment_intent: 'pi_doesnotexist'");
  });

  it('rejects unknown, missing and out-of-range parameters like Stripe', async () => {
    const unknown = await rejectionOf(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', colour: 'red' } as Stripe.PaymentIntentCreateParams));
    expect(unknown).toMatchObject({ code: 'parameter_unknown', param: 'colour', statusCode: 400 });
    const missing = await rejectionOf(stripe.paymentIntents.create({ currency: 'usd' } as Stripe.PaymentIntentCreateParams));
    expect(missing).toMatchObject({ code: 'parameter_missing', param: 'amount' });
    const tooSmall = await rejectionOf(stripe.paymentIntents.create({ amount: 10, currency: 'usd' }));
    expect(tooSmall).toMatchObject({ code: 'amount_too_small', message: 'Amount must be at least $0.50 usd' });
    const longValue = await rejectionOf(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', metadata: { token: 'x'.repeat(501) } }));
    expect(longValue.param).toBe('metadata[token]');
    expect(emulator.events()).toHaveLength(0);
  });

  it('demands a return_url when automatic payment methods may redirect', async () => {
    // No payment method types given: on the SDK's API version that means automatic payment methods.
    const error = await rejectionOf(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.message).toMatch(/A `return_url` must be specified/);
    const withReturnUrl = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      return_url: 'https://shop.example/return',
    });
    expect(withReturnUrl.status).toBe('succeeded');
    expect(withReturnUrl.automatic_payment_methods).toEqual({ allow_redirects: 'always', enabled: true });
  });

  it("decodes Stripe's form encoding on the wire (CLI-style arrays, nested hashes, expand[])", async () => {
    const body = [
      'amount=2000',
      'currency=usd',
      'payment_method_types[]=card',
      'payment_method=pm_card_visa',
      'confirm=true',
      'metadata[orderId]=order%2042',
      'shipping[name]=Jenny+Rosen',
      'shipping[address][line1]=510+Townsend+St',
      'expand[]=latest_charge',
    ].join('&');
    const response = await rawRequest(emulator, 'POST', '/v1/payment_intents', { body });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({
      status: 'succeeded',
      payment_method_types: ['card'],
      automatic_payment_methods: null,
      metadata: { orderId: 'order 42' },
      shipping: { name: 'Jenny Rosen', address: { line1: '510 Townsend St', city: null } },
      latest_charge: { object: 'charge', status: 'succeeded' },
    });
  });

  it('refuses expansions it does not model before running the request', async () => {
    const error = await rejectionOf(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', expand: ['customer'] }));
    expect(error.message).toBe('This property cannot be expanded (customer).');
    expect(emulator.events()).toHaveLength(0);
  });
});
