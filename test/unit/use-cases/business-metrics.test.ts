/**
 * Each business metric is emitted by the use case that knows the event, once: by the write that
 * made it happen, not by a retry that finds it done (src/domain/business-metrics.ts).
 */
import { paymentErrorOf } from '../../../src/adapters/payments';
import { logger } from '../../../src/commons/logger';
import { InvalidOrderState, OutOfStock } from '../../../src/domain/errors';
import { createAcceptCheckout } from '../../../src/use-cases/api/accept-checkout';
import { createHandleStripeEvent } from '../../../src/use-cases/events/handle-stripe-event';
import { createCompensateOrder } from '../../../src/use-cases/saga/compensate-order';
import { createFlagOrderNeedsAttention } from '../../../src/use-cases/saga/flag-needs-attention';
import { createFulfillOrder } from '../../../src/use-cases/saga/fulfill-order';
import { createRequestPayment } from '../../../src/use-cases/saga/request-payment';
import { createReserveInventory } from '../../../src/use-cases/saga/reserve-inventory';
import { aPaymentIntentEvent, anOrder, ORDER_ID } from '../fixtures/orders';
import { fakeInventory, fakeMetrics, fakeOpsAlerts, fakeOrders, fakePayments, fakeQueues, fakeSaga } from './fakes';

logger.setLogLevel('SILENT');

const orders = fakeOrders();
const inventory = fakeInventory();
const payments = { ...fakePayments(), paymentErrorOf };
const saga = fakeSaga();
const queues = fakeQueues();
const opsAlerts = fakeOpsAlerts();
const metrics = fakeMetrics();
const flagOrderNeedsAttention = createFlagOrderNeedsAttention({ orders, opsAlerts, metrics });

/** The names counted so far, in order. */
const counted = () => metrics.countEvent.mock.calls.map(([name]) => name);

beforeEach(() => jest.resetAllMocks());

describe('checkouts accepted and rejected', () => {
  const acceptCheckout = createAcceptCheckout({ inventory, orders, saga, metrics });
  const request = {
    items: [{ sku: 'TSHIRT', quantity: 1 }],
    customer: { email: 'ada@example.com' },
    shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
  };

  beforeEach(() => inventory.getCatalogue.mockResolvedValue(new Map([['TSHIRT', { sku: 'TSHIRT', name: 'T-shirt', price: 2500, currency: 'usd' }]])));

  test('accepted once its saga started', async () => {
    await acceptCheckout(request);
    expect(counted()).toEqual(['CheckoutAccepted']);
  });

  test('a saga that could not start: rejected, not accepted', async () => {
    saga.startCheckoutExecution.mockRejectedValue(new Error('ServiceUnavailable'));
    await expect(acceptCheckout(request)).rejects.toThrow('ServiceUnavailable');
    expect(counted()).toEqual(['CheckoutRejected']);
  });

  test('out of stock at reservation: rejected; a retry that finds the order REJECTED counts nothing', async () => {
    const reserveInventory = createReserveInventory({ orders, inventory, metrics });
    orders.requireOrder.mockResolvedValue(anOrder({ status: 'PENDING' }));
    inventory.reserveStock.mockRejectedValue(new OutOfStock('TSHIRT', 1, 0));
    await expect(reserveInventory(ORDER_ID)).rejects.toBeInstanceOf(OutOfStock);
    orders.requireOrder.mockResolvedValue(anOrder({ status: 'REJECTED' }));
    await expect(reserveInventory(ORDER_ID)).rejects.toBeInstanceOf(InvalidOrderState);
    expect(counted()).toEqual(['CheckoutRejected']);
  });
});

