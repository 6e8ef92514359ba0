import * as inventory from '../../src/adapters/inventory-repository';
import * as metrics from '../../src/adapters/metrics';
import * as orders from '../../src/adapters/orders-repository';
import { logOrder, withLogging } from '../../src/commons/logger';
import { createReserveInventory } from '../../src/use-cases/saga/reserve-inventory';

const reserveInventory = createReserveInventory({ orders, inventory, metrics });

/** Invoked by the state machine (ReserveInventory). Throws OutOfStock for the saga to route on. */
export const handler = withLogging(async (event: { orderId: string }) => {
  logOrder(event.orderId);
  return reserveInventory(event.orderId);
});
