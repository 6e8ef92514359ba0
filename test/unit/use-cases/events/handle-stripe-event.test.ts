/** What one verified Stripe event does to its order, with fakes of the adapters (the HTTP side: test/unit/handlers/stripe-webhook.test.ts). */
import { paymentErrorOf } from '../../../../src/adapters/payments';
import { logger } from '../../../../src/commons/logger';
import type { Order } from '../../../../src/domain/order';
import { createHandleStripeEvent, RetryLater } from '../../../../src/use-cases/events/handle-stripe-event';
import { aPaymentIntentEvent, anOrder, ORDER_ID } from '../../fixtures/orders';
import { fakeMetrics, fakeOrders, fakePayments, fakeSaga } from '../fakes';

logger.setLogLevel('SILENT');

const orders = fakeOrders();
const saga = fakeSaga();
const payments = { ...fakePayments(), paymentErrorOf };
const flagOrderNeedsAttention = jest.fn(async () => anOrder({ status: 'NEEDS_ATTENTION' }));
const handleStripeEvent = createHandleStripeEvent({ orders, payments, saga, flagOrderNeedsAttention, metrics: fakeMetrics() });

function event(type: string, intent: Record<string, unknown> = {}) {
  return aPaymentIntentEvent(type, intent, 'evt_1') as never;
}

beforeEach(() => {
  jest.clearAllMocks();
  orders.getOrder.mockResolvedValue(anOrder({ status: 'AWAITING_PAYMENT', taskToken: 'tok-1' }));
  orders.updateOrder.mockResolvedValue(anOrder());
  saga.completePaymentWait.mockResolvedValue('DELIVERED');
  saga.failPaymentWait.mockResolvedValue('DELIVERED');
});

test('a success resumes the saga with what Stripe reported, once, through the stored token', async () => {
  await expect(handleStripeEvent(event('payment_intent.succeeded'))).resolves.toEqual({ action: 'RESUME_SAGA' });
  expect(saga.completePaymentWait).toHaveBeenCalledWith('tok-1', { paymentIntentId: 'pi_current', status: 'succeeded', amountReceived: 3000, currency: 'usd', eventId: 'evt_1' });
  expect(orders.getOrder).toHaveBeenCalledTimes(1);
});

test('a success whose wait had already closed (the window expired meanwhile): the order as it is now decides, e.g. flagged as paid after compensation', async () => {
  saga.completePaymentWait.mockResolvedValue('WAIT_CLOSED');
  orders.getOrder.mockResolvedValueOnce(anOrder({ status: 'AWAITING_PAYMENT', taskToken: 'tok-1' })).mockResolvedValueOnce(anOrder({ status: 'EXPIRED' }));
  await expect(handleStripeEvent(event('payment_intent.succeeded'))).resolves.toMatchObject({ action: 'FLAG_NEEDS_ATTENTION' });
  expect(flagOrderNeedsAttention).toHaveBeenCalledWith({
    orderId: ORDER_ID,
    kind: 'PAID_AFTER_COMPENSATION',
    step: 'stripeWebhook',
    error: 'payment_intent.succeeded',
    reason: expect.stringContaining('EXPIRED'),
    paymentIntentId: 'pi_current',
    paymentStatus: 'succeeded',
  });
});

test('a success whose wait closed because the wait is being retried after its work: resumed with the retried wait\'s new token', async () => {
  saga.completePaymentWait.mockResolvedValueOnce('WAIT_CLOSED').mockResolvedValueOnce('DELIVERED');
  orders.getOrder.mockResolvedValueOnce(anOrder({ status: 'AWAITING_PAYMENT', taskToken: 'tok-1' })).mockResolvedValueOnce(anOrder({ status: 'AWAITING_PAYMENT', taskToken: 'tok-2' }));
  await expect(handleStripeEvent(event('payment_intent.succeeded'))).resolves.toEqual({ action: 'RESUME_SAGA' });
  expect(saga.completePaymentWait.mock.calls.map(([token]) => token)).toEqual(['tok-1', 'tok-2']);
});

