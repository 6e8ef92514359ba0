import { expectError, httpEvent, invoke } from './events';
import { createGetOrderHandler } from '../../../functions/get-order/handler';
import { ORDER_STATUSES } from '../../../src/domain/order-status';
import { anOrder, ORDER_ID } from '../fixtures/orders';
import { fakeOrders } from '../use-cases/fakes';

const orders = fakeOrders();
const handler = createGetOrderHandler({ orders });
const getOrderMock = orders.getOrder;

const get = (orderId?: string) =>
  httpEvent({
    method: 'GET',
    path: `/orders/${orderId ?? ''}`,
    routeKey: 'GET /orders/{orderId}',
    ...(orderId === undefined ? {} : { pathParameters: { orderId } }),
  });

beforeEach(() => {
  jest.clearAllMocks();
  getOrderMock.mockResolvedValue(undefined);
});

describe('getOrder', () => {
  test.each([
    'ord_short',
    'ord_AAAAAAAAAAAAAAAAAAAAAAA', // 23 characters
    'ORD_AAAAAAAAAAAAAAAAAAAAAA',
    'ord_AAAAAAAAAAAAAAAAAAAA+/',
    '../../etc/passwd',
    ' ord_AAAAAAAAAAAAAAAAAAAAAA',
  ])('a malformed id %p -> 404, without reading the table', async (orderId) => {
    const response = await invoke(handler, get(orderId));
    expectError(response, 404, 'ORDER_NOT_FOUND');
    expect(getOrderMock).not.toHaveBeenCalled();
  });

  test('an unknown id -> 404 ORDER_NOT_FOUND, the same answer as a malformed one', async () => {
    const response = await invoke(handler, get(ORDER_ID));
    expectError(response, 404, 'ORDER_NOT_FOUND');
    expect(getOrderMock).toHaveBeenCalledWith(ORDER_ID);
    const malformed = await invoke(handler, get('ord_x'));
    expect(response.body).toEqual(malformed.body);
  });

  test('no orderId in the path -> 400', async () => {
    expectError(await invoke(handler, get()), 400, 'MISSING_PATH_PARAMETER');
  });

  test('200 with the order view', async () => {
    getOrderMock.mockResolvedValueOnce(anOrder({ status: 'AWAITING_PAYMENT' }));
    const response = await invoke(handler, get(ORDER_ID));
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toMatchObject({
      orderId: ORDER_ID,
      status: 'AWAITING_PAYMENT',
      amounts: { total: 3000, currency: 'usd' },
      payment: { paymentIntentId: 'pi_current', clientSecret: 'pi_current_secret_x', status: 'requires_payment_method' },
      failureReason: null,
      paymentWindowSeconds: 900,
    });
  });

  test.each(ORDER_STATUSES.filter((s) => s !== 'AWAITING_PAYMENT'))(
    'the client secret is not shown once the order is %s',
    async (status) => {
      getOrderMock.mockResolvedValueOnce(anOrder({ status }));
      const response = await invoke(handler, get(ORDER_ID));
      expect(response.statusCode).toBe(200);
      expect(response.body.payment.clientSecret).toBeNull();
      expect(response.raw).not.toContain('pi_current_secret_x');
    },
  );

  test.each([...ORDER_STATUSES])('the task token is never in the body (%s)', async (status) => {
    getOrderMock.mockResolvedValueOnce(anOrder({ status, taskToken: 'SECRET-TASK-TOKEN' }));
    const response = await invoke(handler, get(ORDER_ID));
    expect(response.body).not.toHaveProperty('taskToken');
    expect(response.raw).not.toContain('SECRET-TASK-TOKEN');
  });

  test('a table error -> generic 500', async () => {
    getOrderMock.mockRejectedValueOnce(new Error('AccessDeniedException: role/checkout-prod'));
    const response = await invoke(handler, get(ORDER_ID));
    expectError(response, 500, 'INTERNAL_ERROR');
    expect(response.raw).not.toContain('AccessDenied');
  });
});
