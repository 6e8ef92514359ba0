/**
 * End-to-end: a customer checks out, pays (or does not) and cancels, against the whole local cloud
 * (HTTP API, Step Functions, DynamoDB Local, fauxqs, the Stripe emulator), with the default
 * 15-minute payment window. The scenarios run concurrently; each one asserts stock only on SKUs
 * no other scenario of this file touches:
 *   TSHIRT-BLUE-M  happy path            LIMITED-POSTER  out of stock
 *   TSHIRT-BLUE-L  customer cancel       MUG-LOGO + HOODIE-GREY-M  partial stock
 *   STICKER-PACK   idempotency, shipping zones, decline, 3DS, cancel-after-payment (no stock assertions)
 */
import { randomUUID } from 'node:crypto';
import { checkoutBody, startE2e, type E2e, type OrderView } from './support/harness';

let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e();
});
afterAll(async () => {
  await e2e?.close();
});

const statuses = (order: OrderView) => order.history.map((entry) => entry.status);

function expectHistoryInTimeOrder(order: OrderView) {
  const times = order.history.map((entry) => Date.parse(entry.at));
  expect(times.every((time) => Number.isFinite(time))).toBe(true);
  expect([...times].sort((a, b) => a - b)).toEqual(times);
}

test.concurrent('happy path: server-side prices, reservation, payment with visa, commit of the stock', async () => {
  const sku = 'TSHIRT-BLUE-M';
  const before = await e2e.stock(sku);
  expect(before).toMatchObject({ price: 2500, currency: 'usd' });

  // The client's own prices are never read: the catalogue price (2500) is used.
  const body = checkoutBody([{ sku, quantity: 2, price: 1, unitPrice: 1 } as any]);
  const reply = await e2e.request('POST', '/checkout', { json: { ...body, amounts: { total: 1 } } });
  expect(reply.status).toBe(202);
  const accepted = reply.body;
  expect(accepted.orderId).toMatch(/^ord_[A-Za-z0-9_-]{22}$/);
  expect(reply.headers.get('location')).toBe(`/orders/${accepted.orderId}`);
  expect(accepted.status).toBe('PENDING');
  expect(accepted.items).toEqual([{ sku, name: 'T-shirt, blue, M', quantity: 2, unitPrice: 2500, lineTotal: 5000 }]);
  // config/shipping-zones.json, US: 500 base + 100 per extra item; free from 10000, not reached.
  expect(accepted.amounts).toEqual({ subtotal: 5000, shipping: 600, total: 5600, currency: 'usd' });

  const awaiting = await e2e.waitForStatus(accepted.orderId, 'AWAITING_PAYMENT');
  expect(awaiting.payment.paymentIntentId).toMatch(/^pi_/);
  expect(awaiting.payment.clientSecret).toMatch(new RegExp(`^${awaiting.payment.paymentIntentId}_secret_`));
  expect(awaiting.amounts.total).toBe(5600);
  // Reserved while awaiting payment.
  expect(await e2e.stock(sku)).toMatchObject({ available: before.available - 2, reserved: before.reserved + 2, sold: before.sold });

  const intent = await e2e.stripe.paymentIntents.retrieve(awaiting.payment.paymentIntentId!);
  expect(intent).toMatchObject({ amount: 5600, currency: 'usd', status: 'requires_payment_method', metadata: { orderId: accepted.orderId } });

  const paid = await e2e.pay(intent.id, 'pm_card_visa');
  expect(paid.error).toBeUndefined();
  expect(paid.intent!.status).toBe('succeeded');

  const completed = await e2e.waitForStatus(accepted.orderId, 'COMPLETED');
  expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
  expectHistoryInTimeOrder(completed);
  expect(completed.payment).toMatchObject({ paymentIntentId: intent.id, clientSecret: null, status: 'succeeded', lastError: null });
  expect(completed.failureReason).toBeNull();
  expect(completed.amounts).toEqual({ subtotal: 5000, shipping: 600, total: 5600, currency: 'usd' });

  // The inventory worker applies the commit asynchronously (SQS): reserved -> sold.
  const committed = await e2e.waitForStock(sku, { reserved: before.reserved, sold: before.sold + 2 });
  expect(committed.available).toBe(before.available - 2);
  // One PaymentIntent per order, charged once.
  const intents = await e2e.paymentIntentsOf(accepted.orderId);
  expect(intents.map((pi) => [pi.id, pi.status, pi.amount_received])).toEqual([[intent.id, 'succeeded', 5600]]);

  // The local endpoint is subscribed as the deployed one: of the intent's three events, only the
  // one the saga acts on is delivered.
  const events = (await e2e.stripe.events.list({ limit: 100 })).data.filter((event) => (event.data.object as { id?: string; payment_intent?: string }).id === intent.id || (event.data.object as { payment_intent?: string }).payment_intent === intent.id);
  expect(events.map((event) => event.type).sort()).toEqual(['charge.succeeded', 'payment_intent.created', 'payment_intent.succeeded']);
  const eventIds = new Set(events.map((event) => event.id));
  const delivered = (await e2e.deliveries()).filter((d) => eventIds.has(d.eventId));
  expect(delivered.map((d) => [d.type, d.statusCode])).toEqual([['payment_intent.succeeded', 200]]);
});