test('a success whose wait closed while the order still awaits payment with that token: retried later (5xx), not ignored', async () => {
  saga.completePaymentWait.mockResolvedValue('WAIT_CLOSED');
  orders.getOrder.mockResolvedValue(anOrder({ status: 'AWAITING_PAYMENT', taskToken: 'tok-1' }));
  await expect(handleStripeEvent(event('payment_intent.succeeded'))).rejects.toThrow(RetryLater);
});

test('a decline records the PaymentIntent\'s current status and error (events come in any order), never over a success', async () => {
  payments.currentPaymentState.mockResolvedValue({ status: 'requires_payment_method', lastError: { code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' } });
  const outcome = await handleStripeEvent(event('payment_intent.payment_failed'));
  expect(outcome).toEqual({ action: 'RECORD_DECLINE', detail: 'insufficient_funds' });
  expect(payments.currentPaymentState).toHaveBeenCalledWith('pi_current');
  expect(orders.updateOrder).toHaveBeenCalledWith(
    ORDER_ID,
    { set: { 'payment.status': 'requires_payment_method', 'payment.lastError': { code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.', at: expect.any(String) } } },
    ['PENDING', 'AWAITING_PAYMENT'],
    { paymentStatusNotIn: ['succeeded'] },
  );
});

test('a decline whose intent no longer carries an error records the event\'s error; a 3-D Secure step records none', async () => {
  payments.currentPaymentState.mockResolvedValue({ status: 'requires_payment_method' });
  const declined = await handleStripeEvent(event('payment_intent.payment_failed', { last_payment_error: { code: 'card_declined', message: 'Declined' } }));
  expect(declined).toEqual({ action: 'RECORD_DECLINE', detail: 'card_declined' });
  expect(orders.updateOrder.mock.calls[0][1]).toEqual({ set: { 'payment.status': 'requires_payment_method', 'payment.lastError': { code: 'card_declined', message: 'Declined', at: expect.any(String) } } });

  payments.currentPaymentState.mockResolvedValue({ status: 'requires_action' });
  const action = await handleStripeEvent(event('payment_intent.requires_action', { status: 'requires_action', last_payment_error: { code: 'old' } }));
  expect(action).toEqual({ action: 'RECORD_ACTION_REQUIRED', detail: 'requires_action' });
  expect(orders.updateOrder.mock.calls[1][1]).toEqual({ set: { 'payment.status': 'requires_action' } });
});

test('a cancelled PaymentIntent fails the payment wait with PaymentCanceled', async () => {
  await expect(handleStripeEvent(event('payment_intent.canceled', { status: 'canceled' }))).resolves.toEqual({ action: 'FAIL_PAYMENT_WAIT', detail: 'PaymentCanceled' });
  expect(saga.failPaymentWait).toHaveBeenCalledWith('tok-1', 'PaymentCanceled', expect.any(String));
});

test('no token stored yet: RetryLater, so that the webhook answers 5xx and Stripe delivers again', async () => {
  orders.getOrder.mockResolvedValue(anOrder({ status: 'AWAITING_PAYMENT', taskToken: undefined }));
  const thrown = await handleStripeEvent(event('payment_intent.succeeded')).catch((error) => error);
  expect(thrown).toBeInstanceOf(RetryLater);
  expect(thrown.name).toBe('RetryLater');
  expect(saga.completePaymentWait).not.toHaveBeenCalled();
});

test.each([
  ['an event that is not about a PaymentIntent', { ...(event('payment_intent.succeeded') as object), type: 'charge.succeeded' } as never],
  ['a PaymentIntent of another shop (no order id)', event('payment_intent.succeeded', { metadata: {} })],
  ['a PaymentIntent without metadata at all', event('payment_intent.succeeded', { metadata: undefined })],
])('%s is ignored without reading any order', async (_, given) => {
  await expect(handleStripeEvent(given)).resolves.toEqual({ action: 'IGNORE', detail: 'not a PaymentIntent event of this shop' });
  expect(orders.getOrder).not.toHaveBeenCalled();
});

test('an order already closed: ignored with the reason, nothing written', async () => {
  orders.getOrder.mockResolvedValue(anOrder({ status: 'COMPLETED' }) as Order);
  await expect(handleStripeEvent(event('payment_intent.payment_failed'))).resolves.toMatchObject({ action: 'IGNORE', detail: expect.stringContaining('COMPLETED') });
  expect(orders.updateOrder).not.toHaveBeenCalled();
});
