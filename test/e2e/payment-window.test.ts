/**
 * End-to-end with a short payment window (3 s): what happens when the customer does not pay in
 * time, and the race rule when the money arrives but Stripe's webhook does not.
 * The scenarios run one after the other: the second one switches the emulator's webhook off.
 */
import { startE2e, type E2e, type OrderView } from './support/harness';
import { pollUntil } from '../support/poll';

const WINDOW_SECONDS = 3;
let e2e: E2e;

beforeAll(async () => {
  // No reconciler: these tests withhold webhooks to show the window's close as the last line of
  // defence (test/e2e/reconciler.test.ts shows the reconciler catching up first).
  e2e = await startE2e({ paymentWindowSeconds: WINDOW_SECONDS, runSchedules: false });
});
afterAll(async () => {
  await e2e?.close();
});

const statuses = (order: OrderView) => order.history.map((entry) => entry.status);

test('no payment within the window: EXPIRED, PaymentIntent canceled, stock released', async () => {
  const sku = 'HOODIE-GREY-M';
  const before = await e2e.stock(sku);
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku, quantity: 2 }]);
  expect(order.paymentWindowSeconds).toBe(WINDOW_SECONDS);
  expect(await e2e.stock(sku)).toMatchObject({ available: before.available - 2, reserved: before.reserved + 2 });

  const expired = await e2e.waitForStatus(order.orderId, 'EXPIRED', { timeoutMs: (WINDOW_SECONDS + 12) * 1000 });
  expect(statuses(expired)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'EXPIRED']);
  expect(expired.failureReason).toBe('Payment window closed before the payment succeeded');
  expect(expired.payment).toMatchObject({ paymentIntentId, clientSecret: null, status: 'canceled' });
  // Not before the window closed (it opens after the order was accepted).
  const acceptedAt = Date.parse(expired.history[0].at);
  const expiredAt = Date.parse(expired.history[2].at);
  expect(expiredAt - acceptedAt).toBeGreaterThanOrEqual(WINDOW_SECONDS * 1000);

  const intent = await e2e.stripe.paymentIntents.retrieve(paymentIntentId);
  expect(intent.status).toBe('canceled');
  expect(await e2e.stock(sku)).toEqual(before);

  // Too late to pay: Stripe refuses, the order stays EXPIRED and nothing alerts.
  const late = await e2e.pay(paymentIntentId, 'pm_card_visa');
  expect(late.error).toMatchObject({ code: 'payment_intent_unexpected_state' });
  expect((await e2e.order(order.orderId)).status).toBe('EXPIRED');
  expect(await e2e.opsAlerts(order.orderId)).toEqual([]);
  // The customer cannot cancel an expired order either.
  const cancel = await e2e.cancel(order.orderId);
  expect(cancel.status).toBe(409);
  expect(cancel.body.error.code).toBe('ORDER_CLOSED');
});

test('race rule: paid but the webhook never came -> the expiry finds the payment and completes the order', async () => {
  const sku = 'MUG-LOGO';
  const before = await e2e.stock(sku);
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku, quantity: 1 }]);

  // Stripe stops delivering webhooks (an outage on the way to us); the customer pays.
  const emulatorConfig = await e2e.request('POST', '/_emulator/config', { json: { webhookUrl: null }, base: e2e.stripeApiBase });
  expect(emulatorConfig.status).toBe(200);
  try {
    const paid = await e2e.pay(paymentIntentId, 'pm_card_visa');
    expect(paid.intent?.status).toBe('succeeded');

    // The window closes, the compensation tries to cancel, finds the payment and goes forward.
    const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED', { timeoutMs: (WINDOW_SECONDS + 15) * 1000 });
    expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
    expect(completed.payment).toMatchObject({ paymentIntentId, status: 'succeeded', clientSecret: null });
    expect(completed.failureReason).toBeNull();
    expect((await e2e.stripe.paymentIntents.retrieve(paymentIntentId)).status).toBe('succeeded');
    await e2e.waitForStock(sku, { available: before.available - 1, reserved: before.reserved, sold: before.sold + 1 });
  } finally {
    await e2e.request('POST', '/_emulator/config', { json: { webhookUrl: `${e2e.apiUrl}/webhooks/stripe` }, base: e2e.stripeApiBase });
  }

  // The late webhook, delivered once Stripe recovers, changes nothing and alerts nobody.
  const succeeded = (await e2e.stripe.events.list({ type: 'payment_intent.succeeded', limit: 100 })).data.find(
    (event) => (event.data.object as { id: string }).id === paymentIntentId,
  );
  expect(succeeded).toBeDefined();
  const resend = await e2e.request('POST', `/_emulator/events/${succeeded!.id}/resend`, { base: e2e.stripeApiBase });
  expect(resend.status).toBe(200);
  const delivered = await pollUntil(`a delivery of ${succeeded!.id}`, async () => (await e2e.deliveries(`?event_id=${succeeded!.id}`)).find((d) => d.statusCode !== null));
  expect(delivered.statusCode).toBe(200);
  const after = await e2e.order(order.orderId);
  expect(after.status).toBe('COMPLETED');
  expect(statuses(after)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
  expect(await e2e.opsAlerts(order.orderId)).toEqual([]);
  expect(await e2e.stock(sku)).toMatchObject({ reserved: before.reserved, sold: before.sold + 1 });
});
