import { errorResult, httpHandler, json, pathParameter } from '../../src/commons/http';
import { logOrder } from '../../src/commons/logger';
import { getOrder } from '../../src/adapters/orders-repository';
import { ORDER_ID_PATTERN, toOrderView } from '../../src/domain/order';

export const handler = httpHandler(async (event) => {
  const orderId = pathParameter(event, 'orderId');
  if (!ORDER_ID_PATTERN.test(orderId)) return errorResult(404, 'ORDER_NOT_FOUND', 'No such order');
  logOrder(orderId);
  const order = await getOrder(orderId);
  if (!order) return errorResult(404, 'ORDER_NOT_FOUND', 'No such order');
  return json(200, toOrderView(order));
});
