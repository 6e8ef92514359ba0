/**
 * The webhook endpoint with the real use case and Powertools' dedupe over fakes of the adapters
 * (passed in, not mocked by module path) and an in-memory idempotency store.
 */
import Stripe from 'stripe';
import { expectError, httpEvent, invoke, JSON_HEADERS } from './events';
import { InMemoryPersistenceLayer } from '../fixtures/in-memory-idempotency';
import { createStripeWebhookHandler } from '../../../functions/stripe-webhook/handler';
import { paymentErrorOf } from '../../../src/adapters/payments';
import { requireSecret } from '../../../src/adapters/secrets';
import type { Order } from '../../../src/domain/order';
import { createHandleStripeEvent } from '../../../src/use-cases/events/handle-stripe-event';
import type { OpsAlertsPort, OrdersPort, PaymentsPort, SagaPort } from '../../../src/use-cases/ports';
import { createFlagOrderNeedsAttention } from '../../../src/use-cases/saga/flag-needs-attention';
import { aPaymentIntentEvent, anOrder } from '../fixtures/orders';
import { fakeMetrics } from '../use-cases/fakes';

const orders = {
  getOrder: jest.fn() as jest.MockedFunction<OrdersPort['getOrder']>,
  updateOrder: jest.fn() as jest.MockedFunction<OrdersPort['updateOrder']>,
  transitionOrder: jest.fn() as jest.MockedFunction<OrdersPort['transitionOrder']>,
};
const saga = {
  completePaymentWait: jest.fn() as jest.MockedFunction<SagaPort['completePaymentWait']>,
  failPaymentWait: jest.fn() as jest.MockedFunction<SagaPort['failPaymentWait']>,
};
const opsAlerts = { publishOpsAlert: jest.fn() as jest.MockedFunction<OpsAlertsPort['publishOpsAlert']> };
const payments = { currentPaymentState: jest.fn() as jest.MockedFunction<PaymentsPort['currentPaymentState']>, paymentErrorOf };
// The real use case, wrapped so the tests can tell whether the handler reached it.
const useCase = jest.fn(
  createHandleStripeEvent({ orders, payments, saga, flagOrderNeedsAttention: createFlagOrderNeedsAttention({ orders, opsAlerts, metrics: fakeMetrics() }), metrics: fakeMetrics() }),
);
const handler = createStripeWebhookHandler({
  handleStripeEvent: useCase,
  persistenceStore: new InMemoryPersistenceLayer(),
  webhookSecret: () => requireSecret('stripeWebhookSecret'),
});

const SECRET = 'whsec_unit_test_secret';

const getOrderMock = orders.getOrder;
const updateOrderMock = orders.updateOrder;
const completeMock = saga.completePaymentWait;
const failMock = saga.failPaymentWait;

let eventCounter = 0;

function stripeEvent(type = 'payment_intent.succeeded', intent: Record<string, unknown> = {}) {
  eventCounter += 1;
  return aPaymentIntentEvent(type, intent, `evt_unit_${eventCounter}`);
}

function signed(payload: string, options: { timestamp?: number; secret?: string } = {}) {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? SECRET,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
}

function delivery(payload: string, signature: string | undefined, base64 = false) {
  return httpEvent({
    method: 'POST',
    path: '/webhooks/stripe',
    headers: { ...JSON_HEADERS, ...(signature === undefined ? {} : { 'Stripe-Signature': signature }) },
    body: payload,
    base64,
  });
}

beforeEach(() => {
  jest.clearAllMocks();
  InMemoryPersistenceLayer.reset();
  process.env.STRIPE_WEBHOOK_SECRET = SECRET;
  delete process.env.STRIPE_WEBHOOK_SECRET_PARAMETER;
  getOrderMock.mockResolvedValue(anOrder({ status: 'AWAITING_PAYMENT', taskToken: 'tok-1' }));
  updateOrderMock.mockImplementation(async () => anOrder() as Order);
  completeMock.mockResolvedValue('DELIVERED');
  failMock.mockResolvedValue('DELIVERED');
});

afterAll(() => {
  delete process.env.STRIPE_WEBHOOK_SECRET;
});

