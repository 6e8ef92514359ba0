/**
 * Lost webhooks caught up by the reconciler (reconcilePayments on its schedule, here every 2 s):
 * every webhook delivery fails (the emulator's outage knob, as if the endpoint were down) while the
 * customer pays; the order completes through the reconciler, before any webhook got through; when
 * the endpoint is back, Stripe's retries deliver the same events and nothing happens twice.
 */
import { startE2e, type E2e } from './support/harness';
import { pollUntil } from '../support/poll';

const PERIOD_SECONDS = 2;
const HAPPY_PATH = ['RouteStart', 'ReserveInventory', 'AwaitPayment', 'MarkPaid', 'FulfillOrder', 'CommitInventory', 'MarkCompleted'];

let e2e: E2e;

beforeAll(async () => {
  // Retries from 100 ms, doubling: after the outage the next one comes within seconds.
  e2e = await startE2e({ scheduleRateSeconds: PERIOD_SECONDS, stripeDelivery: { retryBaseDelayMs: 100, maxAttempts: 12 } });
});
afterAll(() => e2e?.close());

async function outage(method: 'POST' | 'GET' | 'DELETE', forSeconds?: number) {
  const reply = await e2e.request(method, '/_emulator/webhooks/outage', { json: forSeconds === undefined ? undefined : { forSeconds }, base: e2e.stripeApiBase });
  if (reply.status !== 200) throw new Error(`${method} /_emulator/webhooks/outage answered ${reply.status}: ${reply.text}`);
  return reply.body as { active: boolean; droppedAttempts: number };
}

test('webhooks down: a paid order completes through the reconciler within its period; the late webhooks change nothing', async () => {
  const sku = 'MUG-LOGO';
  const before = await e2e.stock(sku);
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku, quantity: 1 }]);
  const fulfilmentUrl = await e2e.queueUrl('fulfilment-requests');

  expect((await outage('POST', 120)).active).toBe(true);
  const paid = await e2e.pay(paymentIntentId, 'pm_card_visa');
  expect(paid.intent?.status).toBe('succeeded');

  // Within a few periods (the deadline), with the endpoint still down.
  const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED', { timeoutMs: (3 * PERIOD_SECONDS + 10) * 1000 });
  const succeeded = e2e.cloud.stripe.emulator!.events().find((event) => event.type === 'payment_intent.succeeded' && (event.data.object as { id: string }).id === paymentIntentId)!;
  expect(succeeded).toBeDefined();
  const deliveriesSoFar = await e2e.deliveries(`?event_id=${succeeded.id}`);
  expect(deliveriesSoFar.length).toBeGreaterThan(0);
  expect(deliveriesSoFar.every((delivery) => delivery.statusCode === null)).toBe(true); // no webhook got through: the reconciler did it
  expect((await outage('GET')).active).toBe(true);
  expect(e2e.logsMatching(/\[lambda\] reconcilePayments \d+ms$/).length).toBeGreaterThan(0);

  // The endpoint is back: Stripe's scheduled retries deliver the same events, acknowledged with 200.
  await outage('DELETE');
  const acknowledged = await pollUntil(
    `the webhook of ${succeeded.id} acknowledged after the outage`,
    async () => (await e2e.deliveries(`?event_id=${succeeded.id}`)).find((delivery) => delivery.statusCode !== null),
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  expect(acknowledged.statusCode).toBe(200);
  // And the reconciler runs again over the same events.
  const runsAfterAck = e2e.cloud.scheduler.runs().length;
  await pollUntil('another reconciler run', () => e2e.cloud.scheduler.runs().length > runsAfterAck, { timeoutMs: (PERIOD_SECONDS + 10) * 1000 });
  await e2e.waitForQueueDrained(await e2e.queueUrl('inventory-updates'));

  // Exactly once: one execution through one MarkPaid, one set of status changes, one commit, one hand-off.
  const after = await e2e.order(order.orderId);
  expect(after.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
  expect(completed.payment).toMatchObject({ paymentIntentId, status: 'succeeded' });
  expect(e2e.statesEntered(order.orderId)).toEqual(HAPPY_PATH);
  const executions = e2e.cloud.stepFunctions.listExecutions({ stateMachineArn: e2e.cloud.stateMachineArn }).executions.filter((execution) => execution.name.startsWith(order.orderId));
  expect(executions).toHaveLength(1);
  expect(await e2e.stock(sku)).toMatchObject({ available: before.available - 1, reserved: before.reserved, sold: before.sold + 1 });
  const handoffs = (await e2e.receiveAll(fulfilmentUrl)).filter((message) => JSON.parse(message.Body ?? '{}').orderId === order.orderId);
  expect(handoffs).toHaveLength(1);
  expect(await e2e.opsAlerts(order.orderId)).toEqual([]);
  expect(e2e.cloud.iam.denials()).toEqual([]);
  expect(e2e.cloud.scheduler.runs().filter((run) => run.error)).toEqual([]);
});

test('webhooks up: the reconciler sees the events the webhook handled and does nothing with them', async () => {
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]);
  await e2e.pay(paymentIntentId, 'pm_card_visa');
  await e2e.waitForStatus(order.orderId, 'COMPLETED');
  const runs = e2e.cloud.scheduler.runs().length;
  await pollUntil('two more reconciler runs', () => e2e.cloud.scheduler.runs().length >= runs + 2, { timeoutMs: (2 * PERIOD_SECONDS + 10) * 1000 });
  expect(e2e.statesEntered(order.orderId)).toEqual(HAPPY_PATH);
  expect((await e2e.order(order.orderId)).history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
  expect(e2e.cloud.scheduler.runs().filter((run) => run.error)).toEqual([]);
});
