/**
 * The console's data layer against the local cloud, only through the AWS and Stripe APIs (endpoints
 * and keys, as for a deployed stage): the list by index, newest first and paginated, search, the
 * executions and histories of an order, DLQ peeks that consume nothing; and the business metrics
 * from the EMF lines the handlers print, captured from stdout as `npm start` does.
 */
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { captureEmfLines } from '../../console/server/local-console';
import { executionsOf, historyOf } from '../../console/server/data/executions';
import { metricsOfLastHour } from '../../console/server/data/metrics';
import { countByStatus, findOrder, listOrders } from '../../console/server/data/orders';
import { peekDlqs } from '../../console/server/data/queues';
import { createTarget, closeTarget, type ConsoleTarget } from '../../console/server/target';
import { E2e } from '../e2e/support/harness';

let e2e: E2e;
let target: ConsoleTarget;
const emf = captureEmfLines(process.stdout);

beforeAll(async () => {
  e2e = await E2e.start();
  const { cloud } = e2e;
  target = createTarget({
    stage: 'local',
    region: cloud.stateMachineArn.split(':')[3],
    endpoints: cloud.endpoints,
    // Found by name with ListStateMachines, as for a deployed stage.
    stripe: { secretKey: cloud.stripe.secretKey, apiBase: cloud.stripe.apiBase },
    allowActions: false,
    aslPath: join(__dirname, '..', '..', 'stepfunctions', 'checkout.asl.yml'),
  });
});

afterAll(async () => {
  emf.stop();
  if (target) closeTarget(target);
  await e2e?.close();
});

test('lists newest first through the status index, filters by status and SKU, pages without repeats, searches, and serves histories without their task tokens', async () => {
  const ids: string[] = [];
  for (const sku of ['MUG-LOGO', 'STICKER-PACK', 'MUG-LOGO', 'TSHIRT-BLUE-M', 'MUG-LOGO']) ids.push((await e2e.checkout([{ sku, quantity: 1 }])).orderId);
  const paid = await e2e.waitForStatus(ids[4], 'AWAITING_PAYMENT');
  await e2e.stripe.paymentIntents.confirm(paid.payment.paymentIntentId!, { payment_method: 'pm_card_visa' });
  await e2e.waitForStatus(ids[4], 'COMPLETED');
  for (const id of ids.slice(0, 4)) await e2e.waitForStatus(id, 'AWAITING_PAYMENT');

  const all = await listOrders(target, { limit: 10 });
  expect(all.orders.map((o) => o.orderId)).toEqual([...ids].reverse());

  const pages: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listOrders(target, { limit: 2, cursor });
    pages.push(...page.orders.map((o) => o.orderId));
    cursor = page.cursor;
  } while (cursor);
  expect(pages).toEqual([...ids].reverse());

  expect((await listOrders(target, { status: 'COMPLETED' })).orders.map((o) => o.orderId)).toEqual([ids[4]]);
  expect((await listOrders(target, { sku: 'MUG-LOGO' })).orders.map((o) => o.orderId)).toEqual([ids[4], ids[2], ids[0]]);
  expect(await countByStatus(target, 'AWAITING_PAYMENT')).toBe(4);

  expect(await findOrder(target, ids[1])).toEqual({ orderId: ids[1], via: 'order id' });
  expect(await findOrder(target, paid.payment.paymentIntentId!)).toEqual({ orderId: ids[4], via: 'PaymentIntent' });
  const { data: [event] } = await e2e.stripe.events.list({ limit: 1 });
  expect(await findOrder(target, event.id)).toEqual({ orderId: ids[4], via: 'event' });
  expect(await findOrder(target, `${ids[3]}-resume-1`)).toEqual({ orderId: ids[3], via: 'execution name' });

  const executions = await executionsOf(target, { orderId: ids[4] });
  expect(executions.map((e) => [e.name, e.status])).toEqual([[ids[4], 'SUCCEEDED']]);
  const history = await historyOf(target, executions[0].executionArn);
  expect(history.filter((e) => e.type.endsWith('StateEntered')).map((e: any) => e.stateEnteredEventDetails.name)).toContain('MarkCompleted');
  // The payment wait's parameters carry its task token (a credential): the engine's history has it, the console's does not.
  const raw = e2e.history(ids[4]);
  const tokens = raw.flatMap((e: any) => [...JSON.stringify(e).matchAll(/taskToken\\?":\s*\\?"([^"\\]+)/g)].map((m) => m[1]));
  expect(tokens.length).toBeGreaterThan(0);
  for (const token of tokens) expect(JSON.stringify(history)).not.toContain(token);
});

test('peeking at a DLQ consumes nothing: the message is visible again at once', async () => {
  const url = await e2e.queueUrl('fulfilment-requests-dlq');
  const { MessageId } = await e2e.cloud.infra.clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{"orderId":"ord_AAAAAAAAAAAAAAAAAAAAAA"}' }));
  for (let round = 0; round < 2; round += 1) {
    const dlq = (await peekDlqs(target)).find((q) => q.queue === 'fulfilment-requests-dlq')!;
    expect(dlq.messages.map((m) => [m.messageId, m.orderIds])).toEqual([[MessageId, ['ord_AAAAAAAAAAAAAAAAAAAAAA']]]);
  }
  const { Attributes } = await e2e.cloud.infra.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  expect(Attributes).toEqual({ ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '0' });
});

test('after a completed order the metrics of the last hour count it: accepted, time to AWAITING_PAYMENT, completed', async () => {
  const { orderId } = await e2e.checkout([{ sku: 'MUG-LOGO', quantity: 1 }]);
  const awaiting = await e2e.waitForStatus(orderId, 'AWAITING_PAYMENT');
  await e2e.stripe.paymentIntents.confirm(awaiting.payment.paymentIntentId!, { payment_method: 'pm_card_visa' });
  await e2e.waitForStatus(orderId, 'COMPLETED');

  const view = await metricsOfLastHour({ ...target, local: { controlUrl: e2e.cloud.apiUrl, metricLines: emf.lines, functionOfState: {} } });
  const series = Object.fromEntries(view.series.map((s) => [s.name, s]));
  expect(view.source).toBe('emf');
  expect(series.CheckoutAccepted.total).toBeGreaterThanOrEqual(1);
  expect(series.OrderCompleted.total).toBeGreaterThanOrEqual(1);
  expect(series.CheckoutToAwaitingPaymentTime.samples).toBeGreaterThanOrEqual(1);
  expect(series.PaymentToCompletedTime.samples).toBeGreaterThanOrEqual(1);
});
