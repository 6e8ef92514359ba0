/**
 * The saga's activities: what each Lambda task of stepfunctions/checkout.asl.yml does.
 * The state machine orchestrates; the decisions are here and in src/domain. ReserveInventory and
 * FulfillOrder live in modules of their own (no Stripe SDK in their bundles), re-exported here.
 */
import { logger } from '../commons/logger';
import { releaseStock } from '../adapters/inventory-repository';
import { requireOrder, transitionOrder, updateOrder } from '../adapters/orders-repository';
import { cancelPaymentIntent, createPaymentIntent } from '../adapters/payments';
import { compensationCause, planCompensation } from '../domain/compensation';
import { InvalidOrderState, OrderCanceled } from '../domain/errors';
import { stockLines } from '../domain/order';
import { FINAL_STATUSES, PRE_PAYMENT_STATUSES } from '../domain/order-status';
import { nowIso } from './clock';
import { flagOrderNeedsAttention } from './flag-needs-attention';

export { reserveInventory } from './reserve-inventory';

/**
 * The payment wait's task: store the token first (so the webhook can always resume), then create
 * the PaymentIntent (idempotent per order) and show AWAITING_PAYMENT.
 */
export async function requestPayment(orderId: string, taskToken: string) {
  // Atomic with the cancel handler's write: one of the two always sees the other.
  const order = await updateOrder(orderId, { set: { taskToken } }, PRE_PAYMENT_STATUSES);
  if (!order) throw new InvalidOrderState(`Order ${orderId} no longer waits for payment`);
  if (order.cancelRequestedAt) throw new OrderCanceled(orderId);

  const intent = await createPaymentIntent(order);
  const payment = {
    'payment.paymentIntentId': intent.id,
    'payment.clientSecret': intent.clientSecret,
    'payment.status': intent.status,
  };
  // Recording the intent and compensateOrder's claim are atomic writes on the same item: if a
  // cancel or compensation began first, this write is refused and the intent is cancelled here;
  // otherwise the compensation's claim returns the intent id and it cancels it.
  const notClosing = { absent: ['cancelRequestedAt', 'compensationStartedAt'] };
  let recorded: boolean;
  if (order.status === 'AWAITING_PAYMENT') {
    recorded = (await updateOrder(orderId, { set: payment }, ['AWAITING_PAYMENT'], notClosing)) !== undefined;
  } else {
    try {
      await transitionOrder(orderId, 'AWAITING_PAYMENT', nowIso(), { set: payment }, notClosing);
      recorded = true;
    } catch (error) {
      if (!(error instanceof InvalidOrderState)) throw error;
      recorded = false;
    }
  }
  if (!recorded) {
    logger.info('Order cancelled or expiring while its PaymentIntent was created; cancelling it');
    await cancelPaymentIntent(intent.id);
    return { paymentIntentId: intent.id };
  }
  logger.info('Awaiting payment', { paymentIntentId: intent.id });
  return { paymentIntentId: intent.id };
}

export type CompensationOutcome = 'PAYMENT_SUCCEEDED' | 'NEEDS_ATTENTION' | 'CLOSED' | 'FAILED_BEFORE_PAYMENT';

/**
 * Before payment: cancel the PaymentIntent first (race rule: if it already succeeded, the order is
 * paid and goes forward), then release the stock and record why.
 */
export async function compensateOrder(
  orderId: string,
  error: { Error?: string; Cause?: string } | undefined,
  executionId?: string,
): Promise<{ outcome: CompensationOutcome; status: string }> {
  // The claim is atomic with requestPayment's recording of the intent (see there): what it returns
  // holds the intent id if one was recorded, and once it is written no intent can be recorded.
  const order = (await updateOrder(orderId, { set: { compensationStartedAt: nowIso() } })) ?? (await requireOrder(orderId));
  const cause = compensationCause(error?.Error);
  if (order.status === 'NEEDS_ATTENTION') return { outcome: 'NEEDS_ATTENTION', status: order.status };
  if (order.status === 'PAID' || order.status === 'COMPLETED') {
    throw new InvalidOrderState(`Order ${orderId} is ${order.status}; it is never compensated after payment`);
  }

  const cancellation = await cancelPaymentIntent(order.payment.paymentIntentId);
  const plan = planCompensation(order, cause, cancellation, error);
  logger.info('Compensation planned', { cause, cancellation: cancellation.result, outcome: plan.outcome });

  if (plan.outcome === 'PAYMENT_SUCCEEDED') {
    // MarkPaid, next, records payment.status succeeded in its own write.
    return { outcome: plan.outcome, status: order.status };
  }
  if (plan.outcome === 'NEEDS_ATTENTION') {
    const flagged = await flagOrderNeedsAttention({
      orderId,
      kind: 'PAYMENT_AMOUNT_MISMATCH',
      step: 'CompensateOrder',
      error: error?.Error ?? 'PaymentAmountMismatch',
      reason: plan.reason,
      executionId,
      paymentStatus: 'succeeded',
    });
    return { outcome: plan.outcome, status: flagged.status };
  }

  await releaseStock(orderId, stockLines(order), nowIso());
  if (!FINAL_STATUSES.includes(order.status)) {
    try {
      await transitionOrder(orderId, plan.status, nowIso(), {
        set: { failureReason: plan.failureReason, 'payment.status': cancellation.result === 'CANCELED' ? 'canceled' : undefined },
        remove: ['taskToken', 'payment.clientSecret'],
      });
    } catch (failure) {
      // A retry of this compensation: the order already ended where it had to (the refusal says where it is).
      if (!(failure instanceof InvalidOrderState) || failure.details.from !== plan.status) throw failure;
    }
  }
  logger.info('Order compensated', { status: plan.status, reason: plan.failureReason });
  return { outcome: plan.outcome, status: plan.status };
}

export { fulfillOrder } from './fulfill-order';
