import { logOrder, withLogging } from '../../src/commons/logger';
import { reserveInventory } from '../../src/use-cases/saga/reserve-inventory';

/** Invoked by the state machine (ReserveInventory). Throws OutOfStock for the saga to route on. */
export const handler = withLogging(async (event: { orderId: string }) => {
  logOrder(event.orderId);
  return reserveInventory(event.orderId);
});
