import { paymentMatchesOrder, type Order } from './order';
import type { OrderStatus } from './order-status';

/** Why the saga is compensating, from the error its payment wait or reservation ended with. */
export type CompensationCause = 'EXPIRED' | 'CANCELED' | 'PAYMENT_AMOUNT_MISMATCH' | 'FAILED';

export function compensationCause(errorName: string | undefined): CompensationCause {
  switch (errorName) {
    case 'States.Timeout':
      return 'EXPIRED';
    case 'OrderCanceled':
    case 'PaymentCanceled':
      return 'CANCELED';
    case 'PaymentAmountMismatch':
      return 'PAYMENT_AMOUNT_MISMATCH';
    default:
      return 'FAILED';
  }
}

const FINAL_STATUS: Record<CompensationCause, OrderStatus> = {
  EXPIRED: 'EXPIRED',
  CANCELED: 'CANCELED',
  PAYMENT_AMOUNT_MISMATCH: 'REJECTED',
  FAILED: 'REJECTED',
};

export function failureReason(cause: CompensationCause, error?: { Error?: string; Cause?: string }): string {
  switch (cause) {
    case 'EXPIRED':
      return 'Payment window closed before the payment succeeded';
    case 'CANCELED':
      return error?.Error === 'PaymentCanceled' ? 'PaymentIntent was canceled' : 'Cancelled by the customer';
    case 'PAYMENT_AMOUNT_MISMATCH':
      return 'Payment amount did not match the order';
    case 'FAILED':
      return `Checkout failed before payment: ${error?.Error ?? 'unknown error'}`;
  }
}

/** What cancelling the PaymentIntent found. Stripe refuses to cancel a succeeded intent. */
export type PaymentCancellation =
  | { result: 'NO_PAYMENT_INTENT' }
  | { result: 'CANCELED' }
  | { result: 'ALREADY_SUCCEEDED'; amountReceived: number; currency: string };

export type CompensationPlan =
  /** Race rule: the customer paid after all, so the order goes forward. */
  | { outcome: 'PAYMENT_SUCCEEDED' }
  | { outcome: 'NEEDS_ATTENTION'; reason: string }
  /** Stock released; the order ends in `status`. */
  | { outcome: 'CLOSED' | 'FAILED_BEFORE_PAYMENT'; status: OrderStatus; failureReason: string };

/** Decides the end of a compensation once the PaymentIntent has been dealt with (cancel first, always). */
export function planCompensation(
  order: Order,
  cause: CompensationCause,
  cancellation: PaymentCancellation,
  error?: { Error?: string; Cause?: string },
): CompensationPlan {
  if (cancellation.result === 'ALREADY_SUCCEEDED') {
    const matches = paymentMatchesOrder(order, cancellation.amountReceived, cancellation.currency);
    if (matches && cause !== 'PAYMENT_AMOUNT_MISMATCH') return { outcome: 'PAYMENT_SUCCEEDED' };
    return {
      outcome: 'NEEDS_ATTENTION',
      reason: matches
        ? 'Payment succeeded but was flagged as mismatched'
        : `Payment of ${cancellation.amountReceived} ${cancellation.currency} does not match order total ${order.amounts.total} ${order.amounts.currency}`,
    };
  }
  return {
    outcome: cause === 'FAILED' || cause === 'PAYMENT_AMOUNT_MISMATCH' ? 'FAILED_BEFORE_PAYMENT' : 'CLOSED',
    status: FINAL_STATUS[cause],
    failureReason: failureReason(cause, error),
  };
}
