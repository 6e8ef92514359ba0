/** A customer's cancel of an order before payment (POST /orders/{orderId}/cancel). */
import { logger, logOrder } from '../../commons/logger';
import type { Order } from '../../domain/order';
import { PAID_STATUSES, PRE_PAYMENT_STATUSES } from '../../domain/order-status';
import { nowIso } from '../../commons/clock';
import type { OrdersPort, SagaPort } from '../ports';

export interface CancelOrderDeps {
  orders: Pick<OrdersPort, 'getOrder' | 'updateOrder'>;
  saga: Pick<SagaPort, 'failPaymentWait'>;
}

export type CancelResult =
  | { result: 'CANCEL_REQUESTED'; order: Order }
  | { result: 'NOT_FOUND' }
  | { result: 'ALREADY_PAID'; order: Order }
  | { result: 'ALREADY_CLOSED'; order: Order };

export function createRequestCancel({ orders, saga }: CancelOrderDeps) {
  /**
   * A customer cancel before payment. The saga does the compensation (PaymentIntent cancelled first,
   * then stock released); here we only record the request and wake the payment wait.
   */
  async function requestCancel(orderId: string): Promise<CancelResult> {
    logOrder(orderId);
    const updated = await orders.updateOrder(orderId, { set: { cancelRequestedAt: nowIso() } }, PRE_PAYMENT_STATUSES);
    if (!updated) {
      const order = await orders.getOrder(orderId);
      if (!order) return { result: 'NOT_FOUND' };
      if (PAID_STATUSES.includes(order.status) || order.status === 'NEEDS_ATTENTION') return { result: 'ALREADY_PAID', order };
      return { result: 'ALREADY_CLOSED', order };
    }
    // No token yet: requestPayment sees cancelRequestedAt when it stores its token.
    if (updated.taskToken) {
      const delivered = await saga.failPaymentWait(updated.taskToken, 'OrderCanceled', 'Cancelled by the customer');
      logger.info('Cancel requested', { delivered });
    }
    return { result: 'CANCEL_REQUESTED', order: updated };
  }

  return requestCancel;
}

export type RequestCancel = ReturnType<typeof createRequestCancel>;