describe('stripeWebhook: signature', () => {
  function expectRejected(response: Awaited<ReturnType<typeof invoke>>) {
    expectError(response, 400, 'INVALID_SIGNATURE');
    expect(useCase).not.toHaveBeenCalled();
    expect(getOrderMock).not.toHaveBeenCalled();
    expect(completeMock).not.toHaveBeenCalled();
    expect(InMemoryPersistenceLayer.records.size).toBe(0);
  }

  test('no Stripe-Signature header -> 400', async () => {
    expectRejected(await invoke(handler, delivery(JSON.stringify(stripeEvent()), undefined)));
  });

  test('a signature made with another secret -> 400', async () => {
    const payload = JSON.stringify(stripeEvent());
    expectRejected(await invoke(handler, delivery(payload, signed(payload, { secret: 'whsec_attacker' }))));
  });

  test('garbage in the header -> 400', async () => {
    const payload = JSON.stringify(stripeEvent());
    expectRejected(await invoke(handler, delivery(payload, 't=123,v1=deadbeef')));
    expectRejected(await invoke(handler, delivery(payload, 'not a signature')));
  });

  test('only a v0= signature (the legacy scheme), even one that is a valid HMAC of the body -> 400: only v1 is verified', async () => {
    const payload = JSON.stringify(stripeEvent());
    const v1 = signed(payload);
    expectRejected(await invoke(handler, delivery(payload, v1.replace('v1=', 'v0='))));
    expectRejected(await invoke(handler, delivery(payload, `${v1.split(',')[0]},v0=deadbeef`)));
  });

  test('a stale signature (older than the 5-minute tolerance) -> 400', async () => {
    const payload = JSON.stringify(stripeEvent());
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    expectRejected(await invoke(handler, delivery(payload, signed(payload, { timestamp: tenMinutesAgo }))));
  });

  test('a tampered body (amount changed after signing) -> 400', async () => {
    const payload = JSON.stringify(stripeEvent());
    const signature = signed(payload);
    const tampered = payload.replace('"amount_received":3000', '"amount_received":1');
    expect(tampered).not.toBe(payload);
    expectRejected(await invoke(handler, delivery(tampered, signature)));
  });

  test('a re-serialised body (same JSON, other bytes) -> 400: the signature covers the raw bytes', async () => {
    const payload = JSON.stringify(stripeEvent());
    const signature = signed(payload);
    expectRejected(await invoke(handler, delivery(JSON.stringify(JSON.parse(payload), null, 2), signature)));
  });

  test('a signature over the base64 text rather than the decoded body -> 400', async () => {
    const payload = JSON.stringify(stripeEvent());
    const base64 = Buffer.from(payload).toString('base64');
    expectRejected(await invoke(handler, delivery(payload, signed(base64), true)));
  });

  test('signed JSON that is not an event (null, array, number, no id/type/data) -> 400 INVALID_EVENT, not a 500', async () => {
    // Found by the reliability suite (scenario 3): a signed `null` crashed the use case with a TypeError.
    for (const payload of ['null', '[]', '42', '"x"', '{}', '{"id":"evt_1"}', '{"id":"evt_2","type":"payment_intent.succeeded"}']) {
      const response = await invoke(handler, delivery(payload, signed(payload)));
      expectError(response, 400, 'INVALID_EVENT');
    }
    expect(useCase).not.toHaveBeenCalled();
    expect(InMemoryPersistenceLayer.records.size).toBe(0);
  });

  test('a valid signature reaches the use case -> 200 with the action taken', async () => {
    const event = stripeEvent();
    const payload = JSON.stringify(event);
    const response = await invoke(handler, delivery(payload, signed(payload)));
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ received: true, eventId: event.id, action: 'RESUME_SAGA' });
    expect(useCase).toHaveBeenCalledTimes(1);
    expect(useCase.mock.calls[0][0]).toMatchObject({ id: event.id, type: 'payment_intent.succeeded' });
    expect(completeMock).toHaveBeenCalledWith('tok-1', expect.objectContaining({ paymentIntentId: 'pi_current', eventId: event.id }));
  });

  test('a base64-encoded body verifies against the decoded bytes', async () => {
    const payload = JSON.stringify(stripeEvent());
    const response = await invoke(handler, delivery(payload, signed(payload), true));
    expect(response.statusCode).toBe(200);
    expect(useCase).toHaveBeenCalledTimes(1);
  });

  test('a body over 512 KiB -> 413 before anything else', async () => {
    const event = stripeEvent('payment_intent.succeeded', { description: 'x'.repeat(600 * 1024) });
    const payload = JSON.stringify(event);
    const response = await invoke(handler, delivery(payload, signed(payload)));
    expectError(response, 413, 'BODY_TOO_LARGE');
    expect(useCase).not.toHaveBeenCalled();
  });

  test('no webhook secret configured -> the event is not processed', async () => {
    delete process.env.STRIPE_WEBHOOK_SECRET;
    const payload = JSON.stringify(stripeEvent());
    const response = await invoke(handler, delivery(payload, signed(payload)));
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(useCase).not.toHaveBeenCalled();
  });

  // Regression (fixed): a missing secret (or an SSM outage) was answered 400 INVALID_SIGNATURE,
  // blaming Stripe for our own fault and keeping 5xx alarms silent.
  test('no webhook secret configured is our fault: 500, not 400 INVALID_SIGNATURE', async () => {
    delete process.env.STRIPE_WEBHOOK_SECRET;
    const payload = JSON.stringify(stripeEvent());
    expectError(await invoke(handler, delivery(payload, signed(payload))), 500, 'INTERNAL_ERROR');
  });
});

