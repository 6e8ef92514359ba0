/**
 * GET /v1/events filters as Stripe documents them, driven by the real SDK: `created` (a timestamp or
 * gt/gte/lt/lte), `type` with a `*` wildcard, `types[]` (exact names, not with `type`), and the
 * cursor pagination over the filtered list, newest first.
 */
import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '../../../local/stripe-emulator/server';
import { WEBHOOK_SECRET, rawRequest, stripeFor } from './helpers';

let emulator: StripeEmulator;
let stripe: Stripe;
const T0 = 1_900_000_000; // a fixed wall clock, in seconds

async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** One PaymentIntent per second from T0: created at T0, paid at T0+1, ... (the emulator reads Date.now). */
async function eventsOneSecondApart(): Promise<Stripe.Event[]> {
  const realNow = Date.now.bind(Date);
  let second = T0;
  const clock = jest.spyOn(Date, 'now').mockImplementation(() => second * 1000);
  try {
    const open = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }); // T0: created
    second++;
    await stripe.paymentIntents.cancel(open.id); // T0+1: canceled
    second++;
    const paid = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', automatic_payment_methods: { enabled: true, allow_redirects: 'never' } }); // T0+2: created
    second++;
    await stripe.paymentIntents.confirm(paid.id, { payment_method: 'pm_card_visa' }); // T0+3: charge.succeeded, payment_intent.succeeded
    second++;
    const declined = await stripe.paymentIntents.create({ amount: 3000, currency: 'usd', automatic_payment_methods: { enabled: true, allow_redirects: 'never' } }); // T0+4
    second++;
    await stripe.paymentIntents.confirm(declined.id, { payment_method: 'pm_card_chargeDeclined' }).catch(() => undefined); // T0+5: charge.failed, payment_failed
  } finally {
    clock.mockImplementation(realNow);
    clock.mockRestore();
  }
  return emulator.events() as unknown as Stripe.Event[];
}

const summary = (events: Stripe.Event[]) => events.map((e) => `${e.created - T0}:${e.type}`);

beforeEach(async () => {
  emulator = await startStripeEmulator({ webhookSecret: WEBHOOK_SECRET });
  stripe = stripeFor(emulator);
});
afterEach(() => emulator.close());

describe('created', () => {
  it('filters with gte, gt, lte and lt, alone or combined, newest first', async () => {
    await eventsOneSecondApart();
    expect(summary((await stripe.events.list({ created: { gte: T0 + 3 } })).data)).toEqual([
      '5:payment_intent.payment_failed',
      '5:charge.failed',
      '4:payment_intent.created',
      '3:payment_intent.succeeded',
      '3:charge.succeeded',
    ]);
    expect(summary((await stripe.events.list({ created: { gt: T0 + 3 } })).data)).toEqual(['5:payment_intent.payment_failed', '5:charge.failed', '4:payment_intent.created']);
    expect(summary((await stripe.events.list({ created: { lte: T0 + 1 } })).data)).toEqual(['1:payment_intent.canceled', '0:payment_intent.created']);
    expect(summary((await stripe.events.list({ created: { lt: T0 + 1 } })).data)).toEqual(['0:payment_intent.created']);
    expect(summary((await stripe.events.list({ created: { gt: T0, lt: T0 + 3 } })).data)).toEqual(['2:payment_intent.created', '1:payment_intent.canceled']);
    expect(summary((await stripe.events.list({ created: T0 + 2 })).data)).toEqual(['2:payment_intent.created']);
    expect((await stripe.events.list({ created: { gte: T0 + 6 } })).data).toEqual([]);
  });

  it('refuses an unknown bound and a bound that is not an integer, as Stripe does', async () => {
    const unknown = await rawRequest(emulator, 'GET', `/v1/events?created[after]=${T0}`);
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({ type: 'invalid_request_error', code: 'parameter_unknown', param: 'created[after]' });
    const notInteger = await rejectionOf(stripe.events.list({ created: { gte: 'yesterday' as unknown as number } }));
    expect(notInteger).toMatchObject({ statusCode: 400, code: 'parameter_invalid_integer', param: 'created[gte]' });
  });
});

describe('type and types', () => {
  it('type takes a wildcard; types[] takes exact names; both combine with created', async () => {
    await eventsOneSecondApart();
    expect(summary((await stripe.events.list({ type: 'charge.*' })).data)).toEqual(['5:charge.failed', '3:charge.succeeded']);
    expect(summary((await stripe.events.list({ types: ['payment_intent.succeeded', 'payment_intent.canceled'] })).data)).toEqual([
      '3:payment_intent.succeeded',
      '1:payment_intent.canceled',
    ]);
    // No wildcard in types[]: Stripe matches names exactly.
    expect((await stripe.events.list({ types: ['payment_intent.*'] })).data).toEqual([]);
    expect(
      summary((await stripe.events.list({ created: { gte: T0 + 1 }, types: ['payment_intent.created', 'payment_intent.payment_failed'] })).data),
    ).toEqual(['5:payment_intent.payment_failed', '4:payment_intent.created', '2:payment_intent.created']);
  });

  it('refuses type with types, and more than 20 types', async () => {
    const both = await rejectionOf(stripe.events.list({ type: 'charge.*', types: ['charge.failed'] }));
    expect(both).toMatchObject({ statusCode: 400, code: 'parameters_exclusive' });
    const many = await rejectionOf(stripe.events.list({ types: Array.from({ length: 21 }, (_, i) => `payment_intent.t${i}`) }));
    expect(many).toMatchObject({ statusCode: 400, param: 'types' });
  });
});

describe('pagination over a filtered list', () => {
  it('pages with limit, has_more, starting_after and ending_before; the SDK walks every page', async () => {
    const all = await eventsOneSecondApart();
    const wanted = { created: { gte: T0 + 1 }, types: ['payment_intent.created', 'payment_intent.canceled', 'payment_intent.succeeded', 'payment_intent.payment_failed'] };
    const expected = all
      .filter((e) => e.created >= T0 + 1 && wanted.types.includes(e.type))
      .reverse()
      .map((e) => e.id);
    expect(expected).toHaveLength(5);

    const first = await stripe.events.list({ ...wanted, limit: 2 });
    expect(first.data.map((e) => e.id)).toEqual(expected.slice(0, 2));
    expect(first.has_more).toBe(true);
    const second = await stripe.events.list({ ...wanted, limit: 2, starting_after: first.data[1].id });
    expect(second.data.map((e) => e.id)).toEqual(expected.slice(2, 4));
    expect(second.has_more).toBe(true);
    const last = await stripe.events.list({ ...wanted, limit: 2, starting_after: second.data[1].id });
    expect(last.data.map((e) => e.id)).toEqual(expected.slice(4));
    expect(last.has_more).toBe(false);
    const before = await stripe.events.list({ ...wanted, limit: 2, ending_before: expected[3] });
    expect(before.data.map((e) => e.id)).toEqual(expected.slice(1, 3));
    expect(before.has_more).toBe(true);

    const walked: string[] = [];
    for await (const event of stripe.events.list({ ...wanted, limit: 2 })) walked.push(event.id);
    expect(walked).toEqual(expected);
  });
});
