/** The cancel route over the real use case, with fakes of its adapters passed in. */
import { expectError, httpEvent, invoke } from './events';
import { createCancelOrderHandler } from '../../../functions/cancel-order/handler';
import type { OrderStatus } from '../../../src/domain/order-status';
import { createRequestCancel } from '../../../src/use-cases/api/cancel-order';
import { anOrder, ORDER_ID } from '../fixtures/orders';
import { fakeOrders, fakeSaga } from '../use-cases/fakes';

const orders = fakeOrders();
const saga = fakeSaga();
const handler = createCancelOrderHandler({ requestCancel: createRequestCancel({ orders, saga }) });
const getOrderMock = orders.getOrder;
const updateOrderMock = orders.updateOrder;
const failMock = saga.failPaymentWait;

const cancel = (orderId: string) =>
  httpEvent({
    method: 'POST',
    path: `/orders/${orderId}/cancel`,
    routeKey: 'POST /orders/{orderId}/cancel',
    pathParameters: { orderId },
  });

beforeEach(() => {
  jest.clearAllMocks();
  updateOrderMock.mockResolvedValue(undefined);
  getOrderMock.mockResolvedValue(undefined);
  failMock.mockResolvedValue('DELIVERED');
});

describe('cancelOrder', () => {
  test('a waiting order -> 202; the request is recorded only while the order is pre-payment and the wait is failed', async () => {
    updateOrderMock.mockResolvedValueOnce(anOrder({ status: 'AWAITING_PAYMENT', taskToken: 'tok-1' }));
    const response = await invoke(handler, cancel(ORDER_ID));
    expect(response.statusCode).toBe(202);
    expect(response.body).toEqual({ orderId: ORDER_ID, status: 'AWAITING_PAYMENT', cancelRequested: true });
    expect(updateOrderMock).toHaveBeenCalledWith(
      ORDER_ID,
      { set: { cancelRequestedAt: expect.any(String) } },
      ['PENDING', 'AWAITING_PAYMENT'],
    );
    expect(failMock).toHaveBeenCalledWith('tok-1', 'OrderCanceled', 'Cancelled by the customer');
  });

  test('a PENDING order without a token yet -> 202, no callback (requestPayment sees the request)', async () => {
    updateOrderMock.mockResolvedValueOnce(anOrder({ status: 'PENDING', taskToken: undefined }));
    const response = await invoke(handler, cancel(ORDER_ID));
    expect(response.statusCode).toBe(202);
    expect(response.body.status).toBe('PENDING');
    expect(failMock).not.toHaveBeenCalled();
  });

  test('a wait that already closed is still a 202 (the saga is compensating anyway)', async () => {
    updateOrderMock.mockResolvedValueOnce(anOrder({ taskToken: 'tok-1' }));
    failMock.mockResolvedValueOnce('WAIT_CLOSED');
    expect((await invoke(handler, cancel(ORDER_ID))).statusCode).toBe(202);
  });

  test.each(['PAID', 'COMPLETED', 'NEEDS_ATTENTION'] as OrderStatus[])('a %s order -> 409 ORDER_ALREADY_PAID', async (status) => {
    getOrderMock.mockResolvedValueOnce(anOrder({ status }));
    const response = await invoke(handler, cancel(ORDER_ID));
    expectError(response, 409, 'ORDER_ALREADY_PAID');
    expect(response.body.error.message).toContain(status);
    expect(failMock).not.toHaveBeenCalled();
  });

  test.each(['REJECTED', 'EXPIRED'] as OrderStatus[])('a %s order -> 409 ORDER_CLOSED', async (status) => {
    getOrderMock.mockResolvedValueOnce(anOrder({ status }));
    const response = await invoke(handler, cancel(ORDER_ID));
    expectError(response, 409, 'ORDER_CLOSED');
    expect(response.body.error.message).toContain(status);
  });

  test('an order already CANCELED -> 200 (cancelling twice is fine)', async () => {
    getOrderMock.mockResolvedValueOnce(anOrder({ status: 'CANCELED' }));
    const response = await invoke(handler, cancel(ORDER_ID));
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ orderId: ORDER_ID, status: 'CANCELED' });
  });

  test('an unknown order -> 404', async () => {
    expectError(await invoke(handler, cancel(ORDER_ID)), 404, 'ORDER_NOT_FOUND');
  });

  test.each(['nope', 'ord_123', `${ORDER_ID}x`])('a malformed id %p -> 404 without touching the table', async (orderId) => {
    expectError(await invoke(handler, cancel(orderId)), 404, 'ORDER_NOT_FOUND');
    expect(updateOrderMock).not.toHaveBeenCalled();
    expect(getOrderMock).not.toHaveBeenCalled();
  });

  test('a failing callback -> generic 500', async () => {
    updateOrderMock.mockResolvedValueOnce(anOrder({ taskToken: 'tok-1' }));
    failMock.mockRejectedValueOnce(new Error('ThrottlingException on arn:aws:states:secret'));
    const response = await invoke(handler, cancel(ORDER_ID));
    expectError(response, 500, 'INTERNAL_ERROR');
    expect(response.raw).not.toContain('arn:aws');
  });
});