describe('stripeWebhook: outcomes', () => {
  async function deliver(event: ReturnType<typeof stripeEvent>) {
    const payload = JSON.stringify(event);
    return invoke(handler, delivery(payload, signed(payload)));
  }

  test('token not stored yet -> 503 RETRY_LATER so Stripe delivers again; no record kept', async () => {
    getOrderMock.mockResolvedValue(anOrder({ status: 'AWAITING_PAYMENT', taskToken: undefined }));
    const event = stripeEvent();
    const response = await deliver(event);
    expectError(response, 503, 'RETRY_LATER');
    expect(completeMock).not.toHaveBeenCalled();
    expect(InMemoryPersistenceLayer.records.size).toBe(0);

    // Stripe's retry, once the token is stored, is processed (not answered from a record).
    getOrderMock.mockResolvedValue(anOrder({ status: 'AWAITING_PAYMENT', taskToken: 'tok-2' }));
    const retried = await deliver(event);
    expect(retried.statusCode).toBe(200);
    expect(retried.body.action).toBe('RESUME_SAGA');
    expect(completeMock).toHaveBeenCalledWith('tok-2', expect.anything());
  });

  test('a repeated delivery of the same event answers the first outcome and does nothing twice', async () => {
    const event = stripeEvent();
    const first = await deliver(event);
    const second = await deliver(event);
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(useCase).toHaveBeenCalledTimes(1);
    expect(completeMock).toHaveBeenCalledTimes(1);
  });

  test('the same event while its first delivery is still being processed -> 409 EVENT_IN_PROGRESS', async () => {
    let release!: () => void;
    completeMock.mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve('DELIVERED'))));
    const event = stripeEvent();
    const first = deliver(event);
    for (let turn = 0; turn < 100 && completeMock.mock.calls.length === 0; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(completeMock).toHaveBeenCalledTimes(1);

    expectError(await deliver(event), 409, 'EVENT_IN_PROGRESS');

    release();
    expect((await first).statusCode).toBe(200);
    expect(useCase).toHaveBeenCalledTimes(1);
  });

  test('an event of another type is acknowledged and ignored', async () => {
    const response = await deliver({ ...stripeEvent(), type: 'charge.succeeded' });
    expect(response.statusCode).toBe(200);
    expect(response.body.action).toBe('IGNORE');
    expect(getOrderMock).not.toHaveBeenCalled();
  });

  test.each(['payment_intent.created', 'charge.succeeded', 'charge.failed'])(
    '%s (not acted on) costs no DynamoDB call: no dedupe record, no order read',
    async (type) => {
      const response = await deliver({ ...stripeEvent(), type });
      expect(response.statusCode).toBe(200);
      expect(response.body.action).toBe('IGNORE');
      expect(InMemoryPersistenceLayer.records.size).toBe(0);
      expect(getOrderMock).not.toHaveBeenCalled();
      expect(updateOrderMock).not.toHaveBeenCalled();
    },
  );

  test('a success resumes the saga without writing the order first (MarkPaid records payment.status)', async () => {
    const response = await deliver(stripeEvent());
    expect(response.body.action).toBe('RESUME_SAGA');
    expect(completeMock).toHaveBeenCalledTimes(1);
    expect(updateOrderMock).not.toHaveBeenCalled();
  });

  test('a PaymentIntent without an order id in its metadata is acknowledged and ignored', async () => {
    const response = await deliver(stripeEvent('payment_intent.succeeded', { metadata: {} }));
    expect(response.statusCode).toBe(200);
    expect(response.body.action).toBe('IGNORE');
    expect(getOrderMock).not.toHaveBeenCalled();
  });

  test('a cancelled PaymentIntent fails the payment wait -> 200 FAIL_PAYMENT_WAIT', async () => {
    const response = await deliver(stripeEvent('payment_intent.canceled', { status: 'canceled' }));
    expect(response.statusCode).toBe(200);
    expect(response.body.action).toBe('FAIL_PAYMENT_WAIT');
    expect(failMock).toHaveBeenCalledWith('tok-1', 'PaymentCanceled', 'PaymentIntent was canceled in Stripe');
  });

  test('a failing dependency -> generic 500 (Stripe retries), no record kept', async () => {
    completeMock.mockRejectedValueOnce(new Error('ServiceUnavailable arn:aws:states:eu-west-1:123:stateMachine:prod'));
    const response = await deliver(stripeEvent());
    expectError(response, 500, 'INTERNAL_ERROR');
    expect(response.raw).not.toContain('arn:aws');
    expect(InMemoryPersistenceLayer.records.size).toBe(0);
  });

  // Regression (fixed): a mismatched amount before the token was stored failed the wait with an
  // undefined token instead of answering 503.
  test('a mismatched payment before the token is stored -> 503 RETRY_LATER, no callback with an undefined token', async () => {
    getOrderMock.mockResolvedValue(anOrder({ status: 'AWAITING_PAYMENT', taskToken: undefined }));
    failMock.mockImplementation(async (token) => {
      if (!token) throw new Error('ValidationException: taskToken must not be null');
      return 'DELIVERED';
    });
    const response = await deliver(stripeEvent('payment_intent.succeeded', { amount_received: 1 }));
    expect(failMock).not.toHaveBeenCalled();
    expectError(response, 503, 'RETRY_LATER');
  });
});
