/**
 * End-to-end under an unreliable Stripe: every webhook is delivered twice, and the events of each
 * 800 ms window newest first (the emulator's duplicateDeliveries / reorderDeliveries knobs; Stripe
 * guarantees neither once-only nor ordered delivery), while customers race the saga
 * (cancel right after checkout, cancel right after paying, the same Idempotency-Key at once).
 * Stock is asserted per scenario on SKUs no other scenario of this file touches:
 *   TSHIRT-BLUE-M  cancels at any moment after checkout     TSHIRT-BLUE-L  pay, then cancel at once
 *   MUG-LOGO + HOODIE-GREY-M  two-line cart                STICKER-PACK   3DS, idempotency race, extra cancels
 * The concurrent scenarios come first; the ones after them run alone.
 */
import { randomUUID } from 'node:crypto';
import { checkoutBody, startE2e, type E2e, type OrderView } from './support/harness';
import { pollUntil } from '../support/poll';
import { once } from '../support/once';

const REORDER_WINDOW_MS = 800;
let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e({ stripeDelivery: { duplicateDeliveries: 1, reorderDeliveries: 'newest-first', reorderWindowMs: REORDER_WINDOW_MS } });
});
afterAll(async () => {
  await e2e?.close();
});

const statuses = (order: OrderView) => order.history.map((entry) => entry.status);

/** Checkout, then cancel `delayMs` later; waits for CANCELED. */
async function checkoutThenCancel(sku: string, delayMs: number): Promise<OrderView> {
  const accepted = await e2e.checkout([{ sku, quantity: 1 }]);
  // A spread of customers, not synchronisation: each cancels at another moment of the saga.
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  const cancel = await e2e.cancel(accepted.orderId);
  expect(cancel.status).toBe(202);
  return e2e.waitForStatus(accepted.orderId, 'CANCELED');
}

const CANCEL_DELAYS_MS = Array.from({ length: 20 }, (_, i) => i * 20);
/** The first sweep of cancels, run alongside the other concurrent scenarios; read by two tests. */
const firstCancelSweep = once(async () => {
  const sku = 'TSHIRT-BLUE-M';
  const before = await e2e.stock(sku);
  const orders = await Promise.all(CANCEL_DELAYS_MS.map((delay) => checkoutThenCancel(sku, delay)));
  return { sku, before, orders };
});

test.concurrent('customers cancelling at any moment after checkout: every order ends CANCELED with its stock back', async () => {
  const { sku, before, orders } = await firstCancelSweep();
  const sweptOrders = orders.map((order) => order.orderId);

  for (const order of orders) {
    expect(order.failureReason).toBe('Cancelled by the customer');
    expect(statuses(order)[0]).toBe('PENDING');
    expect(statuses(order).at(-1)).toBe('CANCELED');
    expect(statuses(order)).not.toContain('PAID');
    expect(order.payment.clientSecret).toBeNull();
  }
  expect(await e2e.stock(sku)).toEqual(before);
  expect((await e2e.opsAlerts()).filter((alert) => sweptOrders.includes(alert.orderId))).toEqual([]);
});

test.concurrent('pay, then cancel at once: the payment wins, the order completes, stock is sold not released', async () => {
  const sku = 'TSHIRT-BLUE-L';
  const before = await e2e.stock(sku);
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku, quantity: 1 }]);
  expect((await e2e.pay(paymentIntentId, 'pm_card_visa')).intent?.status).toBe('succeeded');
  const cancel = await e2e.cancel(order.orderId);
  // Accepted (the compensation then finds the payment) or refused (already paid): both are fine.
  expect([202, 409]).toContain(cancel.status);

  const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED');
  expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
  expect(completed.failureReason).toBeNull();
  expect(completed.payment).toMatchObject({ paymentIntentId, status: 'succeeded' });
  expect((await e2e.stripe.paymentIntents.retrieve(paymentIntentId)).status).toBe('succeeded');
  await e2e.waitForStock(sku, { available: before.available - 1, reserved: before.reserved, sold: before.sold + 1 });
  expect(await e2e.opsAlerts(order.orderId)).toEqual([]);
});

