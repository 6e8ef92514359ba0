/**
 * End-to-end with the services themselves failing (PUT /_local/faults/services/{service}): each
 * fault reaches its caller as the real service's error, through the real SDKs and protocols, and
 * the saga handles it as designed. Faults are global to the cloud, so these scenarios run one at
 * a time, each healed after it.
 */
import { startE2e, type E2e, type OrderView } from './support/harness';
import { pollUntil } from '../support/poll';

let e2e: E2e;

beforeAll(async () => {
  // Short visibility timeout: a message returned before its delete comes back within seconds.
  e2e = await startE2e({ queueVisibilityTimeoutSeconds: 2 });
});
afterEach(async () => {
  await e2e?.clearServiceFaults();
});
afterAll(async () => {
  await e2e?.close();
});

const statuses = (order: OrderView) => order.history.map((entry) => entry.status);
const failedTasks = (orderId: string) => e2e.executionEvents(orderId).filter((event) => event.type === 'TaskFailed');

async function paidAndCompleted(items: Array<{ sku: string; quantity: number }>) {
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment(items);
  expect((await e2e.pay(paymentIntentId, 'pm_card_visa')).intent?.status).toBe('succeeded');
  const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED', { timeoutMs: 30_000 });
  expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
  return { order: completed, paymentIntentId };
}

describe('the control routes', () => {
  test('bad input is a 400 with a code and a message', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['dynamo', { error: 'ThrottlingException' }, 'UNKNOWN_SERVICE'],
      ['dynamodb', { error: 'Throttled' }, 'UNKNOWN_ERROR'],
      ['dynamodb', { error: 'ThrottlingException', operations: ['Publish'] }, 'UNKNOWN_OPERATION'],
      ['dynamodb', { error: 'ThrottlingException', resources: ['no-such-table'] }, 'UNKNOWN_RESOURCE'],
      ['dynamodb', { error: 'ThrottlingException', callers: ['noSuchFunction'] }, 'UNKNOWN_CALLER'],
      ['stripe', { error: 'rate_limit', rate: 2 }, 'INVALID_FAULT'],
    ];
    for (const [service, spec, code] of cases) {
      const reply = await e2e.putServiceFault(service, spec);
      expect({ service, status: reply.status, code: reply.body.error?.code, message: typeof reply.body.error?.message }).toEqual({ service, status: 400, code, message: 'string' });
    }
    const notJson = await e2e.request('PUT', '/_local/faults/services/sqs', { body: '{oops', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('INVALID_JSON');
    expect((await e2e.request('DELETE', '/_local/faults/services/dynamo')).status).toBe(400);
    expect(await e2e.serviceFaults()).toEqual([]);
  });

  test('GET /_local/faults lists function and service faults with what they injected', async () => {
    await e2e.setFault('fulfillOrder', 1);
    await e2e.setServiceFault('sns', { error: 'Throttled', rate: 0.5, latencyMs: [10, 20], forSeconds: 60 });
    const reply = await e2e.request('GET', '/_local/faults');
    expect(reply.body).toMatchObject({
      faults: [{ functionName: 'fulfillOrder', mode: 1, injected: 0 }],
      services: [{ service: 'sns', error: 'Throttled', when: 'before', rate: 0.5, latencyMs: [10, 20], forSeconds: 60, matched: 0, injected: 0, state: 'active', expiresAt: expect.any(String) }],
      limits: { mode: 'off', stats: [] },
    });
    await e2e.clearFault();
  });
});

