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
  orders: Pick<OrdersPort, 'requireOrder'>;
  queues: Pick<QueuesPort, 'sendFulfilmentRequest'>;
  metrics: Pick<MetricsPort, 'countEvent' | 'recordDuration'>;
}

/** Steps of the saga that run after FulfillOrder: an order flagged at one of them was handed off already. */
const STEPS_AFTER_FULFILMENT = ['CommitInventory', 'MarkCompleted'];

export function createFulfillOrder({ orders, queues, metrics }: FulfillOrderDeps) {
  /** After payment: hand the order to fulfilment. Consumers dedupe on fulfilmentRequestId. */
  return async function fulfillOrder(orderId: string) {
    const order = await orders.requireOrder(orderId);
    if (order.status !== 'PAID') {
      throw new InvalidOrderState(`Order ${orderId} is ${order.status}; only PAID orders are fulfilled`);
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
    logger.info('Fulfilment requested');
    countCompletion(order);
    return { fulfilmentRequestId: orderId };
  };

  /**
   * COMPLETED is written by the state machine itself (MarkCompleted, a direct DynamoDB integration
   * right after CommitInventory), so no Lambda sees it: the order is counted at its first successful
   * hand-off, which only the two direct integrations follow. An operator's resume after one of
   * those failed hands it off again; it was counted the first time.
   */
  function countCompletion(order: Order) {
    if (order.attention?.step && STEPS_AFTER_FULFILMENT.includes(order.attention.step)) return;
    metrics.countEvent('OrderCompleted');
    // From the money's arrival (the first PAID), so a resumed order shows how long it really took.
    const firstPaidAt = order.history.find((entry) => entry.status === 'PAID')?.at;
    if (firstPaidAt) metrics.recordDuration('PaymentToCompletedTime', Date.parse(nowIso()) - Date.parse(firstPaidAt));
  }
}