test.concurrent('two-line cart paid under duplicated, reordered webhooks: completes once, both lines committed', async () => {
  const [mugBefore, hoodieBefore] = await Promise.all([e2e.stock('MUG-LOGO'), e2e.stock('HOODIE-GREY-M')]);
  const accepted = await e2e.checkout([
    { sku: 'MUG-LOGO', quantity: 2 },
    { sku: 'HOODIE-GREY-M', quantity: 1 },
  ]);
  // 2 x 1200 + 5900 = 8300; US: 500 + 100 x 2 extra items (free only from 10000).
  expect(accepted.amounts).toEqual({ subtotal: 8300, shipping: 700, total: 9000, currency: 'usd' });
  const awaiting = await e2e.waitForStatus(accepted.orderId, 'AWAITING_PAYMENT');
  expect((await e2e.pay(awaiting.payment.paymentIntentId!, 'pm_card_visa')).intent?.amount_received).toBe(9000);

  const completed = await e2e.waitForStatus(accepted.orderId, 'COMPLETED');
  expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
  await e2e.waitForStock('MUG-LOGO', { available: mugBefore.available - 2, reserved: mugBefore.reserved, sold: mugBefore.sold + 2 });
  await e2e.waitForStock('HOODIE-GREY-M', { available: hoodieBefore.available - 1, reserved: hoodieBefore.reserved, sold: hoodieBefore.sold + 1 });
  await e2e.waitForQueueDrained(e2e.cloud.lambda.environment.INVENTORY_UPDATES_QUEUE_URL);
  expect(await e2e.stock('MUG-LOGO')).toMatchObject({ reserved: mugBefore.reserved, sold: mugBefore.sold + 2 });
  expect(await e2e.stock('HOODIE-GREY-M')).toMatchObject({ reserved: hoodieBefore.reserved, sold: hoodieBefore.sold + 1 });

  // The payment_intent.succeeded event reached the webhook twice; both copies were answered 2xx.
  const event = (await e2e.stripe.events.list({ type: 'payment_intent.succeeded', limit: 100 })).data.find(
    (candidate) => (candidate.data.object as { id: string }).id === awaiting.payment.paymentIntentId,
  );
  expect(event).toBeDefined();
  const copies = await pollUntil(`both copies of ${event!.id} answered 200`, async () => (await e2e.deliveries(`?event_id=${event!.id}`)).filter((d) => d.statusCode === 200), { accept: (ok) => ok.length >= 2 });
  expect(new Set(copies.map((d) => d.deliveryId)).size).toBe(2);
  expect(await e2e.opsAlerts(accepted.orderId)).toEqual([]);
});

test.concurrent('3DS failed: recorded as a payment error, the order keeps waiting, then a visa completes it', async () => {
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'STICKER-PACK', quantity: 1 }]);
  expect((await e2e.pay(paymentIntentId, 'pm_card_authenticationRequired')).intent?.status).toBe('requires_action');
  expect((await e2e.authenticate(paymentIntentId, 'fail')).status).toBe(200);

  const failed = await e2e.waitForStatus(order.orderId, 'AWAITING_PAYMENT', {
    until: (o) => o.payment.lastError?.code === 'payment_intent_authentication_failure',
  });
  expect(failed.payment.clientSecret).toMatch(/_secret_/);
  expect(statuses(failed)).toEqual(['PENDING', 'AWAITING_PAYMENT']);

  expect((await e2e.pay(paymentIntentId, 'pm_card_visa')).intent?.status).toBe('succeeded');
  const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED');
  expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
  expect(completed.payment.status).toBe('succeeded');
});

// Runs after the concurrent ones: it counts every order in the table.
test('the same Idempotency-Key sent three times at once creates one order', async () => {
  const ordersBefore = await e2e.orderCount();
  const key = `e2e-${randomUUID()}`;
  const body = checkoutBody([{ sku: 'STICKER-PACK', quantity: 1 }]);
  const replies = await Promise.all([1, 2, 3].map(() => e2e.postCheckout(body, key)));

  const accepted = replies.filter((reply) => reply.status === 202);
  expect(accepted.length).toBeGreaterThanOrEqual(1);
  expect(new Set(accepted.map((reply) => reply.body.orderId)).size).toBe(1);
  for (const reply of replies.filter((r) => r.status !== 202)) {
    expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status: 409, code: 'REQUEST_IN_PROGRESS' });
  }
  expect(await e2e.orderCount()).toBe(ordersBefore + 1);
  // A later retry with the same key gets the same order.
  const retry = await e2e.postCheckout(body, key);
  expect(retry.status).toBe(202);
  expect(retry.body.orderId).toBe(accepted[0].body.orderId);
  expect(await e2e.orderCount()).toBe(ordersBefore + 1);
});

