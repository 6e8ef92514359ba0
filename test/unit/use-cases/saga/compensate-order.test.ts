import { logger } from '../../../../src/commons/logger';
import { InvalidOrderState } from '../../../../src/domain/errors';
import type { Order } from '../../../../src/domain/order';
import { createCompensateOrder } from '../../../../src/use-cases/saga/compensate-order';
import { anOrder, ORDER_ID } from '../../fixtures/orders';
import { fakeInventory, fakeMetrics, fakeOrders, fakePayments } from '../fakes';

logger.setLogLevel('SILENT');

const orders = fakeOrders();
const inventory = fakeInventory();
const payments = fakePayments();
const flagOrderNeedsAttention = jest.fn(async () => anOrder({ status: 'NEEDS_ATTENTION' }));
const compensateOrder = createCompensateOrder({ orders, inventory, payments, flagOrderNeedsAttention, metrics: fakeMetrics() });
const LINES = [{ sku: 'TSHIRT', quantity: 1 }];
const CANCELED = { Error: 'OrderCanceled', Cause: 'customer' };

/** The order as the compensation's claim (an updateOrder) returns it. */
function claimed(overrides: Partial<Order>) {
  orders.updateOrder.mockResolvedValue(anOrder(overrides));
}

beforeEach(() => {
  jest.clearAllMocks();
  orders.transitionOrder.mockResolvedValue(anOrder());
  inventory.releaseStock.mockResolvedValue(true);
  payments.cancelPaymentIntent.mockResolvedValue({ result: 'CANCELED' });
});

test('a customer cancel: the PaymentIntent is cancelled first, then the stock released, then CANCELED', async () => {
  claimed({ status: 'AWAITING_PAYMENT' });
  await expect(compensateOrder(ORDER_ID, CANCELED)).resolves.toEqual({ outcome: 'CLOSED', status: 'CANCELED' });
  expect(payments.cancelPaymentIntent).toHaveBeenCalledWith('pi_current');
  expect(inventory.releaseStock).toHaveBeenCalledWith(ORDER_ID, LINES, expect.any(String));
  const cancelled = payments.cancelPaymentIntent.mock.invocationCallOrder[0];
  expect(cancelled).toBeLessThan(inventory.releaseStock.mock.invocationCallOrder[0]);
  expect(inventory.releaseStock.mock.invocationCallOrder[0]).toBeLessThan(orders.transitionOrder.mock.invocationCallOrder[0]);
  expect(orders.transitionOrder).toHaveBeenCalledWith(ORDER_ID, 'CANCELED', expect.any(String), {
    set: { failureReason: 'Cancelled by the customer', 'payment.status': 'canceled' },
    remove: ['taskToken', 'payment.clientSecret'],
  });
});

test('the claim is taken first, so that requestPayment cannot record an intent after the compensation read the order', async () => {
  claimed({ status: 'AWAITING_PAYMENT' });
  await compensateOrder(ORDER_ID, CANCELED);
  expect(orders.updateOrder).toHaveBeenCalledWith(ORDER_ID, { set: { compensationStartedAt: expect.any(String) } });
  expect(orders.updateOrder.mock.invocationCallOrder[0]).toBeLessThan(payments.cancelPaymentIntent.mock.invocationCallOrder[0]);
});

test('the window closed: EXPIRED; a failure before payment: REJECTED and FAILED_BEFORE_PAYMENT', async () => {
  claimed({ status: 'AWAITING_PAYMENT' });
  await expect(compensateOrder(ORDER_ID, { Error: 'States.Timeout' })).resolves.toEqual({ outcome: 'CLOSED', status: 'EXPIRED' });
  claimed({ status: 'PENDING' });
  await expect(compensateOrder(ORDER_ID, { Error: 'Lambda.ServiceException' })).resolves.toEqual({ outcome: 'FAILED_BEFORE_PAYMENT', status: 'REJECTED' });
});

test('race rule: the PaymentIntent had already succeeded for the order total -> PAYMENT_SUCCEEDED, no release, no status change', async () => {
  claimed({ status: 'AWAITING_PAYMENT' });
  payments.cancelPaymentIntent.mockResolvedValue({ result: 'ALREADY_SUCCEEDED', amountReceived: 3000, currency: 'usd' });
  await expect(compensateOrder(ORDER_ID, { Error: 'States.Timeout' })).resolves.toEqual({ outcome: 'PAYMENT_SUCCEEDED', status: 'AWAITING_PAYMENT' });
  expect(inventory.releaseStock).not.toHaveBeenCalled();
  expect(orders.transitionOrder).not.toHaveBeenCalled();
});

