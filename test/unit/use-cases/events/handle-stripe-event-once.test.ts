/**
 * The dedupe the webhook and the reconciler share: one record per Stripe event id in the
 * idempotency table, whichever function saw the event first. On AWS each function has its own
 * AWS_LAMBDA_FUNCTION_NAME, which Powertools puts in the record's key by default: with that prefix
 * the reconciler would not see the webhook's records (and handle every event a second time).
 */
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { InMemoryPersistenceLayer } from '../../fixtures/in-memory-idempotency';
import { aPaymentIntentEvent } from '../../fixtures/orders';
import type { StripeEvent } from '../../../../src/adapters/payments';
import { createHandleStripeEventOnce, STRIPE_EVENT_DEDUPE_PREFIX } from '../../../../src/use-cases/events/handle-stripe-event-once';
import { RetryLater, type WebhookOutcome } from '../../../../src/use-cases/events/handle-stripe-event';

/** A persistence store built as `functionName`'s cold start would build it. */
function storeOf(functionName: string): InMemoryPersistenceLayer {
  const before = process.env.AWS_LAMBDA_FUNCTION_NAME;
  process.env.AWS_LAMBDA_FUNCTION_NAME = functionName;
  try {
    return new InMemoryPersistenceLayer();
  } finally {
    if (before === undefined) delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    else process.env.AWS_LAMBDA_FUNCTION_NAME = before;
  }
}

const resumed: WebhookOutcome = { action: 'RESUME_SAGA' };

const stripeEvent = (id: string, intent: Record<string, unknown> = {}) => aPaymentIntentEvent('payment_intent.succeeded', intent, id) as unknown as StripeEvent;

beforeEach(() => InMemoryPersistenceLayer.reset());

it('one event seen by the webhook and by the reconciler (two functions) is handled once; the second gets the first outcome', async () => {
  const handleStripeEvent = jest.fn().mockResolvedValue(resumed);
  const webhook = createHandleStripeEventOnce({ handleStripeEvent, persistenceStore: storeOf('checkout-saga-prod-stripeWebhook') });
  const reconciler = createHandleStripeEventOnce({ handleStripeEvent, persistenceStore: storeOf('checkout-saga-prod-reconcilePayments') });
  const event = stripeEvent('evt_seen_twice');

  await expect(webhook(event)).resolves.toEqual({ outcome: resumed, firstTime: true });
  await expect(reconciler(event)).resolves.toEqual({ outcome: resumed, firstTime: false });
  await expect(webhook(event)).resolves.toEqual({ outcome: resumed, firstTime: false });
  expect(handleStripeEvent).toHaveBeenCalledTimes(1);
  expect([...InMemoryPersistenceLayer.records.keys()]).toEqual([expect.stringMatching(new RegExp(`^${STRIPE_EVENT_DEDUPE_PREFIX}#`))]);
});

it('the record is keyed on the event id only: another event is handled, the same id with other content is not', async () => {
  const handleStripeEvent = jest.fn().mockResolvedValue(resumed);
  const once = createHandleStripeEventOnce({ handleStripeEvent, persistenceStore: storeOf('any') });
  await once(stripeEvent('evt_a'));
  await once(stripeEvent('evt_b'));
  await once(stripeEvent('evt_a', { amount: 1 }));
  expect(handleStripeEvent.mock.calls.map(([event]) => (event as StripeEvent).id)).toEqual(['evt_a', 'evt_b']);
});

it('a deferred event (RetryLater) leaves no record: the next sighting handles it', async () => {
  const handleStripeEvent = jest.fn().mockRejectedValueOnce(new RetryLater('payment wait has not stored its token yet')).mockResolvedValue(resumed);
  const once = createHandleStripeEventOnce({ handleStripeEvent, persistenceStore: storeOf('any') });
  const event = stripeEvent('evt_deferred');
  await expect(once(event)).rejects.toBeInstanceOf(RetryLater);
  await expect(once(event)).resolves.toEqual({ outcome: resumed, firstTime: true });
  expect(handleStripeEvent).toHaveBeenCalledTimes(2);
});

it('an event being handled elsewhere right now is refused with IdempotencyAlreadyInProgressError', async () => {
  let finish!: () => void;
  const handleStripeEvent = jest.fn(() => new Promise<WebhookOutcome>((resolve) => (finish = () => resolve(resumed))));
  const webhook = createHandleStripeEventOnce({ handleStripeEvent, persistenceStore: storeOf('checkout-saga-prod-stripeWebhook') });
  const reconciler = createHandleStripeEventOnce({ handleStripeEvent, persistenceStore: storeOf('checkout-saga-prod-reconcilePayments') });
  const event = stripeEvent('evt_racing');
  const first = webhook(event);
  await new Promise((resolve) => setImmediate(resolve));
  await expect(reconciler(event)).rejects.toBeInstanceOf(IdempotencyAlreadyInProgressError);
  finish();
  await expect(first).resolves.toEqual({ outcome: resumed, firstTime: true });
  expect(handleStripeEvent).toHaveBeenCalledTimes(1);
});