/** Waits until the emulator has no delivery pending (queued, held for reordering, in flight or retrying). */
function waitForWebhooksIdle() {
  return pollUntil('no webhook delivery pending in the emulator', async () => (await e2e.request('GET', '/_emulator/health', { base: e2e.stripeApiBase })).body.pendingDeliveries, { accept: (pending) => pending === 0 });
}

// Regression (fixed): payment.status followed whichever pre-payment event was delivered last;
// Stripe does not order deliveries, so an older requires_action could overwrite a newer decline.
test('out-of-order webhooks do not roll payment.status back to an older PaymentIntent state', async () => {
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'STICKER-PACK', quantity: 1 }]);
  // A fresh reorder window: requires_action opens it, payment_failed joins it, and they are
  // delivered newest first (payment_failed, then requires_action).
  await waitForWebhooksIdle();
  expect((await e2e.pay(paymentIntentId, 'pm_card_authenticationRequired')).intent?.status).toBe('requires_action');
  expect((await e2e.authenticate(paymentIntentId, 'fail')).status).toBe(200);
  await waitForWebhooksIdle();
  const delivered = (await e2e.deliveries()).filter((d) => d.type.startsWith('payment_intent.') && d.statusCode === 200);
  const events = (await e2e.stripe.events.list({ limit: 20 })).data.filter(
    (event) => (event.data.object as { id?: string }).id === paymentIntentId && event.type !== 'payment_intent.created',
  );
  expect(events.map((event) => event.type).sort()).toEqual(['payment_intent.payment_failed', 'payment_intent.requires_action']);
  for (const event of events) expect(delivered.filter((d) => d.eventId === event.id)).toHaveLength(2);

  const intent = await e2e.stripe.paymentIntents.retrieve(paymentIntentId);
  expect(intent.status).toBe('requires_payment_method');
  const shown = await e2e.order(order.orderId);
  expect(shown.payment.lastError?.code).toBe('payment_intent_authentication_failure');
  expect(shown.payment.status).toBe(intent.status);
});

/** PaymentIntents of these orders that are not canceled, once things settled (or the deadline passed). */
async function livePaymentIntents(orderIds: string[]) {
  const wanted = new Set(orderIds);
  const find = async () => {
    const live: Array<{ orderId: string; paymentIntentId: string; status: string }> = [];
    for await (const intent of e2e.stripe.paymentIntents.list({ limit: 100 })) {
      if (wanted.has(intent.metadata?.orderId) && intent.status !== 'canceled') {
        live.push({ orderId: intent.metadata.orderId, paymentIntentId: intent.id, status: intent.status });
      }
    }
    return live;
  };
  // requestPayment may still be creating (then cancelling) an intent after the order shows CANCELED.
  return pollUntil('every PaymentIntent of these orders canceled', find, { accept: (live) => live.length === 0, timeoutMs: 5000, intervalMs: 250 }).catch(() => find());
}

// Regression (fixed): a cancel that lands while requestPayment is creating the PaymentIntent (token stored,
// intent created, not yet recorded: src/use-cases/saga/request-payment.ts) left a payable PaymentIntent
// on a CANCELED order whose stock was released. The cancel (src/use-cases/api/cancel-order.ts)
// fails the payment wait at once; compensateOrder read the order before the intent id was stored
// and cancelled nothing (NO_PAYMENT_INTENT); requestPayment's transition to AWAITING_PAYMENT still
// succeeded, so its safety net did not fire; then the compensation moved AWAITING_PAYMENT ->
// CANCELED (src/use-cases/saga/compensate-order.ts). Paying that intent later charged the
// customer and flagged the order NEEDS_ATTENTION (PAID_AFTER_COMPENSATION). It needs a timing window:
// the first sweep ran alongside other scenarios; more sweeps follow until one shows it (about a
// second each).
test('no cancelled order keeps a payable PaymentIntent, whenever the customer cancelled', async () => {
  const { orders: swept } = await firstCancelSweep();
  expect(swept).toHaveLength(CANCEL_DELAYS_MS.length);
  let live = await livePaymentIntents(swept.map((order) => order.orderId));
  for (let round = 0; round < 6 && live.length === 0; round++) {
    const orders = await Promise.all(CANCEL_DELAYS_MS.map((delay) => checkoutThenCancel('STICKER-PACK', delay)));
    live = await livePaymentIntents(orders.map((order) => order.orderId));
  }
  const shown = await Promise.all(live.map(async (intent) => ({ ...intent, order: (await e2e.order(intent.orderId)).status })));
  expect(shown).toEqual([]);
}, 60_000);
