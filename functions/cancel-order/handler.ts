import * as orders from '../../src/adapters/orders-repository';
import * as saga from '../../src/adapters/saga';
import { errorResult, httpHandler, json, pathParameter } from '../../src/commons/http';
import { ORDER_ID_PATTERN } from '../../src/domain/order';
import { createRequestCancel, type RequestCancel } from '../../src/use-cases/api/cancel-order';

/** POST /orders/{orderId}/cancel: the customer's cancel before payment. */
export function createCancelOrderHandler({ requestCancel }: { requestCancel: RequestCancel }) {
  return httpHandler(async (event) => {
    const orderId = pathParameter(event, 'orderId');
    if (!ORDER_ID_PATTERN.test(orderId)) return errorResult(404, 'ORDER_NOT_FOUND', 'No such order');
    const outcome = await requestCancel(orderId);
    switch (outcome.result) {
      case 'NOT_FOUND':
        return errorResult(404, 'ORDER_NOT_FOUND', 'No such order');
      case 'ALREADY_PAID':
        return errorResult(409, 'ORDER_ALREADY_PAID', `Order is ${outcome.order.status}; paid orders cannot be cancelled`);
      case 'ALREADY_CLOSED':
        if (outcome.order.status === 'CANCELED') return json(200, { orderId, status: 'CANCELED' });
        return errorResult(409, 'ORDER_CLOSED', `Order is already ${outcome.order.status}`);
      case 'CANCEL_REQUESTED':
        // The saga cancels the PaymentIntent, then releases the stock; poll the order for CANCELED.
        return json(202, { orderId, status: outcome.order.status, cancelRequested: true });
    }
  });
}

export const handler = createCancelOrderHandler({ requestCancel: createRequestCancel({ orders, saga }) });
