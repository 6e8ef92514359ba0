import * as orders from '../../src/adapters/orders-repository';
import { errorResult, httpHandler, json, pathParameter } from '../../src/commons/http';
import { logOrder } from '../../src/commons/logger';
import { ORDER_ID_PATTERN, toOrderView } from '../../src/domain/order';
import type { OrdersPort } from '../../src/use-cases/ports';

/** GET /orders/{orderId}: the customer's view of an order (no secrets once paid, no internal errors). */
export function createGetOrderHandler({ orders }: { orders: Pick<OrdersPort, 'getOrder'> }) {
  return httpHandler(async (event) => {
    const orderId = pathParameter(event, 'orderId');
    if (!ORDER_ID_PATTERN.test(orderId)) return errorResult(404, 'ORDER_NOT_FOUND', 'No such order');
    logOrder(orderId);
    const order = await orders.getOrder(orderId);
    if (!order) return errorResult(404, 'ORDER_NOT_FOUND', 'No such order');
    return json(200, toOrderView(order));
  });
}

export const handler = createGetOrderHandler({ orders });
