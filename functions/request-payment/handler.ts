import * as metrics from '../../src/adapters/metrics';
import * as orders from '../../src/adapters/orders-repository';
import * as payments from '../../src/adapters/payments';
import { logOrder, withLogging } from '../../src/commons/logger';
import { createRequestPayment } from '../../src/use-cases/saga/request-payment';

const requestPayment = createRequestPayment({ orders, payments, metrics });

/** Invoked by the state machine's payment wait (AwaitPayment, .waitForTaskToken). */
export const handler = withLogging(async (event: { orderId: string; taskToken: string }) => {
  logOrder(event.orderId);
  return requestPayment(event.orderId, event.taskToken);
});
