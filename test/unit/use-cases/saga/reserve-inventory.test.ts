import { logger } from '../../../../src/commons/logger';
import { InvalidOrderState, OutOfStock } from '../../../../src/domain/errors';
import { createReserveInventory } from '../../../../src/use-cases/saga/reserve-inventory';
import { anOrder, ORDER_ID } from '../../fixtures/orders';
import { fakeInventory, fakeMetrics, fakeOrders } from '../fakes';

logger.setLogLevel('SILENT');

const orders = fakeOrders();
const inventory = fakeInventory();
const reserveInventory = createReserveInventory({ orders, inventory, metrics: fakeMetrics() });
const LINES = [{ sku: 'TSHIRT', quantity: 1 }];

beforeEach(() => jest.resetAllMocks());

test('a PENDING order: every line reserved in one call, the lines returned for the saga', async () => {
  orders.requireOrder.mockResolvedValue(anOrder({ status: 'PENDING' }));
  inventory.reserveStock.mockResolvedValue(true);
  await expect(reserveInventory(ORDER_ID)).resolves.toEqual({ lines: LINES });
  expect(inventory.reserveStock).toHaveBeenCalledWith(ORDER_ID, LINES, expect.any(String));
  expect(orders.transitionOrder).not.toHaveBeenCalled();
});

test('a retry after success (stock already RESERVED) reserves nothing again', async () => {
  orders.requireOrder.mockResolvedValue(anOrder({ status: 'AWAITING_PAYMENT', stock: 'RESERVED' }));
  await expect(reserveInventory(ORDER_ID)).resolves.toEqual({ lines: LINES });
  expect(inventory.reserveStock).not.toHaveBeenCalled();
});

test('out of stock: REJECTED with the SKU as the reason, and OutOfStock thrown for the saga to route on', async () => {
  orders.requireOrder.mockResolvedValue(anOrder({ status: 'PENDING' }));
  inventory.reserveStock.mockRejectedValue(new OutOfStock('TSHIRT', 1, 0));
  await expect(reserveInventory(ORDER_ID)).rejects.toBeInstanceOf(OutOfStock);
  expect(orders.transitionOrder).toHaveBeenCalledWith(ORDER_ID, 'REJECTED', expect.any(String), {
    set: { failureReason: expect.stringContaining('TSHIRT') },
  });
});

test('another failure is thrown as it is (the saga retries it) and the order is not rejected', async () => {
  orders.requireOrder.mockResolvedValue(anOrder({ status: 'PENDING' }));
  inventory.reserveStock.mockRejectedValue(new Error('ProvisionedThroughputExceededException'));
  await expect(reserveInventory(ORDER_ID)).rejects.toThrow('ProvisionedThroughputExceededException');
  expect(orders.transitionOrder).not.toHaveBeenCalled();
});

test('an order that moved on (e.g. CANCELED) without stock: InvalidOrderState, nothing reserved', async () => {
  orders.requireOrder.mockResolvedValue(anOrder({ status: 'CANCELED' }));
  const refusal = await reserveInventory(ORDER_ID).catch((error) => error);
  expect(refusal).toBeInstanceOf(InvalidOrderState);
  expect(refusal).toMatchObject({ message: `Order ${ORDER_ID} is CANCELED; nothing to reserve`, details: { status: 'CANCELED' } });
  expect(inventory.reserveStock).not.toHaveBeenCalled();
});
