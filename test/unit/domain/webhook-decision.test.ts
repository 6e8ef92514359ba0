import type { Order } from '../../../src/domain/order';
import { ORDER_STATUSES, type OrderStatus } from '../../../src/domain/order-status';
import {
  amountMatches,
  decideAfterClosedWait,
  decideWebhookAction,
  HANDLED_EVENT_TYPES,
  type PaymentIntentFacts,
  type WebhookDecision,
} from '../../../src/domain/webhook-decision';
import { anOrder } from '../fixtures/orders';

function facts(overrides: Partial<PaymentIntentFacts> = {}): PaymentIntentFacts {
  return {
    eventType: 'payment_intent.succeeded',
    paymentIntentId: 'pi_current',
    amount: 3000,
    amountReceived: 3000,
    currency: 'usd',
    status: 'succeeded',
    ...overrides,
  };
}

type Action = WebhookDecision['action'];

/*
 * Event type x order status -> action, with the order's current PaymentIntent, the right amount and
 * the task token stored. Written out by hand.
 */
const TABLE: Record<string, Record<OrderStatus, Action>> = {
  'payment_intent.succeeded': {
    PENDING: 'RESUME_SAGA',
    AWAITING_PAYMENT: 'RESUME_SAGA',
    PAID: 'IGNORE',
    COMPLETED: 'IGNORE',
    NEEDS_ATTENTION: 'IGNORE',
    REJECTED: 'FLAG_NEEDS_ATTENTION',
    CANCELED: 'FLAG_NEEDS_ATTENTION',
    EXPIRED: 'FLAG_NEEDS_ATTENTION',
  },
  'payment_intent.payment_failed': {
    PENDING: 'RECORD_DECLINE',
    AWAITING_PAYMENT: 'RECORD_DECLINE',
    PAID: 'IGNORE',
    COMPLETED: 'IGNORE',
    NEEDS_ATTENTION: 'IGNORE',
    REJECTED: 'IGNORE',
    CANCELED: 'IGNORE',
    EXPIRED: 'IGNORE',
  },
  'payment_intent.requires_action': {
    PENDING: 'RECORD_ACTION_REQUIRED',
    AWAITING_PAYMENT: 'RECORD_ACTION_REQUIRED',
    PAID: 'IGNORE',
    COMPLETED: 'IGNORE',
    NEEDS_ATTENTION: 'IGNORE',
    REJECTED: 'IGNORE',
    CANCELED: 'IGNORE',
    EXPIRED: 'IGNORE',
  },
  'payment_intent.canceled': {
    PENDING: 'FAIL_PAYMENT_WAIT',
    AWAITING_PAYMENT: 'FAIL_PAYMENT_WAIT',
    PAID: 'IGNORE',
    COMPLETED: 'IGNORE',
    NEEDS_ATTENTION: 'IGNORE',
    REJECTED: 'IGNORE',
    CANCELED: 'IGNORE',
    EXPIRED: 'IGNORE',
  },
};

const UNUSED_EVENT_TYPES = [
  'payment_intent.created',
  'payment_intent.processing',
  'payment_intent.amount_capturable_updated',
  'charge.succeeded',
  'charge.refunded',
];

const CASES = Object.entries(TABLE).flatMap(([eventType, row]) =>
  ORDER_STATUSES.map((status) => ({ eventType, status, action: row[status] })),
);