describe('DynamoDB', () => {
  test('a throttled reservation is retried by the SDK: the order reserves once, the state machine sees no failure', async () => {
    const sku = 'TSHIRT-BLUE-M';
    const before = await e2e.stock(sku);
    await e2e.setServiceFault('dynamodb', { error: 'ProvisionedThroughputExceededException', times: 2, operations: ['TransactWriteItems'], resources: ['inventory'] });
    const { order } = await e2e.checkoutAwaitingPayment([{ sku, quantity: 1 }]);
    expect(await e2e.serviceFaults()).toEqual([expect.objectContaining({ injected: 2, state: 'spent' })]);
    expect(failedTasks(order.orderId)).toEqual([]);
    expect(await e2e.stock(sku)).toMatchObject({ available: before.available - 1, reserved: before.reserved + 1 });
  });

  test('TransactionConflict on the reservation: retried, not taken for out of stock', async () => {
    const sku = 'MUG-LOGO';
    const before = await e2e.stock(sku);
    await e2e.setServiceFault('dynamodb', { error: 'TransactionCanceledException', times: 3, resources: ['inventory'] });
    const { order } = await e2e.checkoutAwaitingPayment([{ sku, quantity: 1 }]);
    expect(order.status).toBe('AWAITING_PAYMENT');
    expect((await e2e.serviceFaults())[0]).toMatchObject({ injected: 3 });
    expect(failedTasks(order.orderId)).toEqual([]);
    expect(await e2e.stock(sku)).toMatchObject({ available: before.available - 1, reserved: before.reserved + 1 });
  });

  test("MarkPaid's UpdateItem keeps failing: the ASL retries it, then NEEDS_ATTENTION with one alert; healed and resumed, it completes", async () => {
    const sku = 'HOODIE-GREY-M';
    const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku, quantity: 1 }]);
    await e2e.setServiceFault('dynamodb', { error: 'InternalServerError', operations: ['UpdateItem'], resources: ['orders'], callers: ['stateMachine'] });
    expect((await e2e.pay(paymentIntentId, 'pm_card_visa')).intent?.status).toBe('succeeded');
    const flagged = await e2e.waitForStatus(order.orderId, 'NEEDS_ATTENTION', { timeoutMs: 45_000 });
    expect(statuses(flagged)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'NEEDS_ATTENTION']);
    const markPaidFailures = failedTasks(order.orderId).filter((event) => JSON.stringify(event).includes('DynamoDB.InternalServerErrorException'));
    expect(markPaidFailures).toHaveLength(5); // 1 attempt + MaxAttempts 4
    const alerts = await e2e.opsAlerts(order.orderId);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ type: 'ORDER_NEEDS_ATTENTION', step: 'MarkPaid', error: 'DynamoDB.InternalServerErrorException', paymentIntentId });
    expect((await e2e.stripe.paymentIntents.retrieve(paymentIntentId)).status).toBe('succeeded');

    await e2e.clearServiceFaults('dynamodb');
    expect((await e2e.resume(order.orderId)).status).toBe(202);
    const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED', { timeoutMs: 20_000, passThrough: ['NEEDS_ATTENTION'] });
    expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'NEEDS_ATTENTION', 'PAID', 'COMPLETED']);
    expect(await e2e.opsAlerts(order.orderId)).toHaveLength(1);
  }, 90_000);
});

describe('Stripe', () => {
  test('429 rate_limit on PaymentIntent creation is retried with backoff by the payments adapter: one PaymentIntent, no failed step', async () => {
    await e2e.setServiceFault('stripe', { error: 'rate_limit', times: 2, operations: ['paymentIntents.create'] });
    const { order } = await e2e.checkoutAwaitingPayment([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]);
    expect((await e2e.serviceFaults())[0]).toMatchObject({ injected: 2 });
    expect(failedTasks(order.orderId)).toEqual([]);
    expect(await e2e.paymentIntentsOf(order.orderId)).toHaveLength(1);
  });

  test('429 lock_timeout (Stripe-Should-Retry: true) and 500 api_error are retried by the Stripe SDK', async () => {
    await e2e.setServiceFault('stripe', [
      { error: 'lock_timeout', times: 1, operations: ['paymentIntents.create'] },
      { error: 'api_error', times: 1, operations: ['paymentIntents.create'] },
    ]);
    const { order } = await e2e.checkoutAwaitingPayment([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]);
    expect((await e2e.serviceFaults()).map((fault) => fault.injected)).toEqual([1, 1]);
    expect(failedTasks(order.orderId)).toEqual([]);
    expect(await e2e.paymentIntentsOf(order.orderId)).toHaveLength(1);
  });

  test('a response dropped after the PaymentIntent was created: the retry with the same idempotency key gets the first one', async () => {
    await e2e.setServiceFault('stripe', { error: 'connection_dropped', when: 'after', times: 1, operations: ['paymentIntents.create'] });
    const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'MUG-LOGO', quantity: 1 }]);
    expect((await e2e.serviceFaults())[0]).toMatchObject({ injected: 1 });
    const intents = await e2e.paymentIntentsOf(order.orderId);
    expect(intents.map((intent) => intent.id)).toEqual([paymentIntentId]);
    expect(e2e.logsMatching(/POST \/v1\/payment_intents 200 .*\(idempotent replay\)/)).toHaveLength(1);
  });
});

