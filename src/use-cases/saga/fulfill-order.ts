/**
 * The saga's hand-off to fulfilment (FulfillOrder). A module of its own so that its bundle does not
 * carry the Stripe SDK, which only the payment steps need (request-payment.ts, compensate-order.ts).
 */
import { logger } from '../../commons/logger';
import { nowIso } from '../../commons/clock';
import { InvalidOrderState } from '../../domain/errors';
import type { OrdersPort, QueuesPort } from '../ports';

export interface FulfillOrderDeps {
  orders: Pick<OrdersPort, 'requireOrder'>;
  queues: Pick<QueuesPort, 'sendFulfilmentRequest'>;
}

export function createFulfillOrder({ orders, queues }: FulfillOrderDeps) {
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
    return { fulfilmentRequestId: orderId };
  };
}
