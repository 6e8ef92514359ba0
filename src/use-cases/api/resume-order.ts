/** An operator's resume of a NEEDS_ATTENTION order (POST /admin/orders/{orderId}/resume). */
import { logger, logOrder } from '../../commons/logger';
import { stockLines, type Order } from '../../domain/order';
import { nowIso } from '../../commons/clock';
import type { OrdersPort, SagaPort } from '../ports';

export interface ResumeOrderDeps {
  orders: Pick<OrdersPort, 'getOrder' | 'updateOrder'>;
  saga: Pick<SagaPort, 'startCheckoutExecution'>;
}

export type ResumeResult =
  | { result: 'RESUMED'; executionName: string }
  | { result: 'NOT_FOUND' }
  | { result: 'NOT_RESUMABLE'; order: Order }
  | { result: 'ALREADY_RESUMING'; order: Order };

export function createResumeAfterPayment({ orders, saga }: ResumeOrderDeps) {
  /**
   * Operator action for a NEEDS_ATTENTION order whose post-payment step failed: re-runs the steps
   * after payment (each idempotent) in a new execution named after the order and the attempt.
   * One resume per flagged failure: the claim (`attention.resumeRequestedAt`) is taken atomically, so
   * a second request, concurrent or while the first resume runs, starts nothing. A new failure
   * replaces `attention` (and so the claim), making the order resumable again.
   */
  async function resumeAfterPayment(orderId: string): Promise<ResumeResult> {
    logOrder(orderId);
    const order = await orders.getOrder(orderId);
    if (!order) return { result: 'NOT_FOUND' };
    if (order.status !== 'NEEDS_ATTENTION' || order.attention?.kind !== 'POST_PAYMENT_STEP_FAILED') {
      return { result: 'NOT_RESUMABLE', order };
    }
    if (order.attention.resumeRequestedAt) return { result: 'ALREADY_RESUMING', order };
    const claimed = await orders.updateOrder(
      orderId,
      { set: { 'attention.resumeRequestedAt': nowIso() }, add: { resumeCount: 1 } },
      ['NEEDS_ATTENTION'],
      { absent: ['attention.resumeRequestedAt'] },
    );
    if (!claimed) {
      const now = (await orders.getOrder(orderId)) ?? order;
      return now.status === 'NEEDS_ATTENTION' && now.attention?.resumeRequestedAt
        ? { result: 'ALREADY_RESUMING', order: now }
        : { result: 'NOT_RESUMABLE', order: now };
    }
    const executionName = `${orderId}-resume-${claimed.resumeCount}`;
    try {
      await saga.startCheckoutExecution(executionName, {
        orderId,
        paymentWindowSeconds: order.paymentWindowSeconds,
        resumeAfterPayment: true,
        reservation: { lines: stockLines(order) },
      });
    } catch (error) {
      // Nothing started: give the claim back so that the operator can try again.
      await orders.updateOrder(orderId, { remove: ['attention.resumeRequestedAt'] }, ['NEEDS_ATTENTION']);
      throw error;
    }
    logger.info('Post-payment steps resumed by an operator', { executionName });
    return { result: 'RESUMED', executionName };
  }

  return resumeAfterPayment;
}

export type ResumeAfterPayment = ReturnType<typeof createResumeAfterPayment>;