test.concurrent('Idempotency-Key: same key and body -> same order; same key and another body -> 409', async () => {
  const key = `e2e-${randomUUID()}`;
  const body = checkoutBody([{ sku: 'STICKER-PACK', quantity: 1 }]);
  const first = await e2e.postCheckout(body, key);
  expect(first.status).toBe(202);
  const second = await e2e.postCheckout(body, key);
  expect(second.status).toBe(202);
  expect(second.body.orderId).toBe(first.body.orderId);
  expect(second.body.amounts).toEqual(first.body.amounts);

  // Another key is another order.
  const other = await e2e.postCheckout(body, `e2e-${randomUUID()}`);
  expect(other.status).toBe(202);
  expect(other.body.orderId).not.toBe(first.body.orderId);

  const reused = await e2e.postCheckout(checkoutBody([{ sku: 'STICKER-PACK', quantity: 2 }]), key);
  expect(reused.status).toBe(409);
  expect(reused.body).toEqual({ error: { code: 'IDEMPOTENCY_KEY_REUSED', message: expect.any(String) } });

  // One order, one saga, one PaymentIntent for the repeated request.
  const order = await e2e.waitForStatus(first.body.orderId, 'AWAITING_PAYMENT');
  expect(statuses(order)).toEqual(['PENDING', 'AWAITING_PAYMENT']);
  expect(await e2e.paymentIntentsOf(first.body.orderId)).toHaveLength(1);
  const executions = e2e.cloud.stepFunctions
    .listExecutions({ stateMachineArn: e2e.cloud.stateMachineArn, maxResults: 1000 })
    .executions.filter((execution) => execution.name.startsWith(first.body.orderId));
  expect(executions).toHaveLength(1);
  // The retried request still reads the same order.
  expect((await e2e.order(second.body.orderId)).orderId).toBe(first.body.orderId);
});

test.concurrent('shipping zones and the free-shipping threshold price the order and its PaymentIntent', async () => {
  // STICKER-PACK costs 400. config/shipping-zones.json: US 500 + 100 per extra item, free from a
  // 10000 subtotal; CA 1200 + 200 per extra item; DE (europe) 1500 + 250 per extra item.
  const cases = [
    { country: 'US', quantity: 24, amounts: { subtotal: 9600, shipping: 2800, total: 12400 } },
    { country: 'US', quantity: 25, amounts: { subtotal: 10000, shipping: 0, total: 10000 } },
    { country: 'CA', quantity: 2, amounts: { subtotal: 800, shipping: 1400, total: 2200 } },
    { country: 'de', quantity: 3, amounts: { subtotal: 1200, shipping: 2000, total: 3200 } },
  ];
  const accepted = await Promise.all(cases.map(({ country, quantity }) => e2e.checkout([{ sku: 'STICKER-PACK', quantity }], { country })));
  accepted.forEach((order, i) => expect({ country: cases[i].country, amounts: order.amounts }).toEqual({
    country: cases[i].country,
    amounts: { ...cases[i].amounts, currency: 'usd' },
  }));
  // The PaymentIntent charges exactly the order's total.
  for (const [i, order] of accepted.entries()) {
    const awaiting = await e2e.waitForStatus(order.orderId, 'AWAITING_PAYMENT');
    const intent = await e2e.stripe.paymentIntents.retrieve(awaiting.payment.paymentIntentId!);
    expect({ amount: intent.amount, currency: intent.currency }).toEqual({ amount: cases[i].amounts.total, currency: 'usd' });
  }
  for (const order of accepted) expect((await e2e.cancel(order.orderId)).status).toBe(202);
  for (const order of accepted) await e2e.waitForStatus(order.orderId, 'CANCELED');
});

