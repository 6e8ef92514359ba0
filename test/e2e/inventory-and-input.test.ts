/**
 * End-to-end for the operator's inventory adjustments (applied through the inventory-updates queue
 * by inventoryWorker), a poison message ending in the DLQ, and the HTTP API refusing bad input
 * without creating anything. Every queue has a 1 s visibility timeout, so a refused message comes
 * back quickly and reaches the DLQ after its 5 receives within seconds.
 * No scenario here creates an order, which keeps the "nothing created" counts exact.
 */
import { randomUUID } from 'node:crypto';
import { checkoutBody, startE2e, type E2e, type HttpReply } from './support/harness';
import { pollUntil } from '../support/poll';

const DLQ_NAME = 'checkout-saga-local-inventory-updates-dlq';
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

function expectErrorBody(reply: HttpReply, status: number, code: string) {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status, code });
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  expect(reply.body.error).toEqual(expect.objectContaining({ code, message: expect.any(String) }));
  expect(reply.body.error.message.length).toBeGreaterThan(0);
}

describe('inventory adjustments through the queue', () => {
  test('the admin adds 5: 202, then available +5 once the worker applied it; no key or a wrong key: 401', async () => {
    const sku = 'TSHIRT-BLUE-L';
    const before = await e2e.stock(sku);

    const noKey = await e2e.adjust({ sku, delta: 7, reason: 'e2e: no key' }, { apiKey: null });
    expectErrorBody(noKey, 401, 'UNAUTHORIZED');
    const wrongKey = await e2e.adjust({ sku, delta: 7, reason: 'e2e: wrong key' }, { apiKey: `${e2e.cloud.adminApiKey}x` });
    expectErrorBody(wrongKey, 401, 'UNAUTHORIZED');

    const reply = await e2e.adjust({ sku, delta: 5, reason: 'e2e: restock' });
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ updateId: expect.stringMatching(/^adjust-/), status: 'QUEUED' });

    await e2e.waitForStock(sku, { available: before.available + 5 });
    await e2e.waitForQueueDrained(queueUrl);
    // Exactly +5: the refused requests queued nothing; reserved and sold untouched.
    expect(await e2e.stock(sku)).toEqual({ ...before, available: before.available + 5 });
  });

  test('a retried adjustment with the same Idempotency-Key applies once', async () => {
    const sku = 'MUG-LOGO';
    const before = await e2e.stock(sku);
    const idempotencyKey = `e2e-${randomUUID()}`;
    const first = await e2e.adjust({ sku, delta: 2, reason: 'e2e: retried restock' }, { idempotencyKey });
    const second = await e2e.adjust({ sku, delta: 2, reason: 'e2e: retried restock' }, { idempotencyKey });
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.body.updateId).toBe(first.body.updateId);

    await e2e.waitForStock(sku, { available: before.available + 2 });
    await e2e.waitForQueueDrained(queueUrl);
    expect(await e2e.stock(sku)).toEqual({ ...before, available: before.available + 2 });
  });

  test('bad adjustments are refused before the queue', async () => {
    expectErrorBody(await e2e.adjust({ sku: 'NO-SUCH-SKU', delta: 1, reason: 'e2e' }), 404, 'PRODUCT_NOT_FOUND');
    expectErrorBody(await e2e.adjust({ sku: 'MUG-LOGO', delta: 0, reason: 'e2e' }), 400, 'VALIDATION_FAILED');
    expectErrorBody(await e2e.adjust({ sku: 'MUG-LOGO', delta: 1.5, reason: 'e2e' }), 400, 'VALIDATION_FAILED');
    expectErrorBody(await e2e.adjust({ sku: 'MUG-LOGO', delta: 1, reason: ' ' }), 400, 'VALIDATION_FAILED');
    expectErrorBody(await e2e.adjust({ sku: 'MUG-LOGO', delta: 1_000_001, reason: 'e2e' }), 400, 'VALIDATION_FAILED');
  });

  test('a poison adjustment goes to the DLQ after 5 receives; the valid one sent with it applies; available never negative', async () => {
    const sku = 'STICKER-PACK';
    const before = await e2e.stock(sku);
    expect(before.available).toBeLessThan(1_000_000);

    // Watch the stock the whole time.
    const seen: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        seen.push((await e2e.stock(sku)).available);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    let poisonId = '';
    try {
      const [poison, valid] = await Promise.all([
        e2e.adjust({ sku, delta: -1_000_000, reason: 'e2e: poison' }),
        e2e.adjust({ sku, delta: 3, reason: 'e2e: valid' }),
      ]);
      expect([poison.status, valid.status]).toEqual([202, 202]);
      poisonId = poison.body.updateId;

      await e2e.waitForStock(sku, { available: before.available + 3 });
      const dead = await pollUntil(`${poison.body.updateId} in ${DLQ_NAME}`, async () => (await e2e.receiveAll(dlqUrl)).find((message) => JSON.parse(message.Body ?? '{}').updateId === poison.body.updateId), { timeoutMs: 30_000, intervalMs: 250 }
      );
      expect(JSON.parse(dead.Body!)).toEqual({
        type: 'ADJUST',
        updateId: poison.body.updateId,
        sku,
        delta: -1_000_000,
        reason: 'e2e: poison',
      });
      // Moved after its 5th receive (maxReceiveCount), not earlier.
      expect(Number(dead.Attributes?.ApproximateReceiveCount)).toBeGreaterThanOrEqual(5);
      await e2e.waitForQueueDrained(queueUrl);
    } finally {
      watching = false;
      await watcher;
    }

    // The valid one applied exactly once, the poison never.
    expect(await e2e.stock(sku)).toEqual({ ...before, available: before.available + 3 });
    expect(seen.length).toBeGreaterThan(0);
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(before.available);
    // Only the poison is in the DLQ.
    expect((await e2e.receiveAll(dlqUrl)).map((message) => JSON.parse(message.Body!).updateId)).toEqual([poisonId]);
  });
});