test('time from checkout to AWAITING_PAYMENT, measured by the transition only (not by a retried wait)', async () => {
  const requestPayment = createRequestPayment({ orders, payments, metrics });
  payments.createPaymentIntent.mockResolvedValue({ id: 'pi_new', clientSecret: 'pi_new_secret_x', status: 'requires_payment_method' });
  const createdAt = new Date(Date.now() - 1500).toISOString();
  orders.updateOrder.mockResolvedValueOnce(anOrder({ status: 'PENDING', createdAt }));
  orders.transitionOrder.mockResolvedValue(anOrder());
  await requestPayment(ORDER_ID, 'tok-1');
  expect(metrics.recordDuration).toHaveBeenCalledTimes(1);
  const [name, milliseconds] = metrics.recordDuration.mock.calls[0];
  expect(name).toBe('CheckoutToAwaitingPaymentTime');
  expect(milliseconds).toBeGreaterThanOrEqual(1500);

  orders.updateOrder.mockResolvedValueOnce(anOrder({ status: 'AWAITING_PAYMENT', createdAt })).mockResolvedValueOnce(anOrder());
  await requestPayment(ORDER_ID, 'tok-2');
  expect(metrics.recordDuration).toHaveBeenCalledTimes(1);
});

describe('payments declined', () => {
  const handleStripeEvent = createHandleStripeEvent({ orders, payments, saga, flagOrderNeedsAttention, metrics });

  test('a payment_failed event recorded on a waiting order counts one decline', async () => {
    orders.getOrder.mockResolvedValue(anOrder());
    payments.currentPaymentState.mockResolvedValue({ status: 'requires_payment_method', lastError: { code: 'card_declined', declineCode: 'generic_decline', message: 'declined' } });
    orders.updateOrder.mockResolvedValue(anOrder());
    await handleStripeEvent(aPaymentIntentEvent('payment_intent.payment_failed') as never);
    expect(counted()).toEqual(['PaymentDeclined']);
  });

  test('a 3-D Secure step, a success, or a decline for an order no longer waiting count no decline', async () => {
    orders.getOrder.mockResolvedValue(anOrder());
    payments.currentPaymentState.mockResolvedValue({ status: 'requires_action' });
    saga.completePaymentWait.mockResolvedValue('DELIVERED');
    await handleStripeEvent(aPaymentIntentEvent('payment_intent.requires_action', { status: 'requires_action' }) as never);
    await handleStripeEvent(aPaymentIntentEvent('payment_intent.succeeded') as never);
    orders.getOrder.mockResolvedValue(anOrder({ status: 'CANCELED' }));
    await handleStripeEvent(aPaymentIntentEvent('payment_intent.payment_failed') as never);
    expect(counted()).toEqual([]);
  });
});

describe('orders expired, cancelled and rejected by the compensation', () => {
  const compensateOrder = createCompensateOrder({ orders, inventory, payments, flagOrderNeedsAttention, metrics });

  beforeEach(() => {
    orders.updateOrder.mockResolvedValue(anOrder({ status: 'AWAITING_PAYMENT' }));
    orders.transitionOrder.mockResolvedValue(anOrder());
    inventory.releaseStock.mockResolvedValue(true);
    payments.cancelPaymentIntent.mockResolvedValue({ result: 'CANCELED' });
  });

  test.each([
    [{ Error: 'States.Timeout' }, 'OrderExpired'],
    [{ Error: 'OrderCanceled' }, 'OrderCanceled'],
    [{ Error: 'Lambda.ServiceException' }, 'CheckoutRejected'],
  ])('%j counts %s', async (error, metric) => {
    if (metric === 'CheckoutRejected') orders.updateOrder.mockResolvedValue(anOrder({ status: 'PENDING' }));
    await compensateOrder(ORDER_ID, error);
    expect(counted()).toEqual([metric]);
  });

  test('a retried compensation whose transition is refused (already EXPIRED) counts nothing more', async () => {
    orders.transitionOrder.mockRejectedValue(new InvalidOrderState('refused', { from: 'EXPIRED', to: 'EXPIRED' }));
    await compensateOrder(ORDER_ID, { Error: 'States.Timeout' });
    expect(counted()).toEqual([]);
  });
});

