import { logOrder, withLogging } from '../../src/commons/logger';
import { requestPayment } from '../../src/use-cases/saga/request-payment';

/** Invoked by the state machine's payment wait (AwaitPayment, .waitForTaskToken). */
export const handler = withLogging(async (event: { orderId: string; taskToken: string }) => {
  logOrder(event.orderId);
  return requestPayment(event.orderId, event.taskToken);
});
