/**
 * The reconciler with fakes of Stripe's events API and of the order, saga and ops adapters, through
 * the real webhook path (handle-stripe-event + its dedupe on an in-memory idempotency store).
 */
import type { Context } from 'aws-lambda';
import { paymentErrorOf, type StripeEvent } from '../../../../src/adapters/payments';
import { logger } from '../../../../src/commons/logger';
import { HANDLED_EVENT_TYPES } from '../../../../src/domain/webhook-decision';
import { createHandleStripeEvent, type HandleStripeEvent } from '../../../../src/use-cases/events/handle-stripe-event';
import { createHandleStripeEventOnce } from '../../../../src/use-cases/events/handle-stripe-event-once';
import { createReconcilePayments, ReconciliationIncomplete, STOP_WHEN_REMAINING_MS } from '../../../../src/use-cases/events/reconcile-payments';
import { InMemoryPersistenceLayer } from '../../fixtures/in-memory-idempotency';
import { aPaymentIntentEvent, anOrder } from '../../fixtures/orders';
import { fakeMetrics, fakeOrders, fakePayments, fakeSaga } from '../fakes';

logger.setLogLevel('SILENT');

const NOW_MS = Date.UTC(2030, 0, 1, 12, 0, 0);
const NOW_S = NOW_MS / 1000;
const LOOK_BACK_S = 1500;

const orders = fakeOrders();
const saga = fakeSaga();
const payments = { ...fakePayments(), paymentErrorOf };
const flagOrderNeedsAttention = jest.fn(async () => anOrder({ status: 'NEEDS_ATTENTION' }));

/** Stripe's events API over `stored`: created >= since and of the asked types, newest first. */
let stored: StripeEvent[] = [];
const listCalls: Array<{ since: number; types: readonly string[] }> = [];
const eventsApi = {
  async *eventsCreatedSince(since: number, types: readonly string[]) {
    listCalls.push({ since, types });
    const matching = stored.filter((event) => event.created >= since && types.includes(event.type));
    yield* [...matching].sort((a, b) => b.created - a.created);
  },
};

function anEvent(id: string, type: string, createdAgoSeconds: number, intent: Record<string, unknown> = {}): StripeEvent {
  return { ...aPaymentIntentEvent(type, intent, id), created: NOW_S - createdAgoSeconds } as unknown as StripeEvent;
}

/** The use case, with one dedupe store standing for the idempotency table; `persistence` as another function builds it. */
function reconcilerWith(handleStripeEvent: HandleStripeEvent = createHandleStripeEvent({ orders, payments, saga, flagOrderNeedsAttention, metrics: fakeMetrics() })) {
  const handleStripeEventOnce = createHandleStripeEventOnce({ handleStripeEvent, persistenceStore: new InMemoryPersistenceLayer() });
  return {
    reconcilePayments: createReconcilePayments({ payments: eventsApi, handleStripeEventOnce, lookBackSeconds: () => LOOK_BACK_S, now: () => NOW_MS }),
    handleStripeEventOnce,
  };
}

function contextWithRemaining(ms: () => number): Context {
  return { getRemainingTimeInMillis: ms } as unknown as Context;
}

beforeEach(() => {
  jest.clearAllMocks();
  InMemoryPersistenceLayer.reset();
  stored = [];
  listCalls.length = 0;
  orders.getOrder.mockResolvedValue(anOrder({ status: 'AWAITING_PAYMENT', taskToken: 'tok-1' }));
  orders.updateOrder.mockResolvedValue(anOrder());
  saga.completePaymentWait.mockResolvedValue('DELIVERED');
  payments.currentPaymentState.mockResolvedValue({ status: 'requires_payment_method' });
});

test('lists the handled event types created within the look-back', async () => {
  const { reconcilePayments } = reconcilerWith();
  const report = await reconcilePayments();
  expect(listCalls).toEqual([{ since: NOW_S - LOOK_BACK_S, types: HANDLED_EVENT_TYPES }]);
  expect(report).toMatchObject({ since: new Date((NOW_S - LOOK_BACK_S) * 1000).toISOString(), listed: 0, caughtUp: 0 });
});

test('a paid order whose webhooks were all lost: the success resumes the saga once; later runs and the late webhook do nothing more', async () => {
  stored = [anEvent('evt_declined', 'payment_intent.payment_failed', 120), anEvent('evt_paid', 'payment_intent.succeeded', 60)];
  const { reconcilePayments, handleStripeEventOnce } = reconcilerWith();

  const first = await reconcilePayments();
  expect(first).toMatchObject({ listed: 2, caughtUp: 2, alreadyHandled: 0, actions: { RECORD_DECLINE: 1, RESUME_SAGA: 1 } });
  // Oldest first: the decline was recorded before the success resumed the saga.
  expect(orders.updateOrder.mock.invocationCallOrder[0]).toBeLessThan(saga.completePaymentWait.mock.invocationCallOrder[0]);
  expect(saga.completePaymentWait).toHaveBeenCalledTimes(1);
  expect(saga.completePaymentWait).toHaveBeenCalledWith('tok-1', expect.objectContaining({ eventId: 'evt_paid', paymentIntentId: 'pi_current' }));

  const second = await reconcilePayments();
  expect(second).toMatchObject({ listed: 2, caughtUp: 0, alreadyHandled: 2 });
  // The webhook comes back and delivers the success late: its dedupe record is the reconciler's.
  await expect(handleStripeEventOnce(stored[1])).resolves.toEqual({ outcome: { action: 'RESUME_SAGA' }, firstTime: false });
  expect(saga.completePaymentWait).toHaveBeenCalledTimes(1);
  expect(orders.updateOrder).toHaveBeenCalledTimes(1);
});