describe('NEEDS_ATTENTION raised', () => {
  const report = { orderId: ORDER_ID, kind: 'POST_PAYMENT_STEP_FAILED' as const, step: 'FulfillOrder', error: 'Boom', reason: 'FulfillOrder failed' };

  test('by the transition into NEEDS_ATTENTION; a retry that finds it flagged and alerted counts nothing', async () => {
    orders.transitionOrder.mockResolvedValueOnce(anOrder({ status: 'NEEDS_ATTENTION' }));
    await flagOrderNeedsAttention(report);
    expect(counted()).toEqual(['NeedsAttentionRaised']);

    orders.transitionOrder.mockRejectedValue(new InvalidOrderState('refused', { from: 'NEEDS_ATTENTION', to: 'NEEDS_ATTENTION' }));
    orders.getOrder.mockResolvedValue(anOrder({ status: 'NEEDS_ATTENTION', attention: { kind: 'POST_PAYMENT_STEP_FAILED', at: 't', alertedAt: 't' } as never }));
    await flagOrderNeedsAttention(report);
    expect(counted()).toEqual(['NeedsAttentionRaised']);
  });

  test("again when an operator's resume failed (a new failure to report)", async () => {
    orders.transitionOrder.mockRejectedValue(new InvalidOrderState('refused', { from: 'NEEDS_ATTENTION', to: 'NEEDS_ATTENTION' }));
    orders.getOrder.mockResolvedValue(anOrder({ status: 'NEEDS_ATTENTION', attention: { kind: 'POST_PAYMENT_STEP_FAILED', at: 't', resumeRequestedAt: 't' } }));
    orders.updateOrder.mockResolvedValue(anOrder({ status: 'NEEDS_ATTENTION' }));
    await flagOrderNeedsAttention(report);
    expect(counted()).toEqual(['NeedsAttentionRaised']);
  });
});

describe('orders completed and the time from payment', () => {
  const fulfillOrder = createFulfillOrder({ orders, queues, metrics });
  const paidAt = () => new Date(Date.now() - 2000).toISOString();

  test('counted at the hand-off to fulfilment, with the time since the first PAID', async () => {
    orders.requireOrder.mockResolvedValue(anOrder({ status: 'PAID', history: [{ status: 'PAID', at: paidAt() }] }));
    await fulfillOrder(ORDER_ID);
    expect(counted()).toEqual(['OrderCompleted']);
    const [name, milliseconds] = metrics.recordDuration.mock.calls[0];
    expect(name).toBe('PaymentToCompletedTime');
    expect(milliseconds).toBeGreaterThanOrEqual(2000);
  });

  test('a hand-off that fails counts nothing', async () => {
    orders.requireOrder.mockResolvedValue(anOrder({ status: 'PAID', history: [{ status: 'PAID', at: paidAt() }] }));
    queues.sendFulfilmentRequest.mockRejectedValue(new Error('SQS down'));
    await expect(fulfillOrder(ORDER_ID)).rejects.toThrow('SQS down');
    expect(counted()).toEqual([]);
  });

  test.each([
    ['FulfillOrder', undefined, ['OrderCompleted']],
    ['MarkPaid', undefined, ['OrderCompleted']],
    ['CommitInventory', '2026-12-06T10:00:00.000Z', []],
    ['MarkCompleted', '2026-12-06T10:00:00.000Z', []],
  ])('resumed after %s failed: counted only if the hand-off was not made before (recorded: %s)', async (step, fulfilmentRequestedAt, expected) => {
    orders.requireOrder.mockResolvedValue(
      anOrder({ status: 'PAID', history: [{ status: 'PAID', at: paidAt() }], attention: { kind: 'POST_PAYMENT_STEP_FAILED', step, at: 't' }, fulfilmentRequestedAt }),
    );
    await fulfillOrder(ORDER_ID);
    expect(counted()).toEqual(expected);
  });
});
