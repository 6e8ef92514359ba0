/**
 * End-to-end with failures injected into the saga's Lambda steps at run time
 * (PUT/DELETE /_local/faults/{function}): a transient failure is retried, a persistent one after
 * payment hands the order to a person (NEEDS_ATTENTION, one ops alert, no refund) who heals the
 * cause and resumes it. Faults are global to the cloud, so these scenarios run one at a time.
 */
import { startE2e, type E2e, type OrderView } from './support/harness';
import { pollUntil } from '../support/poll';
import { once } from '../support/once';

let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e();
});
afterEach(async () => {
  await e2e?.clearFault();
});
afterAll(async () => {
  await e2e?.close();
});

const statuses = (order: OrderView) => order.history.map((entry) => entry.status);

function executionHistory(name: string) {
  const execution = e2e.cloud.stepFunctions
    .listExecutions({ stateMachineArn: e2e.cloud.stateMachineArn, maxResults: 1000 })
    .executions.find((candidate) => candidate.name === name);
  if (!execution) throw new Error(`no execution named ${name}`);
  return e2e.cloud.stepFunctions.getExecutionHistory(execution.executionArn, { maxResults: 1000 }).events as Array<Record<string, any>>;
}

test('a transient failure of reserveInventory is retried and the order still completes', async () => {
  const sku = 'TSHIRT-BLUE-M';
  const before = await e2e.stock(sku);
  await e2e.setFault('reserveInventory', 1);
  expect(await e2e.faults()).toEqual([{ functionName: 'reserveInventory', mode: 1, injected: 0 }]);

  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku, quantity: 1 }]);
  // The fault was consumed: a counted fault leaves the list once spent (local/lambda/faults.ts).
  expect(await e2e.faults()).toEqual([]);
  // ...by exactly one failed attempt of ReserveInventory, which the state machine retried.
  const failures = executionHistory(order.orderId).filter((event) => event.type === 'TaskFailed');
  expect(failures).toHaveLength(1);
  expect(JSON.stringify(failures[0])).toContain('LocalFaultInjected');
  // Reserved once, not twice.
  expect(await e2e.stock(sku)).toMatchObject({ available: before.available - 1, reserved: before.reserved + 1, sold: before.sold });

  expect((await e2e.pay(paymentIntentId, 'pm_card_visa')).intent?.status).toBe('succeeded');
  const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED');
  expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
  expect(completed.failureReason).toBeNull();
  await e2e.waitForStock(sku, { available: before.available - 1, reserved: before.reserved, sold: before.sold + 1 });
  expect(await e2e.opsAlerts(order.orderId)).toEqual([]);
});

