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