test('an event the webhook already handled is not handled again', async () => {
  stored = [anEvent('evt_delivered', 'payment_intent.succeeded', 30)];
  const { reconcilePayments, handleStripeEventOnce } = reconcilerWith();
  await handleStripeEventOnce(stored[0]); // the webhook
  await expect(reconcilePayments()).resolves.toMatchObject({ listed: 1, caughtUp: 0, alreadyHandled: 1 });
  expect(saga.completePaymentWait).toHaveBeenCalledTimes(1);
});

test('events older than the look-back are not listed', async () => {
  stored = [anEvent('evt_old', 'payment_intent.succeeded', LOOK_BACK_S + 1), anEvent('evt_edge', 'payment_intent.succeeded', LOOK_BACK_S)];
  const { reconcilePayments } = reconcilerWith();
  await expect(reconcilePayments()).resolves.toMatchObject({ listed: 1, caughtUp: 1 });
  expect(saga.completePaymentWait).toHaveBeenCalledWith('tok-1', expect.objectContaining({ eventId: 'evt_edge' }));
});

test('a success before the payment wait stored its token is deferred (no record) and handled by the next run', async () => {
  stored = [anEvent('evt_early', 'payment_intent.succeeded', 10)];
  orders.getOrder.mockResolvedValueOnce(anOrder({ status: 'AWAITING_PAYMENT', taskToken: undefined }));
  const { reconcilePayments } = reconcilerWith();
  await expect(reconcilePayments()).resolves.toMatchObject({ listed: 1, caughtUp: 0, deferred: 1 });
  expect(saga.completePaymentWait).not.toHaveBeenCalled();
  await expect(reconcilePayments()).resolves.toMatchObject({ caughtUp: 1, deferred: 0, actions: { RESUME_SAGA: 1 } });
  expect(saga.completePaymentWait).toHaveBeenCalledTimes(1);
});

test('an event being handled elsewhere right now is counted in progress and left alone', async () => {
  stored = [anEvent('evt_busy', 'payment_intent.succeeded', 5)];
  let finish!: () => void;
  const slow = jest.fn(() => new Promise<{ action: 'RESUME_SAGA' }>((resolve) => (finish = () => resolve({ action: 'RESUME_SAGA' }))));
  const { reconcilePayments, handleStripeEventOnce } = reconcilerWith(slow);
  const webhook = handleStripeEventOnce(stored[0]);
  await new Promise((resolve) => setImmediate(resolve));
  await expect(reconcilePayments()).resolves.toMatchObject({ listed: 1, caughtUp: 0, inProgress: 1 });
  finish();
  await webhook;
  expect(slow).toHaveBeenCalledTimes(1);
});

test('a failing event does not stop the others; the run then fails (visible) and the next run retries only it', async () => {
  stored = [anEvent('evt_a', 'payment_intent.succeeded', 90), anEvent('evt_b', 'payment_intent.succeeded', 60)];
  saga.completePaymentWait.mockRejectedValueOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
  const { reconcilePayments } = reconcilerWith();
  await expect(reconcilePayments()).rejects.toBeInstanceOf(ReconciliationIncomplete);
  expect(saga.completePaymentWait.mock.calls.map(([, output]) => (output as { eventId: string }).eventId)).toEqual(['evt_a', 'evt_b']);
  await expect(reconcilePayments()).resolves.toMatchObject({ caughtUp: 1, alreadyHandled: 1, failed: 0 });
  expect(saga.completePaymentWait.mock.calls.map(([, output]) => (output as { eventId: string }).eventId)).toEqual(['evt_a', 'evt_b', 'evt_a']);
});

test('stops before the invocation runs out of time and leaves the rest to the next run', async () => {
  stored = [anEvent('evt_1', 'payment_intent.succeeded', 30), anEvent('evt_2', 'payment_intent.canceled', 20), anEvent('evt_3', 'payment_intent.requires_action', 10)];
  let remaining = 60_000;
  const { reconcilePayments } = reconcilerWith(
    jest.fn(async () => {
      remaining = STOP_WHEN_REMAINING_MS - 1; // the first event took almost all the time left
      return { action: 'IGNORE' as const };
    }),
  );
  await expect(reconcilePayments(contextWithRemaining(() => remaining))).resolves.toMatchObject({ listed: 3, caughtUp: 1, leftForNextRun: 2 });
});