describe('decideWebhookAction: the decision table', () => {
  test('the table covers every handled event type and every status', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...HANDLED_EVENT_TYPES].sort());
    for (const row of Object.values(TABLE)) expect(Object.keys(row).sort()).toEqual([...ORDER_STATUSES].sort());
  });

  test.each(CASES)('$eventType on a $status order -> $action', ({ eventType, status, action }) => {
    const decision = decideWebhookAction(facts({ eventType }), anOrder({ status }));
    expect(decision.action).toBe(action);
  });

  test.each(
    UNUSED_EVENT_TYPES.flatMap((eventType) => ORDER_STATUSES.map((status) => ({ eventType, status }))),
  )('$eventType on a $status order is ignored', ({ eventType, status }) => {
    const decision = decideWebhookAction(facts({ eventType }), anOrder({ status }));
    expect(decision).toEqual({ action: 'IGNORE', reason: `event type ${eventType} is not used` });
  });

  test.each(UNUSED_EVENT_TYPES)('%s is ignored as unused even for an unknown order or another PaymentIntent', (eventType) => {
    const unused = { action: 'IGNORE', reason: `event type ${eventType} is not used` };
    expect(decideWebhookAction(facts({ eventType }), undefined)).toEqual(unused);
    expect(decideWebhookAction(facts({ eventType, paymentIntentId: 'pi_old' }), anOrder())).toEqual(unused);
  });

  test.each(CASES.filter(({ action }) => action === 'IGNORE'))(
    '$eventType ignored on a $status order says the order is already there',
    ({ eventType, status }) => {
      expect(decideWebhookAction(facts({ eventType }), anOrder({ status }))).toEqual({
        action: 'IGNORE',
        reason: `order already ${status}`,
      });
    },
  );

  test('a cancelled PaymentIntent fails the wait with PaymentCanceled', () => {
    expect(decideWebhookAction(facts({ eventType: 'payment_intent.canceled', status: 'canceled' }), anOrder())).toEqual({
      action: 'FAIL_PAYMENT_WAIT',
      error: 'PaymentCanceled',
      cause: 'PaymentIntent was canceled in Stripe',
    });
  });

  test.each(['REJECTED', 'CANCELED', 'EXPIRED'] as const)(
    'money for a %s order is flagged as PAID_AFTER_COMPENSATION',
    (status) => {
      expect(decideWebhookAction(facts(), anOrder({ status, taskToken: undefined }))).toEqual({
        action: 'FLAG_NEEDS_ATTENTION',
        kind: 'PAID_AFTER_COMPENSATION',
        reason: `payment succeeded for an order already ${status}`,
      });
    },
  );

  test('an ignored event says why', () => {
    expect(decideWebhookAction(facts(), anOrder({ status: 'PAID' }))).toEqual({
      action: 'IGNORE',
      reason: 'order already PAID',
    });
  });
});

describe('decideWebhookAction: amounts', () => {
  test('less money than the order total fails the wait with PaymentAmountMismatch', () => {
    expect(decideWebhookAction(facts({ amount: 3000, amountReceived: 2999 }), anOrder())).toEqual({
      action: 'FAIL_PAYMENT_WAIT',
      error: 'PaymentAmountMismatch',
      cause: 'received 2999 usd, order total 3000 usd',
    });
  });

  test('more money than the order total is a mismatch too', () => {
    const decision = decideWebhookAction(facts({ amount: 3001, amountReceived: 3001 }), anOrder());
    expect(decision).toMatchObject({ action: 'FAIL_PAYMENT_WAIT', error: 'PaymentAmountMismatch' });
  });

  test('another currency is a mismatch', () => {
    expect(decideWebhookAction(facts({ currency: 'eur' }), anOrder())).toEqual({
      action: 'FAIL_PAYMENT_WAIT',
      error: 'PaymentAmountMismatch',
      cause: 'received 3000 eur, order total 3000 usd',
    });
  });

  test('the currency is compared without regard to case', () => {
    expect(decideWebhookAction(facts({ currency: 'USD' }), anOrder()).action).toBe('RESUME_SAGA');
  });

  test('amount_received wins over amount; amount is used when amount_received is absent', () => {
    const order = anOrder();
    expect(amountMatches(order, facts({ amount: 3000, amountReceived: 0 }))).toBe(false);
    expect(amountMatches(order, facts({ amount: 1, amountReceived: 3000 }))).toBe(true);
    expect(amountMatches(order, facts({ amount: 3000, amountReceived: undefined }))).toBe(true);
    expect(amountMatches(order, facts({ amount: 2000, amountReceived: undefined }))).toBe(false);
  });

  test('the amount of a payment_failed / requires_action event does not matter', () => {
    expect(decideWebhookAction(facts({ eventType: 'payment_intent.payment_failed', amount: 1 }), anOrder()).action).toBe(
      'RECORD_DECLINE',
    );
    expect(
      decideWebhookAction(facts({ eventType: 'payment_intent.requires_action', amount: 1 }), anOrder()).action,
    ).toBe('RECORD_ACTION_REQUIRED');
  });
});