describe('bad input over HTTP creates nothing', () => {
  test('every refused checkout answers 4xx {"error":{"code","message"}} and starts no order nor execution', async () => {
    const ordersBefore = await e2e.orderCount();
    const executionsBefore = await e2e.executionCount();
    const stockBefore = await e2e.stock('TSHIRT-BLUE-M');
    const valid = checkoutBody([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]);
    const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      e2e.request('POST', '/checkout', { body, headers });
    const postJson = (value: unknown, headers?: Record<string, string>) => e2e.request('POST', '/checkout', { json: value, headers });

    expectErrorBody(await post('{"items": [{"sku": "TSHIRT-BLUE-M", "quantity": 1}'), 400, 'MALFORMED_JSON');
    expectErrorBody(await post(''), 400, 'MALFORMED_JSON');
    expectErrorBody(await post(JSON.stringify(valid), { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectErrorBody(await postJson({ items: 'TSHIRT-BLUE-M' }), 400, 'VALIDATION_FAILED');
    expectErrorBody(await postJson([valid]), 400, 'VALIDATION_FAILED');
    expectErrorBody(await postJson({ ...valid, customer: { email: 'not-an-email' } }), 400, 'VALIDATION_FAILED');
    expectErrorBody(await postJson({ ...valid, shippingAddress: { ...valid.shippingAddress, city: '' } }), 400, 'VALIDATION_FAILED');
    expectErrorBody(await postJson({ ...valid, items: [] }), 400, 'VALIDATION_FAILED');

    const unknown = await postJson({ ...valid, items: [{ sku: 'TSHIRT-BLUE-M', quantity: 1 }, { sku: 'NO-SUCH-SKU', quantity: 1 }] });
    expectErrorBody(unknown, 400, 'UNKNOWN_SKU');
    expect(unknown.body.error.message).toContain('NO-SUCH-SKU');

    for (const quantity of [0, 101, -1, 1.5, '1', null]) {
      const reply = await postJson({ ...valid, items: [{ sku: 'TSHIRT-BLUE-M', quantity }] });
      expectErrorBody(reply, 400, 'VALIDATION_FAILED');
      expect(reply.body.error.message).toContain('quantity');
    }
    // Exactly 100 is allowed by the schema but is more than the 40 hoodies: checked at reservation, not here.

    const fiftyOne = Array.from({ length: 51 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 }));
    expectErrorBody(await postJson({ ...valid, items: fiftyOne }), 400, 'VALIDATION_FAILED');

    const dup = await postJson({ ...valid, items: [{ sku: 'MUG-LOGO', quantity: 1 }, { sku: 'MUG-LOGO', quantity: 2 }] });
    expectErrorBody(dup, 400, 'INVALID_CART');

    const japan = await postJson(checkoutBody([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }], 'JP'));
    expectErrorBody(japan, 400, 'UNSUPPORTED_COUNTRY');
    expect(japan.body.error.message).toContain('JP');
    expectErrorBody(await postJson(checkoutBody([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }], 'USA')), 400, 'VALIDATION_FAILED');

    expectErrorBody(await postJson(valid, { 'idempotency-key': 'x'.repeat(256) }), 400, 'INVALID_IDEMPOTENCY_KEY');
    expectErrorBody(await postJson(valid, { 'idempotency-key': 'two words' }), 400, 'INVALID_IDEMPOTENCY_KEY');

    expect(await e2e.orderCount()).toBe(ordersBefore);
    expect(await e2e.executionCount()).toBe(executionsBefore);
    expect(await e2e.stock('TSHIRT-BLUE-M')).toEqual(stockBefore);
  });

  test('unknown orders and products are 404 with the error shape', async () => {
    expectErrorBody(await e2e.request('GET', '/orders/ord_AAAAAAAAAAAAAAAAAAAAAA'), 404, 'ORDER_NOT_FOUND');
    expectErrorBody(await e2e.request('GET', '/orders/not-an-order-id'), 404, 'ORDER_NOT_FOUND');
    expectErrorBody(await e2e.request('GET', '/products/NO-SUCH-SKU'), 404, 'PRODUCT_NOT_FOUND');
    expectErrorBody(await e2e.cancel('ord_AAAAAAAAAAAAAAAAAAAAAA'), 404, 'ORDER_NOT_FOUND');
  });
});
