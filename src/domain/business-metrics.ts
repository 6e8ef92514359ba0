/**
 * The business metrics the handlers emit (CloudWatch embedded metric format, src/adapters/metrics.ts),
 * and where each event is known exactly once. The dashboard (resources/monitoring.yml) and the
 * console's operations page read the same names.
 */
export const METRICS_NAMESPACE = 'CheckoutSaga';

/** Counts: one per business event, emitted where that event's conditional write succeeded. */
export const COUNTED_EVENTS = [
  /** POST /checkout stored the order and started its saga (acceptCheckout). */
  'CheckoutAccepted',
  /** An order became REJECTED: out of stock (reserveInventory), a failure before payment (compensateOrder), or a saga that could not start. */
  'CheckoutRejected',
  /** Handed to fulfilment (fulfillOrder), the last Lambda before the direct integrations CommitInventory and MarkCompleted. */
  'OrderCompleted',
  /** A payment_intent.payment_failed event recorded on its order (stripeWebhook, after the dedupe on the event id). */
  'PaymentDeclined',
  /** The payment window closed first (compensateOrder). */
  'OrderExpired',
  /** Cancelled by the customer or through the PaymentIntent before payment (compensateOrder). */
  'OrderCanceled',
  /** An order flagged NEEDS_ATTENTION (flagNeedsAttention, also from the webhook and the compensation). */
  'NeedsAttentionRaised',
] as const;

/** Durations in milliseconds, one value per order. */
export const TIMED_EVENTS = [
  /** From the order's creation to AWAITING_PAYMENT (stock reserved, PaymentIntent created): requestPayment. */
  'CheckoutToAwaitingPaymentTime',
  /** From PAID to the hand-off to fulfilment (fulfillOrder), which MarkCompleted follows directly. */
  'PaymentToCompletedTime',
] as const;

export type CountedEvent = (typeof COUNTED_EVENTS)[number];
export type TimedEvent = (typeof TIMED_EVENTS)[number];
export const BUSINESS_METRICS = [...COUNTED_EVENTS, ...TIMED_EVENTS] as const;
export type BusinessMetric = CountedEvent | TimedEvent;
