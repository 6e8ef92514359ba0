import { logOrder, withLogging } from '../../src/commons/logger';
import { compensateOrder } from '../../src/use-cases/saga/compensate-order';

interface CompensateEvent {
  orderId: string;
  error?: { Error?: string; Cause?: string };
  executionId?: string;
}

/** Invoked by the state machine (CompensateOrder) on any failure, cancel or expiry before payment. */
export const handler = withLogging(async (event: CompensateEvent) => {
  logOrder(event.orderId);
  return compensateOrder(event.orderId, event.error, event.executionId);
});
