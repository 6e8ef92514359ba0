import * as metrics from '../../src/adapters/metrics';
import * as orders from '../../src/adapters/orders-repository';
import * as queues from '../../src/adapters/queues';
import { logOrder, withLogging } from '../../src/commons/logger';
import { createFulfillOrder } from '../../src/use-cases/saga/fulfill-order';

const fulfillOrder = createFulfillOrder({ orders, queues, metrics });

/** Invoked by the state machine (FulfillOrder) after payment. */
export const handler = withLogging(async (event: { orderId: string }) => {
  logOrder(event.orderId);
  return fulfillOrder(event.orderId);
});