test('money that does not match the order: NEEDS_ATTENTION through the flag, stock kept, nothing refunded', async () => {
  claimed({ status: 'AWAITING_PAYMENT' });
  payments.cancelPaymentIntent.mockResolvedValue({ result: 'ALREADY_SUCCEEDED', amountReceived: 100, currency: 'usd' });
  await expect(compensateOrder(ORDER_ID, { Error: 'States.Timeout' }, 'arn:execution')).resolves.toEqual({ outcome: 'NEEDS_ATTENTION', status: 'NEEDS_ATTENTION' });
  expect(flagOrderNeedsAttention).toHaveBeenCalledWith(expect.objectContaining({ orderId: ORDER_ID, kind: 'PAYMENT_AMOUNT_MISMATCH', step: 'CompensateOrder', executionId: 'arn:execution', paymentStatus: 'succeeded' }));
  expect(inventory.releaseStock).not.toHaveBeenCalled();
});

test('never after payment: a PAID or COMPLETED order is refused (InvalidOrderState), nothing cancelled or released', async () => {
  for (const status of ['PAID', 'COMPLETED'] as const) {
    claimed({ status });
    await expect(compensateOrder(ORDER_ID, CANCELED)).rejects.toBeInstanceOf(InvalidOrderState);
  }
  expect(payments.cancelPaymentIntent).not.toHaveBeenCalled();
  expect(inventory.releaseStock).not.toHaveBeenCalled();
});

test('a retry after the order ended where it had to: the release is asked again (the marker makes it a no-op), the refused transition is not an error', async () => {
  claimed({ status: 'CANCELED' });
  inventory.releaseStock.mockResolvedValue(false);
  await expect(compensateOrder(ORDER_ID, CANCELED)).resolves.toEqual({ outcome: 'CLOSED', status: 'CANCELED' });
  expect(orders.transitionOrder).not.toHaveBeenCalled();

  claimed({ status: 'AWAITING_PAYMENT' });
  orders.transitionOrder.mockRejectedValue(new InvalidOrderState('refused', { from: 'CANCELED', to: 'CANCELED' }));
  await expect(compensateOrder(ORDER_ID, CANCELED)).resolves.toEqual({ outcome: 'CLOSED', status: 'CANCELED' });
});

test('a refusal that says the order went elsewhere is thrown (the saga retries and sees why)', async () => {
  claimed({ status: 'AWAITING_PAYMENT' });
  orders.transitionOrder.mockRejectedValue(new InvalidOrderState('refused', { from: 'PAID', to: 'CANCELED' }));
  await expect(compensateOrder(ORDER_ID, CANCELED)).rejects.toBeInstanceOf(InvalidOrderState);
});

test('an order already NEEDS_ATTENTION is left to the person: nothing cancelled, released or changed', async () => {
  claimed({ status: 'NEEDS_ATTENTION' });
  await expect(compensateOrder(ORDER_ID, CANCELED)).resolves.toEqual({ outcome: 'NEEDS_ATTENTION', status: 'NEEDS_ATTENTION' });
  expect(payments.cancelPaymentIntent).not.toHaveBeenCalled();
  expect(inventory.releaseStock).not.toHaveBeenCalled();
});

test('without the order from the claim (its write refused), the order is read instead', async () => {
  orders.updateOrder.mockResolvedValue(undefined);
  orders.requireOrder.mockResolvedValue(anOrder({ status: 'AWAITING_PAYMENT' }));
  await expect(compensateOrder(ORDER_ID, CANCELED)).resolves.toEqual({ outcome: 'CLOSED', status: 'CANCELED' });
  expect(orders.requireOrder).toHaveBeenCalledWith(ORDER_ID);
});

test('an intent that could not be cancelled because it never existed leaves payment.status as it was', async () => {
  claimed({ status: 'PENDING', payment: {} });
  payments.cancelPaymentIntent.mockResolvedValue({ result: 'NO_PAYMENT_INTENT' });
  await compensateOrder(ORDER_ID, { Error: 'Lambda.ServiceException' });
  expect(orders.transitionOrder.mock.calls[0][3]!.set).toEqual({ failureReason: expect.stringContaining('Lambda.ServiceException'), 'payment.status': undefined });
});

test('a mismatch without an error name from the wait is reported as PaymentAmountMismatch', async () => {
  claimed({ status: 'AWAITING_PAYMENT' });
  payments.cancelPaymentIntent.mockResolvedValue({ result: 'ALREADY_SUCCEEDED', amountReceived: 1, currency: 'usd' });
  await compensateOrder(ORDER_ID, undefined);
  expect(flagOrderNeedsAttention).toHaveBeenCalledWith(expect.objectContaining({ error: 'PaymentAmountMismatch' }));
});

test('the refusal after payment names the order and its status', async () => {
  claimed({ status: 'COMPLETED' });
  await expect(compensateOrder(ORDER_ID, CANCELED)).rejects.toThrow(`Order ${ORDER_ID} is COMPLETED; it is never compensated after payment`);
});
