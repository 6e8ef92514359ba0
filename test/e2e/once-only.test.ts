/**
 * End-to-end for the once-only mechanisms the README names, exercised the way production strikes
 * them: SQS delivers an inventory update again after it was applied (at-least-once, a retried
 * CommitInventory), and Lambda retries a compensation whose first attempt released the stock and
 * then timed out. Each scenario keeps another order's reservation on the same SKU, so that a second
 * application could not hide behind a counter that would otherwise go negative.
 *   HOODIE-GREY-M  the worker's ledger (COMMIT redelivered)    MUG-LOGO  ADJUST redelivered
 *   TSHIRT-BLUE-L  release once-only (compensation retried)
 */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { startE2e, type E2e } from './support/harness';

let e2e: E2e;
let queueUrl: string;
let dlqUrl: string;

beforeAll(async () => {
  e2e = await startE2e({ queueVisibilityTimeoutSeconds: 1 });
  queueUrl = e2e.cloud.lambda.environment.INVENTORY_UPDATES_QUEUE_URL;
  dlqUrl = await e2e.queueUrl('inventory-updates-dlq');
});
afterAll(async () => {
  await e2e?.close();
});

/** Sends an inventory update as CommitInventory or the adjustments route would, then waits until the worker handled it. */
async function deliverInventoryUpdate(update: unknown): Promise<void> {
  await e2e.cloud.infra.clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(update) }));
  await e2e.waitForQueueDrained(queueUrl);
}

describe("the inventory worker's ledger: an update delivered again after it was applied changes nothing", () => {
  test('a COMMIT redelivered in a later batch counts the sale once (sold is not inflated)', async () => {
    const sku = 'HOODIE-GREY-M';
    const before = await e2e.stock(sku);
    const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku, quantity: 1 }]);
    expect((await e2e.pay(paymentIntentId, 'pm_card_visa')).intent?.status).toBe('succeeded');
    await e2e.waitForStatus(order.orderId, 'COMPLETED');
    await e2e.waitForStock(sku, { sold: before.sold + 1, reserved: before.reserved });
    // Another customer holds one unit, so the redelivered commit is not stopped by `reserved >= 1`.
    await e2e.checkoutAwaitingPayment([{ sku, quantity: 1 }]);
    const held = await e2e.waitForStock(sku, { reserved: before.reserved + 1 });

    // The message CommitInventory sent (stepfunctions/checkout.asl.yml), delivered again.
    const commit = { type: 'COMMIT', updateId: `commit-${order.orderId}`, orderId: order.orderId, lines: [{ sku, quantity: 1 }] };
    await deliverInventoryUpdate(commit);
    await deliverInventoryUpdate(commit);

    expect(await e2e.stock(sku)).toEqual(held);
    // Applied before is success, not failure: nothing was sent to the DLQ.
    expect(await e2e.receiveAll(dlqUrl)).toEqual([]);
  });

  test('an ADJUST redelivered in a later batch adds its units once', async () => {
    const sku = 'MUG-LOGO';
    const before = await e2e.stock(sku);
    const adjust = { type: 'ADJUST', updateId: `adjust-${randomUUID()}`, sku, delta: 4, reason: 'e2e: redelivered restock' };
    await deliverInventoryUpdate(adjust);
    expect(await e2e.stock(sku)).toEqual({ ...before, available: before.available + 4 });
    await deliverInventoryUpdate(adjust);
    expect(await e2e.stock(sku)).toEqual({ ...before, available: before.available + 4 });
    expect(await e2e.receiveAll(dlqUrl)).toEqual([]);
  });
});

describe("release once-only: a compensation retried after its release gives the stock back once", () => {
  test('compensateOrder invoked again after a cancel compensated the order: stock, status and PaymentIntent unchanged', async () => {
    const sku = 'TSHIRT-BLUE-L';
    const before = await e2e.stock(sku);
    // Another customer holds one unit, so a second release would not be stopped by `reserved >= 2`.
    await e2e.checkoutAwaitingPayment([{ sku, quantity: 1 }]);
    const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku, quantity: 2 }]);
    await e2e.waitForStock(sku, { reserved: before.reserved + 3 });

    expect((await e2e.cancel(order.orderId)).status).toBe(202);
    await e2e.waitForStatus(order.orderId, 'CANCELED');
    expect((await e2e.waitForExecution(order.orderId)).status).toBe('SUCCEEDED');
    const released = await e2e.waitForStock(sku, { available: before.available - 1, reserved: before.reserved + 1 });

    // The payload CompensateOrder gives the function (stepfunctions/checkout.asl.yml), as a Lambda
    // retry after a timeout that struck once the work was done would deliver it again.
    const retried = await e2e.cloud.lambda.invoke('compensateOrder', {
      orderId: order.orderId,
      error: { Error: 'OrderCanceled', Cause: 'customer cancel' },
      executionId: e2e.executionArn(order.orderId),
    });
    expect(retried).toMatchObject({ status: 'CANCELED' });

    expect(await e2e.stock(sku)).toEqual(released);
    expect((await e2e.order(order.orderId)).status).toBe('CANCELED');
    expect((await e2e.stripe.paymentIntents.retrieve(paymentIntentId)).status).toBe('canceled');
  });
});
