/**
 * Every path of stepfunctions/checkout.asl.yml, executed by the local Step Functions engine
 * (aws-local-stepfunctions + task tokens + timeouts) over the real handlers, DynamoDB Local,
 * fauxqs and the Stripe emulator. Asserts the states each execution went through.
 */
import Stripe from 'stripe';
import { startLocalCloud, type LocalCloud } from '../../local/cloud';
import { pollUntil, SagaDriver } from './support';

const HAPPY_PATH = ['RouteStart', 'ReserveInventory', 'AwaitPayment', 'MarkPaid', 'FulfillOrder', 'CommitInventory', 'MarkCompleted'];

describe('checkout saga (payment window 60 s)', () => {
  let cloud: LocalCloud;
  let saga: SagaDriver;

  beforeAll(async () => {
    cloud = await startLocalCloud({ port: 0, stripeEmulatorPort: 0, paymentWindowSeconds: 60, logLevel: 'ERROR' });
    saga = new SagaDriver(cloud);
  }, 60_000);
  afterAll(() => cloud?.close());
  afterEach(async () => {
    await fetch(`${cloud.apiUrl}/_local/faults`, { method: 'DELETE' });
  });

  test('happy path: 7 transitions, 3 Lambda tasks, stock reserved then sold', async () => {
    const before = await saga.product('TSHIRT-BLUE-L');
    const orderId = await saga.checkout([{ sku: 'TSHIRT-BLUE-L', quantity: 2 }]);
    const awaiting = await saga.waitForStatus(orderId, ['AWAITING_PAYMENT']);
    expect(await saga.product('TSHIRT-BLUE-L')).toMatchObject({ available: before.available - 2, reserved: before.reserved + 2 });

    await saga.stripe.paymentIntents.confirm(awaiting.payment.paymentIntentId, { payment_method: 'pm_card_visa' });
    const execution = await saga.waitForExecution(orderId);
    expect(execution.status).toBe('SUCCEEDED');
    expect(saga.statesEntered(orderId)).toEqual(HAPPY_PATH);

    const lambdaTasks = saga
      .history(orderId)
      .filter((e) => e.type === 'TaskScheduled' && (e.taskScheduledEventDetails as any).resourceType === 'lambda');
    expect(lambdaTasks.length).toBe(3);

    const order = await saga.order(orderId);
    expect(order.status).toBe('COMPLETED');
    expect(order.history.map((h: any) => h.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
    // Recorded by MarkPaid's write (the webhook no longer writes the order before resuming).
    expect(order.payment.status).toBe('succeeded');
    // The commit goes through the queue to the inventory worker.
    await pollUntil('stock committed', async () => {
      const stock = await saga.product('TSHIRT-BLUE-L');
      return stock.sold === before.sold + 2 && stock.reserved === before.reserved && stock.available === before.available - 2;
    });
  });

  test('out of stock: REJECTED naming the SKU, nothing reserved, no PaymentIntent', async () => {
    const orderId = await saga.checkout([{ sku: 'LIMITED-POSTER', quantity: 4 }]);
    await saga.waitForExecution(orderId);
    expect(saga.statesEntered(orderId)).toEqual(['RouteStart', 'ReserveInventory', 'OrderRejected']);
    const order = await saga.order(orderId);
    expect(order.status).toBe('REJECTED');
    expect(order.failureReason).toContain('LIMITED-POSTER');
    expect(order.payment.paymentIntentId).toBeNull();
    expect(await saga.product('LIMITED-POSTER')).toMatchObject({ available: 3, reserved: 0 });
  });

  test('one line of a multi-line cart short: nothing reserved on any line', async () => {
    const before = await saga.product('MUG-LOGO');
    const orderId = await saga.checkout([
      { sku: 'MUG-LOGO', quantity: 5 },
      { sku: 'LIMITED-POSTER', quantity: 10 },
    ]);
    await saga.waitForExecution(orderId);
    expect((await saga.order(orderId)).status).toBe('REJECTED');
    expect(await saga.product('MUG-LOGO')).toEqual(before);
  });

  test('decline then another card: the decline is recorded, the order completes', async () => {
    const orderId = await saga.checkout([{ sku: 'STICKER-PACK', quantity: 1 }]);
    const awaiting = await saga.waitForStatus(orderId, ['AWAITING_PAYMENT']);
    await expect(
      saga.stripe.paymentIntents.confirm(awaiting.payment.paymentIntentId, { payment_method: 'pm_card_chargeDeclined' }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeCardError);
    const declined = await pollUntil('decline recorded', async () => {
      const order = await saga.order(orderId);
      return order.payment.lastError ? order : undefined;
    });
    expect(declined.status).toBe('AWAITING_PAYMENT');
    expect(declined.payment.lastError).toMatchObject({ code: 'card_declined', declineCode: 'generic_decline' });

    await saga.stripe.paymentIntents.confirm(awaiting.payment.paymentIntentId, { payment_method: 'pm_card_visa' });
    await saga.waitForExecution(orderId);
    expect(saga.statesEntered(orderId)).toEqual(HAPPY_PATH);
  });

  test('customer cancel: the PaymentIntent is cancelled first, stock released, CANCELED', async () => {
    const before = await saga.product('HOODIE-GREY-M');
    const orderId = await saga.checkout([{ sku: 'HOODIE-GREY-M', quantity: 1 }]);
    const awaiting = await saga.waitForStatus(orderId, ['AWAITING_PAYMENT']);
    const cancel = await saga.http(`/orders/${orderId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    await saga.waitForExecution(orderId);
    expect(saga.statesEntered(orderId)).toEqual([
      'RouteStart', 'ReserveInventory', 'AwaitPayment', 'CompensateOrder', 'CompensationOutcome', 'OrderClosed',
    ]);
    expect(saga.taskFailures(orderId)).toEqual(['OrderCanceled']);
    const order = await saga.order(orderId);
    expect(order.status).toBe('CANCELED');
    expect((await saga.stripe.paymentIntents.retrieve(awaiting.payment.paymentIntentId)).status).toBe('canceled');
    expect(await saga.product('HOODIE-GREY-M')).toMatchObject({ available: before.available, reserved: before.reserved });
  });

  test('transient failure: reserveInventory fails once, is retried, the order completes', async () => {
    await saga.http('/_local/faults/reserveInventory', { method: 'PUT', json: { mode: 1 } });
    const orderId = await saga.checkout([{ sku: 'STICKER-PACK', quantity: 2 }]);
    const awaiting = await saga.waitForStatus(orderId, ['AWAITING_PAYMENT']);
    await saga.stripe.paymentIntents.confirm(awaiting.payment.paymentIntentId, { payment_method: 'pm_card_visa' });
    await saga.waitForExecution(orderId);
    expect(saga.taskFailures(orderId)).toEqual(['LocalFaultInjected']);
    expect(saga.statesEntered(orderId)).toEqual(HAPPY_PATH);
    expect((await saga.order(orderId)).status).toBe('COMPLETED');
  });

  test('post-payment failure: NEEDS_ATTENTION, one ops alert naming the step, payment kept; resume completes', async () => {
    await saga.http('/_local/faults/fulfillOrder', { method: 'PUT', json: { mode: 'always' } });
    const orderId = await saga.checkout([{ sku: 'MUG-LOGO', quantity: 1 }]);
    const awaiting = await saga.waitForStatus(orderId, ['AWAITING_PAYMENT']);
    await saga.stripe.paymentIntents.confirm(awaiting.payment.paymentIntentId, { payment_method: 'pm_card_visa' });
    await saga.waitForExecution(orderId, 60_000);

    expect(saga.statesEntered(orderId)).toEqual([
      'RouteStart', 'ReserveInventory', 'AwaitPayment', 'MarkPaid', 'FulfillOrder', 'FulfillOrderFailed', 'FlagNeedsAttention', 'NeedsAttention',
    ]);
    expect(saga.taskFailures(orderId).length).toBe(5); // first attempt + 4 retries
    expect((await saga.order(orderId)).status).toBe('NEEDS_ATTENTION');
    const alerts = await pollUntil('one ops alert', async () => {
      const found = await saga.opsAlertsFor(orderId);
      return found.length > 0 ? found : undefined;
    });
    expect(alerts).toEqual([expect.objectContaining({ type: 'ORDER_NEEDS_ATTENTION', step: 'FulfillOrder', paymentIntentId: awaiting.payment.paymentIntentId })]);
    expect((await saga.stripe.paymentIntents.retrieve(awaiting.payment.paymentIntentId)).status).toBe('succeeded');

    await fetch(`${cloud.apiUrl}/_local/faults/fulfillOrder`, { method: 'DELETE' });
    const resume = await saga.http(`/admin/orders/${orderId}/resume`, { method: 'POST', headers: { 'x-api-key': cloud.adminApiKey } });
    expect(resume.status).toBe(202);
    await saga.waitForExecution(resume.body.executionName);
    expect(saga.statesEntered(resume.body.executionName)).toEqual(['RouteStart', 'MarkPaid', 'FulfillOrder', 'CommitInventory', 'MarkCompleted']);
    expect((await saga.order(orderId)).status).toBe('COMPLETED');
    expect(await saga.opsAlertsFor(orderId)).toHaveLength(1);
  }, 90_000);
});
