import { logger } from '../../../../src/commons/logger';
import { InvalidOrderState, OrderCanceled } from '../../../../src/domain/errors';
import { createRequestPayment } from '../../../../src/use-cases/saga/request-payment';
import { anOrder, ORDER_ID } from '../../fixtures/orders';
import { fakeMetrics, fakeOrders, fakePayments } from '../fakes';

logger.setLogLevel('SILENT');

const orders = fakeOrders();
const payments = fakePayments();
const requestPayment = createRequestPayment({ orders, payments, metrics: fakeMetrics() });
const INTENT = { id: 'pi_new', clientSecret: 'pi_new_secret_x', status: 'requires_payment_method' };
const RECORDED = { 'payment.paymentIntentId': 'pi_new', 'payment.clientSecret': 'pi_new_secret_x', 'payment.status': 'requires_payment_method' };
const NOT_CLOSING = { absent: ['cancelRequestedAt', 'compensationStartedAt'] };

beforeEach(() => {
  jest.resetAllMocks();
  payments.createPaymentIntent.mockResolvedValue(INTENT);
});

test('the token is stored first (pre-payment only), then the intent is created and the order shows AWAITING_PAYMENT', async () => {
  orders.updateOrder.mockResolvedValueOnce(anOrder({ status: 'PENDING' }));
  orders.transitionOrder.mockResolvedValue(anOrder({ status: 'AWAITING_PAYMENT' }));
  await expect(requestPayment(ORDER_ID, 'tok-1')).resolves.toEqual({ paymentIntentId: 'pi_new' });
  expect(orders.updateOrder).toHaveBeenNthCalledWith(1, ORDER_ID, { set: { taskToken: 'tok-1' } }, ['PENDING', 'AWAITING_PAYMENT']);
  expect(orders.updateOrder.mock.invocationCallOrder[0]).toBeLessThan(payments.createPaymentIntent.mock.invocationCallOrder[0]);
  expect(orders.transitionOrder).toHaveBeenCalledWith(ORDER_ID, 'AWAITING_PAYMENT', expect.any(String), { set: RECORDED }, NOT_CLOSING);
  expect(payments.cancelPaymentIntent).not.toHaveBeenCalled();
});

test('a retried wait on an order already AWAITING_PAYMENT records the (same, idempotent) intent without a transition', async () => {
  orders.updateOrder.mockResolvedValueOnce(anOrder({ status: 'AWAITING_PAYMENT' })).mockResolvedValueOnce(anOrder());
  await requestPayment(ORDER_ID, 'tok-2');
  expect(orders.updateOrder).toHaveBeenLastCalledWith(ORDER_ID, { set: RECORDED }, ['AWAITING_PAYMENT'], NOT_CLOSING);
  expect(orders.transitionOrder).not.toHaveBeenCalled();
});

test('an order no longer waiting for payment: InvalidOrderState, no PaymentIntent created', async () => {
  orders.updateOrder.mockResolvedValueOnce(undefined);
  await expect(requestPayment(ORDER_ID, 'tok-1')).rejects.toThrow(new InvalidOrderState(`Order ${ORDER_ID} no longer waits for payment`));
  expect(payments.createPaymentIntent).not.toHaveBeenCalled();
});

test('a cancel requested before the token was stored: OrderCanceled, no PaymentIntent created', async () => {
  orders.updateOrder.mockResolvedValueOnce(anOrder({ status: 'PENDING', cancelRequestedAt: 't' }));
  await expect(requestPayment(ORDER_ID, 'tok-1')).rejects.toBeInstanceOf(OrderCanceled);
  expect(payments.createPaymentIntent).not.toHaveBeenCalled();
});

test('a cancel or compensation that began while the intent was created: the recording is refused and the intent cancelled here', async () => {
  orders.updateOrder.mockResolvedValueOnce(anOrder({ status: 'PENDING' }));
  orders.transitionOrder.mockRejectedValue(new InvalidOrderState('refused', { from: 'PENDING', to: 'AWAITING_PAYMENT' }));
  await expect(requestPayment(ORDER_ID, 'tok-1')).resolves.toEqual({ paymentIntentId: 'pi_new' });
  expect(payments.cancelPaymentIntent).toHaveBeenCalledWith('pi_new');

  jest.clearAllMocks();
  orders.updateOrder.mockResolvedValueOnce(anOrder({ status: 'AWAITING_PAYMENT' })).mockResolvedValueOnce(undefined);
  await requestPayment(ORDER_ID, 'tok-1');
  expect(payments.cancelPaymentIntent).toHaveBeenCalledWith('pi_new');
});

test('another failure while recording is thrown (the saga retries); the intent is not cancelled', async () => {
  orders.updateOrder.mockResolvedValueOnce(anOrder({ status: 'PENDING' }));
  orders.transitionOrder.mockRejectedValue(new Error('InternalServerError'));
  await expect(requestPayment(ORDER_ID, 'tok-1')).rejects.toThrow('InternalServerError');
  expect(payments.cancelPaymentIntent).not.toHaveBeenCalled();
});