test.concurrent('out of stock: REJECTED naming the SKU, stock unchanged, no PaymentIntent', async () => {
  const sku = 'LIMITED-POSTER';
  const before = await e2e.stock(sku);
  expect(before.available).toBe(3);

  const accepted = await e2e.checkout([{ sku, quantity: 4 }]);
  const rejected = await e2e.waitForStatus(accepted.orderId, 'REJECTED');
  expect(rejected.failureReason).toEqual(expect.stringContaining(sku));
  expect(statuses(rejected)).toEqual(['PENDING', 'REJECTED']);
  expect(rejected.payment).toEqual({ paymentIntentId: null, clientSecret: null, status: null, lastError: null });
  expect(await e2e.stock(sku)).toEqual(before);
  expect(await e2e.paymentIntentsOf(accepted.orderId)).toEqual([]);

  // A rejected order is closed: cancelling it is refused.
  const cancel = await e2e.cancel(accepted.orderId);
  expect(cancel.status).toBe(409);
  expect(cancel.body.error.code).toBe('ORDER_CLOSED');
});

test.concurrent('multi-line cart with one short line: REJECTED and nothing reserved on the line in stock', async () => {
  const inStock = 'MUG-LOGO';
  const short = 'HOODIE-GREY-M';
  const [mugBefore, hoodieBefore] = await Promise.all([e2e.stock(inStock), e2e.stock(short)]);
  expect(hoodieBefore.available).toBeLessThan(41);

  // The line in stock comes first, so a non-atomic reservation would have taken it already.
  const accepted = await e2e.checkout([
    { sku: inStock, quantity: 2 },
    { sku: short, quantity: 41 },
  ]);
  const rejected = await e2e.waitForStatus(accepted.orderId, 'REJECTED');
  expect(rejected.failureReason).toEqual(expect.stringContaining(short));
  expect(rejected.failureReason).not.toContain(inStock);
  expect(statuses(rejected)).toEqual(['PENDING', 'REJECTED']);
  expect(rejected.payment.paymentIntentId).toBeNull();
  expect(await e2e.stock(inStock)).toEqual(mugBefore);
  expect(await e2e.stock(short)).toEqual(hoodieBefore);
  expect(await e2e.paymentIntentsOf(accepted.orderId)).toEqual([]);
});

test.concurrent('declined card is recorded, the order keeps waiting, another card completes it', async () => {
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'STICKER-PACK', quantity: 2 }]);

  const declined = await e2e.pay(paymentIntentId, 'pm_card_chargeDeclined');
  expect(declined.intent).toBeUndefined();
  expect(declined.error).toMatchObject({ type: 'StripeCardError', code: 'card_declined', decline_code: 'generic_decline' });

  const afterDecline = await e2e.waitForStatus(order.orderId, 'AWAITING_PAYMENT', { until: (o) => o.payment.lastError !== null });
  expect(afterDecline.payment).toMatchObject({
    paymentIntentId,
    status: 'requires_payment_method',
    lastError: { code: 'card_declined', declineCode: 'generic_decline', message: expect.any(String), at: expect.any(String) },
  });
  // Still payable: the client secret is still shown and the order did not move on.
  expect(afterDecline.payment.clientSecret).toMatch(/_secret_/);
  expect(statuses(afterDecline)).toEqual(['PENDING', 'AWAITING_PAYMENT']);

  const paid = await e2e.pay(paymentIntentId, 'pm_card_visa');
  expect(paid.intent?.status).toBe('succeeded');
  const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED');
  expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
  expect(completed.payment).toMatchObject({ paymentIntentId, status: 'succeeded', clientSecret: null });
  expect(completed.failureReason).toBeNull();
});

