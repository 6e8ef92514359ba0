/**
 * The saga's hand-off to fulfilment (FulfillOrder). A module of its own so that its bundle does not
 * carry the Stripe SDK, which only the payment steps need (request-payment.ts, compensate-order.ts).
 */
import { logger } from '../../commons/logger';
import { nowIso } from '../../commons/clock';
import { InvalidOrderState } from '../../domain/errors';
import type { Order } from '../../domain/order';
import type { MetricsPort, OrdersPort, QueuesPort } from '../ports';

export interface FulfillOrderDeps {
  orders: Pick<OrdersPort, 'requireOrder' | 'updateOrder'>;
  queues: Pick<QueuesPort, 'sendFulfilmentRequest'>;
  metrics: Pick<MetricsPort, 'countEvent' | 'recordDuration'>;
}

export function createFulfillOrder({ orders, queues, metrics }: FulfillOrderDeps) {
  /**
   * After payment: hand the order to fulfilment, once. The hand-off is recorded on the order after
   * it is sent, so a retry after the effect (a timeout, a crash) or an operator's resume after a
   * later step failed does not send it again; a crash between the send and the record sends it
   * twice, which consumers dedupe on fulfilmentRequestId.
   */
  return async function fulfillOrder(orderId: string) {
    const order = await orders.requireOrder(orderId);
    if (order.status !== 'PAID') {
      throw new InvalidOrderState(`Order ${orderId} is ${order.status}; only PAID orders are fulfilled`);
    }
    if (order.fulfilmentRequestedAt) {
      logger.info('Fulfilment already requested', { fulfilmentRequestedAt: order.fulfilmentRequestedAt });
      return { fulfilmentRequestId: orderId };
    }
    const paidAt = [...order.history].reverse().find((entry) => entry.status === 'PAID')?.at ?? nowIso();
    await queues.sendFulfilmentRequest({
      fulfilmentRequestId: orderId,
      orderId,
      items: order.items.map(({ sku, name, quantity }) => ({ sku, name, quantity })),
      shippingAddress: order.shippingAddress,
      customerEmail: order.customer.email,
      paidAt,
    });
    await orders.updateOrder(orderId, { set: { fulfilmentRequestedAt: nowIso() } }, undefined, { absent: ['fulfilmentRequestedAt'] });
    logger.info('Fulfilment requested');
    countCompletion(order);
    return { fulfilmentRequestId: orderId };
  };

  /**
   * COMPLETED is written by the state machine itself (MarkCompleted, a direct DynamoDB integration
   * right after CommitInventory), so no Lambda sees it: the order is counted at its one hand-off,
   * which only the two direct integrations follow.
   */
  function countCompletion(order: Order) {
    metrics.countEvent('OrderCompleted');
    // From the money's arrival (the first PAID), so a resumed order shows how long it really took.
    const firstPaidAt = order.history.find((entry) => entry.status === 'PAID')?.at;
    if (firstPaidAt) metrics.recordDuration('PaymentToCompletedTime', Date.parse(nowIso()) - Date.parse(firstPaidAt));
  }
}