// The two long scenarios run once, by whichever test needs them first (see once()).
const fulfilmentScenario = once(async (): Promise<{ flagged: OrderView; resumed: OrderView }> => {
  const sku = 'HOODIE-GREY-M';
  const before = await e2e.stock(sku);
  await e2e.setFault('fulfillOrder', 'always');

  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku, quantity: 1 }]);
  expect((await e2e.pay(paymentIntentId, 'pm_card_visa')).intent?.status).toBe('succeeded');

  // FulfillOrder: 1 attempt + 4 retries with backoff (up to ~15 s with full jitter), then the flag.
  const flagged = await e2e.waitForStatus(order.orderId, 'NEEDS_ATTENTION', { timeoutMs: 45_000 });
  expect(statuses(flagged)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'NEEDS_ATTENTION']);
  // The customer sees a plain message; the step is in the ops alert (checked below).
  expect(flagged.failureReason).toMatch(/payment was received/i);
  expect(flagged.payment).toMatchObject({ paymentIntentId, status: 'succeeded', clientSecret: null });
  expect(await e2e.faults()).toEqual([{ functionName: 'fulfillOrder', mode: 'always', injected: 5 }]);

  const alerts = await e2e.opsAlerts(order.orderId);
  expect(alerts).toHaveLength(1);
  expect(alerts[0]).toMatchObject({
    type: 'ORDER_NEEDS_ATTENTION',
    orderId: order.orderId,
    step: 'FulfillOrder',
    error: 'LocalFaultInjected',
    paymentIntentId,
    executionId: expect.stringContaining(order.orderId),
    runbook: expect.stringContaining('docs/operations.md'),
  });

  // Paid and kept: never refunded or cancelled automatically.
  const intent = await e2e.stripe.paymentIntents.retrieve(paymentIntentId);
  expect(intent).toMatchObject({ status: 'succeeded', amount_received: flagged.amounts.total, canceled_at: null });
  // The stock stays reserved for it: the commit never ran.
  expect(await e2e.stock(sku)).toMatchObject({ available: before.available - 1, reserved: before.reserved + 1, sold: before.sold });
  // The customer cannot cancel a paid order.
  const cancel = await e2e.cancel(order.orderId);
  expect(cancel.status).toBe(409);
  expect(cancel.body.error.code).toBe('ORDER_ALREADY_PAID');

  // Resume needs the admin key.
  expect((await e2e.resume(order.orderId, null)).status).toBe(401);
  expect((await e2e.resume(order.orderId, 'not-the-admin-key')).status).toBe(401);
  expect((await e2e.order(order.orderId)).status).toBe('NEEDS_ATTENTION');

  // The operator fixes the cause, then resumes.
  await e2e.clearFault('fulfillOrder');
  const resumed = await e2e.resume(order.orderId);
  expect(resumed.status).toBe(202);
  expect(resumed.body).toEqual({ orderId: order.orderId, executionName: `${order.orderId}-resume-1` });

  const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED', { timeoutMs: 20_000, passThrough: ['NEEDS_ATTENTION'] });
  expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'NEEDS_ATTENTION', 'PAID', 'COMPLETED']);
  expect(completed.payment).toMatchObject({ paymentIntentId, status: 'succeeded' });
  await e2e.waitForStock(sku, { available: before.available - 1, reserved: before.reserved, sold: before.sold + 1 });
  expect(await e2e.opsAlerts(order.orderId)).toHaveLength(1);
  expect((await e2e.stripe.paymentIntents.retrieve(paymentIntentId)).status).toBe('succeeded');

  // Only a flagged order can be resumed.
  const again = await e2e.resume(order.orderId);
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('ORDER_NOT_RESUMABLE');
  expect((await e2e.resume('ord_AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
  return { flagged, resumed: completed };
});

test('fulfilment keeps failing after payment: NEEDS_ATTENTION, one alert, no refund; heal + resume -> COMPLETED', async () => {
  await fulfilmentScenario();
}, 90_000);

// Regression (fixed): the public order view showed the failed step's raw error Cause (stack trace,
// source paths) as failureReason.
test('the customer-facing view of a NEEDS_ATTENTION order does not expose internal error details', async () => {
  const { flagged } = await fulfilmentScenario();
  expect(flagged.failureReason).toEqual(expect.any(String));
  expect(flagged.failureReason).not.toMatch(/\.[jt]s:\d+|\n?\s+at \S+ \(|"trace"|stackTrace|errorType/);
}, 90_000);

// Regression (fixed): a resumed order, once COMPLETED, still showed the failureReason of the episode
// it recovered from.
test('a resumed order, once COMPLETED, no longer shows a failure reason', async () => {
  const { resumed } = await fulfilmentScenario();
  expect(resumed.status).toBe('COMPLETED');
  expect(resumed.failureReason).toBeNull();
}, 90_000);

// Regression: notifySlack used to fail on every alert in the local cloud (it called the real SSM
// endpoint for the Slack URL; fixed by 6f353b2). Without a Slack URL the alert is only logged.
test('the ops alert is handed to notifySlack, which logs it (no Slack URL locally) instead of failing', async () => {
  await fulfilmentScenario();
  const invocations = await pollUntil('an invocation of notifySlack', () => e2e.logsMatching(/\[lambda\] notifySlack /), { accept: (lines) => lines.length > 0 });
  expect(invocations.filter((line) => line.includes(' failed: '))).toEqual([]);
}, 90_000);

const mismatchScenario = once(async (): Promise<OrderView> => {
  const sku = 'MUG-LOGO';
  const before = await e2e.stock(sku);
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku, quantity: 1 }]);
  // Someone changes the amount in the Stripe dashboard before the customer pays.
  expect((await e2e.stripe.paymentIntents.update(paymentIntentId, { amount: 100 })).amount).toBe(100);
  expect((await e2e.pay(paymentIntentId, 'pm_card_visa')).intent).toMatchObject({ status: 'succeeded', amount_received: 100 });

  const flagged = await e2e.waitForStatus(order.orderId, 'NEEDS_ATTENTION');
  expect(statuses(flagged)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'NEEDS_ATTENTION']);
  expect(flagged.failureReason).toMatch(/payment was received/i);
  const alerts = await e2e.opsAlerts(order.orderId);
  expect(alerts).toHaveLength(1);
  expect(alerts[0]).toMatchObject({ type: 'ORDER_NEEDS_ATTENTION', orderId: order.orderId, step: 'CompensateOrder', error: 'PaymentAmountMismatch', paymentIntentId });
  // Never refunded automatically; the stock stays held for the person who decides.
  expect((await e2e.stripe.paymentIntents.retrieve(paymentIntentId)).status).toBe('succeeded');
  expect(await e2e.stock(sku)).toMatchObject({ available: before.available - 1, reserved: before.reserved + 1, sold: before.sold });
  // Only post-payment step failures can be resumed.
  const resume = await e2e.resume(order.orderId);
  expect(resume.status).toBe(409);
  expect(resume.body.error.code).toBe('ORDER_NOT_RESUMABLE');
  expect((await e2e.order(order.orderId)).status).toBe('NEEDS_ATTENTION');
  return flagged;
});

test('a payment whose amount differs from the order total: NEEDS_ATTENTION, one alert, stock kept, not resumable', async () => {
  await mismatchScenario();
});

// Regression (fixed): a succeeded payment flagged NEEDS_ATTENTION kept its pre-payment
// payment.status although Stripe reported 'succeeded'.
test('a paid order flagged for a mismatched amount shows payment.status succeeded', async () => {
  expect((await mismatchScenario()).payment.status).toBe('succeeded');
});
