/**
 * The saga's CompensateOrder task (stepfunctions/checkout.asl.yml): the state machine only routes
 * on the outcome returned here; the decision is src/domain/compensation.ts.
 */
import { logger } from '../../commons/logger';
import { nowIso } from '../../commons/clock';
import { compensationCause, planCompensation } from '../../domain/compensation';
import { InvalidOrderState } from '../../domain/errors';
import { stockLines } from '../../domain/order';
import { FINAL_STATUSES } from '../../domain/order-status';
import type { InventoryPort, MetricsPort, OrdersPort, PaymentsPort } from '../ports';
import type { CountedEvent } from '../../domain/business-metrics';
import type { FlagOrderNeedsAttention } from './flag-needs-attention';

export type CompensationOutcome = 'PAYMENT_SUCCEEDED' | 'NEEDS_ATTENTION' | 'CLOSED' | 'FAILED_BEFORE_PAYMENT';

export interface CompensateOrderDeps {
  orders: Pick<OrdersPort, 'updateOrder' | 'requireOrder' | 'transitionOrder'>;
  inventory: Pick<InventoryPort, 'releaseStock'>;
  payments: Pick<PaymentsPort, 'cancelPaymentIntent'>;
  flagOrderNeedsAttention: FlagOrderNeedsAttention;
  metrics: Pick<MetricsPort, 'countEvent'>;
}

/** The metric of each status a compensation ends in. */
const CLOSING_EVENT: Record<string, CountedEvent> = { EXPIRED: 'OrderExpired', CANCELED: 'OrderCanceled', REJECTED: 'CheckoutRejected' };

export function createCompensateOrder({ orders, inventory, payments, flagOrderNeedsAttention, metrics }: CompensateOrderDeps) {
  /**
   * Before payment: cancel the PaymentIntent first (race rule: if it already succeeded, the order is
   * paid and goes forward), then release the stock and record why.
   */
  return async function compensateOrder(
    orderId: string,
    error: { Error?: string; Cause?: string } | undefined,
    executionId?: string,
  ): Promise<{ outcome: CompensationOutcome; status: string }> {
    // The claim is atomic with requestPayment's recording of the intent (see there): what it returns
    // holds the intent id if one was recorded, and once it is written no intent can be recorded.
    const order = (await orders.updateOrder(orderId, { set: { compensationStartedAt: nowIso() } })) ?? (await orders.requireOrder(orderId));
    const cause = compensationCause(error?.Error);
    if (order.status === 'NEEDS_ATTENTION') return { outcome: 'NEEDS_ATTENTION', status: order.status };
    if (order.status === 'PAID' || order.status === 'COMPLETED') {
      throw new InvalidOrderState(`Order ${orderId} is ${order.status}; it is never compensated after payment`);
    }

    const cancellation = await payments.cancelPaymentIntent(order.payment.paymentIntentId);
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

    await inventory.releaseStock(orderId, stockLines(order), nowIso());
    if (!FINAL_STATUSES.includes(order.status)) {
      try {
        await orders.transitionOrder(orderId, plan.status, nowIso(), {
          set: { failureReason: plan.failureReason, 'payment.status': cancellation.result === 'CANCELED' ? 'canceled' : undefined },
          remove: ['taskToken', 'payment.clientSecret'],
        });
        // Counted by the write that closed the order, so a retried compensation does not count it again.
        const closing = CLOSING_EVENT[plan.status];
        if (closing) metrics.countEvent(closing);
      } catch (failure) {
        // A retry of this compensation: the order already ended where it had to (the refusal says where it is).
        if (!(failure instanceof InvalidOrderState) || failure.details.from !== plan.status) throw failure;
      }
    }
    logger.info('Order compensated', { status: plan.status, reason: plan.failureReason });
    return { outcome: plan.outcome, status: plan.status };
  };
}
