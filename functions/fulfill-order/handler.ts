import { logOrder, withLogging } from '../../src/commons/logger';
import { fulfillOrder } from '../../src/use-cases/saga/fulfill-order';

/** Invoked by the state machine (FulfillOrder) after payment. */
export const handler = withLogging(async (event: { orderId: string }) => {
  logOrder(event.orderId);
  return fulfillOrder(event.orderId);
});
