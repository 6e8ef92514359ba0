import { logger } from '../../../../src/commons/logger';
import { InvalidOrderState } from '../../../../src/domain/errors';
import { createFulfillOrder } from '../../../../src/use-cases/saga/fulfill-order';
import { anOrder, ORDER_ID } from '../../fixtures/orders';
import { fakeMetrics, fakeOrders, fakeQueues } from '../fakes';

logger.setLogLevel('SILENT');

const orders = fakeOrders();
const queues = fakeQueues();
const fulfillOrder = createFulfillOrder({ orders, queues, metrics: fakeMetrics() });

beforeEach(() => jest.resetAllMocks());

test('a PAID order is handed off once per order id (consumers dedupe on it), with the time it was paid', async () => {
  orders.requireOrder.mockResolvedValue(
    anOrder({ status: 'PAID', history: [{ status: 'PENDING', at: 't0' }, { status: 'AWAITING_PAYMENT', at: 't1' }, { status: 'PAID', at: 't2' }] }),
  );
  await expect(fulfillOrder(ORDER_ID)).resolves.toEqual({ fulfilmentRequestId: ORDER_ID });
  expect(queues.sendFulfilmentRequest).toHaveBeenCalledWith({
    fulfilmentRequestId: ORDER_ID,
    orderId: ORDER_ID,
    items: [{ sku: 'TSHIRT', name: 'T-shirt', quantity: 1 }],
    shippingAddress: expect.objectContaining({ country: 'US' }),
    customerEmail: 'buyer@example.com',
    paidAt: 't2',
  });
});

test.each(['AWAITING_PAYMENT', 'COMPLETED', 'NEEDS_ATTENTION'] as const)('a %s order is not handed off: InvalidOrderState', async (status) => {
  orders.requireOrder.mockResolvedValue(anOrder({ status }));
  await expect(fulfillOrder(ORDER_ID)).rejects.toBeInstanceOf(InvalidOrderState);
  expect(queues.sendFulfilmentRequest).not.toHaveBeenCalled();
});

test('a resumed order (paid, flagged, paid again) is handed off with the time of its latest PAID', async () => {
  orders.requireOrder.mockResolvedValue(
    anOrder({
      status: 'PAID',
      history: [
        { status: 'AWAITING_PAYMENT', at: 't1' },
        { status: 'PAID', at: 't2' },
        { status: 'NEEDS_ATTENTION', at: 't3' },
        { status: 'PAID', at: 't4' },
      ],
    }),
  );
  await fulfillOrder(ORDER_ID);
  expect(queues.sendFulfilmentRequest.mock.calls[0][0].paidAt).toBe('t4');
});

test('the refusal names the order and its status, for the ops alert that follows', async () => {
  orders.requireOrder.mockResolvedValue(anOrder({ status: 'COMPLETED' }));
  await expect(fulfillOrder(ORDER_ID)).rejects.toThrow(`Order ${ORDER_ID} is COMPLETED; only PAID orders are fulfilled`);
});

test('the hand-off is recorded on the order after it is sent, once (a concurrent record loses quietly)', async () => {
  orders.requireOrder.mockResolvedValue(anOrder({ status: 'PAID' }));
  await fulfillOrder(ORDER_ID);
  expect(queues.sendFulfilmentRequest).toHaveBeenCalledTimes(1);
  expect(orders.updateOrder).toHaveBeenCalledWith(ORDER_ID, { set: { fulfilmentRequestedAt: expect.any(String) } }, undefined, { absent: ['fulfilmentRequestedAt'] });
  expect(queues.sendFulfilmentRequest.mock.invocationCallOrder[0]).toBeLessThan(orders.updateOrder.mock.invocationCallOrder[0]);
});

test('a hand-off already recorded is not sent again: a retry after its effect, or a resume after a later step failed', async () => {
  orders.requireOrder.mockResolvedValue(anOrder({ status: 'PAID', fulfilmentRequestedAt: '2026-12-06T10:00:00.000Z' }));
  await expect(fulfillOrder(ORDER_ID)).resolves.toEqual({ fulfilmentRequestId: ORDER_ID });
  expect(queues.sendFulfilmentRequest).not.toHaveBeenCalled();
  expect(orders.updateOrder).not.toHaveBeenCalled();
});
