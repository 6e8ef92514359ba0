/**
 * DynamoDB cancels a transaction that races another on the same item with TransactionConflict
 * (DynamoDB Local never does, so the local cloud cannot show it). A hot SKU must not turn those
 * into rejected orders: the adapter retries them itself.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

const send = jest.fn();
jest.mock('../../../src/adapters/clients/dynamodb', () => ({ documentClient: { send: (...args: unknown[]) => send(...args) } }));

import { applySkuChange, releaseStock, reserveStock } from '../../../src/adapters/inventory-repository';

process.env.ORDERS_TABLE = 'orders';
process.env.INVENTORY_TABLE = 'inventory';
process.env.IDEMPOTENCY_TABLE = 'idempotency';

function conflict(reasons: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    $metadata: {},
    message: 'Transaction cancelled',
    CancellationReasons: reasons.map((Code) => ({ Code })),
  });
}

beforeEach(() => send.mockReset());

test('a reservation that meets a TransactionConflict is retried and succeeds', async () => {
  send.mockRejectedValueOnce(conflict(['TransactionConflict', 'None'])).mockResolvedValueOnce({});
  await expect(reserveStock('ord_1', [{ sku: 'A', quantity: 1 }], '2026-01-01T00:00:00Z')).resolves.toBe(true);
  expect(send).toHaveBeenCalledTimes(2);
});

test('a release and a worker write are retried on TransactionConflict too', async () => {
  send.mockRejectedValueOnce(conflict(['TransactionConflict', 'None'])).mockResolvedValueOnce({});
  await expect(releaseStock('ord_1', [{ sku: 'A', quantity: 1 }], '2026-01-01T00:00:00Z')).resolves.toBe(true);
  send.mockReset();
  send.mockRejectedValueOnce(conflict(['None', 'TransactionConflict'])).mockResolvedValueOnce({});
  const change = { sku: 'A', availableDelta: 0, reservedDelta: -1, soldDelta: 1, ledgerIds: ['x'] };
  await expect(applySkuChange(change, new Date())).resolves.toEqual({ applied: true });
});

test('conflicts that persist are rethrown for the saga to retry', async () => {
  send.mockRejectedValue(conflict(['TransactionConflict', 'None']));
  await expect(reserveStock('ord_1', [{ sku: 'A', quantity: 1 }], '2026-01-01T00:00:00Z')).rejects.toBeInstanceOf(TransactionCanceledException);
  expect(send.mock.calls.length).toBeGreaterThan(2);
});

test('a real shortage is not retried', async () => {
  send.mockRejectedValue(conflict(['ConditionalCheckFailed', 'None']));
  await expect(reserveStock('ord_1', [{ sku: 'A', quantity: 5 }], '2026-01-01T00:00:00Z')).rejects.toMatchObject({ name: 'OutOfStock' });
  expect(send).toHaveBeenCalledTimes(1);
});

/**
 * The conditions the stock promises rest on, pinned: a weakened condition fails here at once (the
 * same conditions run against DynamoDB Local in test/adapters/inventory-repository.test.ts).
 */
describe('the condition expressions behind the stock promises', () => {
  const transactItems = () => send.mock.calls[0][0].input.TransactItems as Array<Record<string, any>>;

  test('no overselling: each reserved line is conditioned on available >= quantity; the order is marked once', async () => {
    send.mockResolvedValueOnce({});
    await reserveStock('ord_1', [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }], 'now');
    const [lineA, lineB, order] = transactItems();
    for (const [line, quantity] of [[lineA, 2], [lineB, 1]] as const) {
      expect(line.Update.ConditionExpression).toBe('available >= :q');
      expect(line.Update.UpdateExpression).toBe('SET available = available - :q, reserved = reserved + :q, updatedAt = :at');
      expect(line.Update.ExpressionAttributeValues[':q']).toBe(quantity);
    }
    expect(order.Update).toMatchObject({
      Key: { orderId: 'ord_1' },
      UpdateExpression: 'SET stock = :reserved',
      ConditionExpression: 'attribute_exists(orderId) AND attribute_not_exists(stock)',
      ExpressionAttributeValues: { ':reserved': 'RESERVED' },
    });
  });

  test('release is once-only: the order must hold RESERVED stock, which flips to RELEASED in the same transaction', async () => {
    send.mockResolvedValueOnce({});
    await releaseStock('ord_1', [{ sku: 'A', quantity: 2 }], 'now');
    const [line, order] = transactItems();
    expect(line.Update.ConditionExpression).toBe('reserved >= :q');
    expect(line.Update.UpdateExpression).toBe('SET available = available + :q, reserved = reserved - :q, updatedAt = :at');
    expect(order.Update).toMatchObject({
      Key: { orderId: 'ord_1' },
      UpdateExpression: 'SET stock = :released',
      ConditionExpression: 'stock = :reserved',
      ExpressionAttributeValues: { ':released': 'RELEASED', ':reserved': 'RESERVED' },
    });
  });

  test("applied once: every ledger entry is written only if absent, in the same transaction as the SKU's counters", async () => {
    send.mockResolvedValueOnce({});
    const change = { sku: 'A', availableDelta: 0, reservedDelta: -3, soldDelta: 3, ledgerIds: ['l1', 'l2'] };
    await applySkuChange(change, new Date('2026-01-01T00:00:00Z'));
    const [first, second, counters] = transactItems();
    for (const [put, id] of [[first, 'l1'], [second, 'l2']] as const) {
      expect(put.Put).toMatchObject({ TableName: 'idempotency', Item: { id }, ConditionExpression: 'attribute_not_exists(id)' });
    }
    expect(counters.Update.ConditionExpression).toBe('attribute_exists(sku) AND available >= :minA AND reserved >= :minR AND sold >= :minS');
    expect(counters.Update.ExpressionAttributeValues).toMatchObject({ ':a': 0, ':r': -3, ':s': 3, ':minA': 0, ':minR': 3, ':minS': 0 });
  });
});