test.concurrent('3DS: requires_action is recorded, authentication succeeds, the order completes', async () => {
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'STICKER-PACK', quantity: 3 }]);

  const confirmed = await e2e.pay(paymentIntentId, 'pm_card_authenticationRequired');
  expect(confirmed.error).toBeUndefined();
  expect(confirmed.intent?.status).toBe('requires_action');

  const challenged = await e2e.waitForStatus(order.orderId, 'AWAITING_PAYMENT', { until: (o) => o.payment.status === 'requires_action' });
  expect(challenged.payment.clientSecret).toMatch(/_secret_/);

  const authenticated = await e2e.authenticate(paymentIntentId, 'succeed');
  expect(authenticated.status).toBe(200);
  const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED');
  expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
  expect(completed.payment).toMatchObject({ paymentIntentId, status: 'succeeded', clientSecret: null });
  expect((await e2e.stripe.paymentIntents.retrieve(paymentIntentId)).status).toBe('succeeded');
});

test.concurrent('customer cancel before payment: CANCELED, PaymentIntent canceled, stock back', async () => {
  const sku = 'TSHIRT-BLUE-L';
  const before = await e2e.stock(sku);
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku, quantity: 3 }]);
  expect(await e2e.stock(sku)).toMatchObject({ available: before.available - 3, reserved: before.reserved + 3 });

  const cancel = await e2e.cancel(order.orderId);
  expect(cancel.status).toBe(202);
  expect(cancel.body).toMatchObject({ orderId: order.orderId, cancelRequested: true });

  const canceled = await e2e.waitForStatus(order.orderId, 'CANCELED');
  expect(statuses(canceled)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CANCELED']);
  expect(canceled.failureReason).toBe('Cancelled by the customer');
  expect(canceled.payment).toMatchObject({ paymentIntentId, clientSecret: null, status: 'canceled' });
  expect(await e2e.stripe.paymentIntents.retrieve(paymentIntentId)).toMatchObject({ status: 'canceled' });
  expect(await e2e.stock(sku)).toEqual(before);

  // Cancelling again is harmless; paying a cancelled order is refused by Stripe and changes nothing.
  const again = await e2e.cancel(order.orderId);
  expect(again.status).toBe(200);
  expect(again.body).toEqual({ orderId: order.orderId, status: 'CANCELED' });
  const late = await e2e.pay(paymentIntentId, 'pm_card_visa');
  expect(late.error).toMatchObject({ type: 'StripeInvalidRequestError', code: 'payment_intent_unexpected_state' });
  expect((await e2e.order(order.orderId)).status).toBe('CANCELED');
  expect(await e2e.stock(sku)).toEqual(before);

  // Unknown orders are 404.
  const unknown = await e2e.cancel('ord_AAAAAAAAAAAAAAAAAAAAAA');
  expect(unknown.status).toBe(404);
  expect(unknown.body.error.code).toBe('ORDER_NOT_FOUND');
});

test.concurrent('cancelling a COMPLETED order is refused with 409 ORDER_ALREADY_PAID', async () => {
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'STICKER-PACK', quantity: 1 }]);
  expect((await e2e.pay(paymentIntentId, 'pm_card_visa')).intent?.status).toBe('succeeded');
  await e2e.waitForStatus(order.orderId, 'COMPLETED');

  const cancel = await e2e.cancel(order.orderId);
  expect(cancel.status).toBe(409);
  expect(cancel.body).toEqual({ error: { code: 'ORDER_ALREADY_PAID', message: expect.any(String) } });
  const after = await e2e.order(order.orderId);
  expect(after.status).toBe('COMPLETED');
  expect(statuses(after)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
  expect((await e2e.stripe.paymentIntents.retrieve(paymentIntentId)).status).toBe('succeeded');
  // Nothing happens later either: the saga has ended, and it never entered its compensation.
  expect((await e2e.waitForExecution(order.orderId)).status).toBe('SUCCEEDED');
  expect(e2e.statesEntered(order.orderId)).not.toContain('CompensateOrder');
});
