/**
 * The payment window's paths of stepfunctions/checkout.asl.yml (a 2 s window): expiry, a success
 * racing the expiry, and a success that arrives after the order was compensated.
 * (One local cloud per test file: handler modules keep the endpoints they were loaded with.)
 */
import Stripe from 'stripe';
import { startLocalCloud, type LocalCloud } from '../../local/cloud';
import { SagaDriver } from './support';

describe('checkout saga (payment window 2 s)', () => {
  let cloud: LocalCloud;
  let saga: SagaDriver;

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, stripeEmulatorPort: 0, paymentWindowSeconds: 2, logLevel: 'ERROR' });
    saga = new SagaDriver(cloud);
  }, 60_000);
  afterAll(() => cloud?.close());

  test('window expiry: PaymentIntent cancelled, stock back, EXPIRED', async () => {
    const before = await saga.product('TSHIRT-BLUE-M');
    const orderId = await saga.checkout([{ sku: 'TSHIRT-BLUE-M', quantity: 3 }]);
    const awaiting = await saga.waitForStatus(orderId, ['AWAITING_PAYMENT']);
    await saga.waitForExecution(orderId);
    expect(saga.statesEntered(orderId)).toEqual([
      'RouteStart', 'ReserveInventory', 'AwaitPayment', 'CompensateOrder', 'CompensationOutcome', 'OrderClosed',
    ]);
    expect(saga.history(orderId).some((e) => e.type === 'TaskTimedOut')).toBe(true);
    const order = await saga.order(orderId);
    expect(order.status).toBe('EXPIRED');
    expect(order.failureReason).toMatch(/window/i);
    expect((await saga.stripe.paymentIntents.retrieve(awaiting.payment.paymentIntentId)).status).toBe('canceled');
    expect(await saga.product('TSHIRT-BLUE-M')).toMatchObject({ available: before.available, reserved: before.reserved });
  });

  test('success racing the expiry: paid but the webhook is late, so cancel is refused and the order goes forward', async () => {
    const orderId = await saga.checkout([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]);
    const awaiting = await saga.waitForStatus(orderId, ['AWAITING_PAYMENT']);
    // The webhook is lost for now: the payment succeeds in Stripe, the saga does not hear of it.
    cloud.stripe.emulator!.setConfig({ webhookUrl: 'http://127.0.0.1:9/unreachable' });
    try {
      await saga.stripe.paymentIntents.confirm(awaiting.payment.paymentIntentId, { payment_method: 'pm_card_visa' });
      await saga.waitForExecution(orderId);
    } finally {
      cloud.stripe.emulator!.setConfig({ webhookUrl: `${cloud.apiUrl}/webhooks/stripe` });
    }
    expect(saga.statesEntered(orderId)).toEqual([
      'RouteStart', 'ReserveInventory', 'AwaitPayment', 'CompensateOrder', 'CompensationOutcome',
      'MarkPaid', 'FulfillOrder', 'CommitInventory', 'MarkCompleted',
    ]);
    const order = await saga.order(orderId);
    expect(order.status).toBe('COMPLETED');
    expect(order.payment.status).toBe('succeeded');
    expect(await saga.opsAlertsFor(orderId)).toEqual([]);
  });

  test('a success that arrives for an order already compensated: NEEDS_ATTENTION and one ops alert', async () => {
    const orderId = await saga.checkout([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]);
    const awaiting = await saga.waitForStatus(orderId, ['AWAITING_PAYMENT']);
    await saga.waitForStatus(orderId, ['EXPIRED']);
    // Stripe says the (cancelled) intent succeeded after all, e.g. a payment already in flight.
    const intent = await saga.stripe.paymentIntents.retrieve(awaiting.payment.paymentIntentId);
    const payload = JSON.stringify({
      id: `evt_late_success_${orderId}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      created: Math.floor(Date.now() / 1000),
      data: { object: { ...intent, status: 'succeeded', amount_received: intent.amount } },
    });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: cloud.stripe.webhookSecret });
    const response = await fetch(`${cloud.apiUrl}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload,
    });
    expect(response.status).toBe(200);
    const order = await saga.order(orderId);
    expect(order.status).toBe('NEEDS_ATTENTION');
    expect(await saga.opsAlertsFor(orderId)).toEqual([expect.objectContaining({ step: 'stripeWebhook', paymentIntentId: intent.id })]);
  });
});