describe('Step Functions', () => {
  test('StartExecution throttled: the SDK retries it and the checkout is accepted', async () => {
    await e2e.setServiceFault('stepfunctions', { error: 'ThrottlingException', times: 2, operations: ['StartExecution'] });
    const { order } = await e2e.checkoutAwaitingPayment([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]);
    expect(order.status).toBe('AWAITING_PAYMENT');
    expect((await e2e.serviceFaults())[0]).toMatchObject({ injected: 2 });
  });

  test('SendTaskSuccess throttled beyond the SDK retries: the webhook answers 5xx, the emulator redelivers, the order completes once', async () => {
    const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]);
    await e2e.setServiceFault('stepfunctions', { error: 'ThrottlingException', times: 3, operations: ['SendTaskSuccess'] });
    expect((await e2e.pay(paymentIntentId, 'pm_card_visa')).intent?.status).toBe('succeeded');
    const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED', { timeoutMs: 30_000 });
    expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
    const succeeded = e2e.cloud.stripe.emulator!.events().find((event) => event.type === 'payment_intent.succeeded' && (event.data.object as any).id === paymentIntentId)!;
    const attempts = (await e2e.deliveries(`?event_id=${succeeded.id}`)).map((delivery) => delivery.statusCode);
    expect(attempts[0]).toBeGreaterThanOrEqual(500);
    expect(attempts).toContain(200);
  });

  test("SendTaskSuccess's answer lost after it resumed the saga: the SDK's retry finds the wait closed, the order completes once", async () => {
    const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'MUG-LOGO', quantity: 1 }]);
    await e2e.setServiceFault('stepfunctions', { error: 'ConnectionReset', when: 'after', times: 1, operations: ['SendTaskSuccess'] });
    expect((await e2e.pay(paymentIntentId, 'pm_card_visa')).intent?.status).toBe('succeeded');
    const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED', { timeoutMs: 30_000 });
    expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
    expect((await e2e.serviceFaults())[0]).toMatchObject({ injected: 1 });
    expect(await e2e.opsAlerts(order.orderId)).toEqual([]);
  });
});

describe('Lambda', () => {
  test('the Lambda service throttles the state machine (Lambda.TooManyRequestsException): the step is retried', async () => {
    await e2e.setServiceFault('lambda', { error: 'TooManyRequestsException', times: 1, resources: ['reserveInventory'] });
    const { order } = await e2e.checkoutAwaitingPayment([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]);
    const failures = failedTasks(order.orderId);
    expect(failures).toHaveLength(1);
    expect(failures[0].taskFailedEventDetails ?? failures[0]).toMatchObject({ error: 'Lambda.TooManyRequestsException' });
  });

  test('every saga step failing after its work (timeout, crash) is retried and has one effect', async () => {
    const sku = 'HOODIE-GREY-M';
    const before = await e2e.stock(sku);
    await e2e.setServiceFault('lambda', [
      { error: 'Sandbox.Timedout', times: 1, resources: ['reserveInventory'] },
      { error: 'Runtime.ExitError', times: 1, resources: ['requestPayment'] },
      { error: 'Sandbox.Timedout', times: 1, resources: ['fulfillOrder'] },
    ]);
    const { order } = await paidAndCompleted([{ sku, quantity: 2 }]);
    expect((await e2e.serviceFaults()).map((fault) => fault.injected)).toEqual([1, 1, 1]);
    const errors = failedTasks(order.orderId).map((event) => (event.taskFailedEventDetails ?? event).error);
    expect(errors.sort()).toEqual(['Runtime.ExitError', 'Sandbox.Timedout', 'Sandbox.Timedout']);
    // One reservation, one PaymentIntent, one commit.
    expect(await e2e.paymentIntentsOf(order.orderId)).toHaveLength(1);
    await e2e.waitForStock(sku, { available: before.available - 2, reserved: before.reserved, sold: before.sold + 2 });
  }, 60_000);
});

describe('SQS', () => {
  test('an inventory commit delivered twice is applied once', async () => {
    const sku = 'TSHIRT-BLUE-M';
    const before = await e2e.stock(sku);
    await e2e.setServiceFault('sqs', { error: 'DuplicateDelivery', resources: ['inventory-updates'] });
    await paidAndCompleted([{ sku, quantity: 1 }]);
    await e2e.waitForStock(sku, { available: before.available - 1, reserved: before.reserved, sold: before.sold + 1 });
    expect((await e2e.serviceFaults())[0].injected).toBeGreaterThanOrEqual(1);
  });

  test('an inventory commit returned after it was applied, before its delete, is applied once', async () => {
    const sku = 'MUG-LOGO';
    const before = await e2e.stock(sku);
    await e2e.setServiceFault('sqs', { error: 'ReturnedBeforeDelete', times: 1, resources: ['inventory-updates'] });
    await paidAndCompleted([{ sku, quantity: 1 }]);
    await e2e.waitForStock(sku, { available: before.available - 1, reserved: before.reserved, sold: before.sold + 1 });
    await e2e.waitForQueueDrained(await e2e.queueUrl('inventory-updates'));
    expect((await e2e.serviceFaults())[0]).toMatchObject({ injected: 1 });
    // It came back once and was received a second time before being deleted.
    const workerRuns = await pollUntil('two inventoryWorker invocations', () => e2e.logsMatching(/\[lambda\] inventoryWorker /), { accept: (lines) => lines.length >= 2 });
    expect(workerRuns.length).toBeGreaterThanOrEqual(2);
  });
});