describe('decideWebhookAction: task token not stored yet', () => {
  test.each(['PENDING', 'AWAITING_PAYMENT'] as const)('succeeded on a %s order -> RETRY_LATER', (status) => {
    expect(decideWebhookAction(facts(), anOrder({ status, taskToken: undefined }))).toEqual({
      action: 'RETRY_LATER',
      reason: 'payment wait has not stored its token yet',
    });
  });

  test.each(['PENDING', 'AWAITING_PAYMENT'] as const)('canceled on a %s order -> RETRY_LATER', (status) => {
    const decision = decideWebhookAction(
      facts({ eventType: 'payment_intent.canceled', status: 'canceled' }),
      anOrder({ status, taskToken: undefined }),
    );
    expect(decision).toEqual({ action: 'RETRY_LATER', reason: 'payment wait has not stored its token yet' });
  });

  test('declines and action-required are recorded without a token', () => {
    const order = anOrder({ taskToken: undefined });
    expect(decideWebhookAction(facts({ eventType: 'payment_intent.payment_failed' }), order).action).toBe(
      'RECORD_DECLINE',
    );
    expect(decideWebhookAction(facts({ eventType: 'payment_intent.requires_action' }), order).action).toBe(
      'RECORD_ACTION_REQUIRED',
    );
  });

  // Regression (fixed): the amount was checked before the token, so a mismatched payment with no
  // stored token was decided FAIL_PAYMENT_WAIT, which needs the token; now it waits (RETRY_LATER).
  test('a mismatched amount with no token stored yet -> RETRY_LATER (there is no wait to fail yet)', () => {
    const decision = decideWebhookAction(facts({ amountReceived: 1 }), anOrder({ taskToken: undefined }));
    expect(decision.action).toBe('RETRY_LATER');
  });
});

describe('decideWebhookAction: which order', () => {
  test.each([...HANDLED_EVENT_TYPES])('%s for a PaymentIntent that is not the order\'s current one is ignored', (eventType) => {
    for (const status of ORDER_STATUSES) {
      const decision = decideWebhookAction(facts({ eventType, paymentIntentId: 'pi_old' }), anOrder({ status }));
      expect(decision).toEqual({ action: 'IGNORE', reason: "PaymentIntent is not the order's current one" });
    }
  });

  test('an order that has not recorded its PaymentIntent yet accepts the event', () => {
    const order: Order = anOrder({ status: 'PENDING', payment: {} });
    expect(decideWebhookAction(facts({ paymentIntentId: 'pi_new' }), order).action).toBe('RESUME_SAGA');
  });

  test.each([...HANDLED_EVENT_TYPES])('%s for an unknown order is ignored', (eventType) => {
    expect(decideWebhookAction(facts({ eventType }), undefined)).toEqual({
      action: 'IGNORE',
      reason: 'no order for this PaymentIntent',
    });
  });
});

describe('decideAfterClosedWait', () => {
  const EXPECTED: Record<OrderStatus, Action> = {
    // Still waiting for payment although the token used is closed: the wait is being retried
    // (a step failed after its work) and its new token is not stored yet, or the window is closing.
    PENDING: 'RETRY_LATER',
    AWAITING_PAYMENT: 'RETRY_LATER',
    PAID: 'IGNORE',
    COMPLETED: 'IGNORE',
    NEEDS_ATTENTION: 'IGNORE',
    REJECTED: 'FLAG_NEEDS_ATTENTION',
    CANCELED: 'FLAG_NEEDS_ATTENTION',
    EXPIRED: 'FLAG_NEEDS_ATTENTION',
  };

  test.each([...ORDER_STATUSES])('order now %s, holding the closed token', (status) => {
    const decision = decideAfterClosedWait(anOrder({ status, taskToken: 'tok-closed' }), 'tok-closed');
    expect(decision.action).toBe(EXPECTED[status]);
    if (decision.action === 'FLAG_NEEDS_ATTENTION') {
      expect(decision).toEqual({
        action: 'FLAG_NEEDS_ATTENTION',
        kind: 'PAID_AFTER_COMPENSATION',
        reason: `payment succeeded after the order was ${status}`,
      });
    } else if (decision.action === 'IGNORE') {
      expect(decision).toEqual({ action: 'IGNORE', reason: `payment wait already closed (order ${status})` });
    }
  });

  // Regression (service faults): requestPayment failing after its work (a crash after the PaymentIntent
  // existed) while the customer paid: the webhook used the failed attempt's token, was told the wait
  // was closed, and ignored the payment; the retried wait then waited for a callback that never came
  // (until the payment window closed).
  test('a retried payment wait already stored a new token: resume it with that token', () => {
    expect(decideAfterClosedWait(anOrder({ status: 'AWAITING_PAYMENT', taskToken: 'tok-new' }), 'tok-closed')).toEqual({ action: 'RESUME_SAGA' });
  });
});
