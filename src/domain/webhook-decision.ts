import { paymentMatchesOrder, type Order } from './order';
import { PAID_STATUSES, PRE_PAYMENT_STATUSES } from './order-status';

/** What the webhook learned from Stripe, reduced to what the decision needs. */
export interface PaymentIntentFacts {
  eventType: string;
  paymentIntentId: string;
  amount: number;
  amountReceived?: number;
  currency: string;
  status: string;
  lastError?: { code?: string; declineCode?: string; message?: string };
}

export type WebhookDecision =
  /** SendTaskSuccess on the stored token. */
  | { action: 'RESUME_SAGA' }
  /** SendTaskFailure so the saga compensates. */
  | { action: 'FAIL_PAYMENT_WAIT'; error: 'PaymentCanceled' | 'PaymentAmountMismatch'; cause: string }
  /** Token not stored yet: answer 5xx so Stripe delivers again later. */
  | { action: 'RETRY_LATER'; reason: string }
  | { action: 'RECORD_DECLINE' }
  | { action: 'RECORD_ACTION_REQUIRED' }
  /** Money arrived for an order that no longer waits for it: a person must decide. */
  | { action: 'FLAG_NEEDS_ATTENTION'; kind: 'PAID_AFTER_COMPENSATION'; reason: string }
  | { action: 'IGNORE'; reason: string };

export const HANDLED_EVENT_TYPES = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.requires_action',
  'payment_intent.canceled',
] as const;

export function amountMatches(order: Order, facts: PaymentIntentFacts): boolean {
  return paymentMatchesOrder(order, facts.amountReceived ?? facts.amount, facts.currency);
}

/** The webhook's decision table: event type x order state -> one action. Pure, tested without servers. */
export function decideWebhookAction(facts: PaymentIntentFacts, order: Order | undefined): WebhookDecision {
  if (!(HANDLED_EVENT_TYPES as readonly string[]).includes(facts.eventType)) {
    return { action: 'IGNORE', reason: `event type ${facts.eventType} is not used` };
  }
  if (!order) return { action: 'IGNORE', reason: 'no order for this PaymentIntent' };
  if (order.payment.paymentIntentId && order.payment.paymentIntentId !== facts.paymentIntentId) {
    return { action: 'IGNORE', reason: 'PaymentIntent is not the order\'s current one' };
  }
  const waiting = PRE_PAYMENT_STATUSES.includes(order.status);

  switch (facts.eventType) {
    case 'payment_intent.succeeded': {
      if (PAID_STATUSES.includes(order.status) || order.status === 'NEEDS_ATTENTION') {
        return { action: 'IGNORE', reason: `order already ${order.status}` };
      }
      if (!waiting) {
        return {
          action: 'FLAG_NEEDS_ATTENTION',
          kind: 'PAID_AFTER_COMPENSATION',
          reason: `payment succeeded for an order already ${order.status}`,
        };
      }
      // Both resuming and failing the wait need its token.
      if (!order.taskToken) return { action: 'RETRY_LATER', reason: 'payment wait has not stored its token yet' };
      if (!amountMatches(order, facts)) {
        return {
          action: 'FAIL_PAYMENT_WAIT',
          error: 'PaymentAmountMismatch',
          cause: `received ${facts.amountReceived ?? facts.amount} ${facts.currency}, order total ${order.amounts.total} ${order.amounts.currency}`,
        };
      }
      return { action: 'RESUME_SAGA' };
    }
    case 'payment_intent.payment_failed':
      // Not final: the customer may try another card within the window.
      return waiting ? { action: 'RECORD_DECLINE' } : { action: 'IGNORE', reason: `order already ${order.status}` };
    case 'payment_intent.requires_action':
      return waiting
        ? { action: 'RECORD_ACTION_REQUIRED' }
        : { action: 'IGNORE', reason: `order already ${order.status}` };
    case 'payment_intent.canceled':
      if (!waiting) return { action: 'IGNORE', reason: `order already ${order.status}` };
      if (!order.taskToken) return { action: 'RETRY_LATER', reason: 'payment wait has not stored its token yet' };
      return { action: 'FAIL_PAYMENT_WAIT', error: 'PaymentCanceled', cause: 'PaymentIntent was canceled in Stripe' };
    default:
      return { action: 'IGNORE', reason: `event type ${facts.eventType} is not used` };
  }
}

/**
 * SendTaskSuccess answered that the wait is closed (TaskTimedOut, TaskDoesNotExist, InvalidToken).
 * Usually a duplicate: already handled. But if the saga compensated meanwhile, the money must not be
 * dropped; and if the order still awaits payment, the wait was retried under a new token (resumed
 * with it) or is closing (Stripe delivers again later), never ignored.
 */
export function decideAfterClosedWait(orderNow: Order, closedToken?: string): WebhookDecision {
  if (orderNow.status === 'CANCELED' || orderNow.status === 'EXPIRED' || orderNow.status === 'REJECTED') {
    return {
      action: 'FLAG_NEEDS_ATTENTION',
      kind: 'PAID_AFTER_COMPENSATION',
      reason: `payment succeeded after the order was ${orderNow.status}`,
    };
  }
  if (orderNow.status === 'PENDING' || orderNow.status === 'AWAITING_PAYMENT') {
    // Still waiting for payment: the wait was retried (a step failed after its work) and holds a
    // new token, or is about to; or the window is closing and the compensation will decide.
    if (orderNow.taskToken && orderNow.taskToken !== closedToken) return { action: 'RESUME_SAGA' };
    return { action: 'RETRY_LATER', reason: 'the payment wait is being retried or closed; its outcome is not recorded yet' };
  }
  return { action: 'IGNORE', reason: `payment wait already closed (order ${orderNow.status})` };
}
