/**
 * The saga's first step (ReserveInventory). A module of its own so that its bundle does not carry
 * the Stripe SDK, which only the payment steps need (request-payment.ts, compensate-order.ts).
 */
import { logger } from '../../commons/logger';
import { nowIso } from '../../commons/clock';
import { InvalidOrderState, OutOfStock } from '../../domain/errors';
import { stockLines } from '../../domain/order';
import type { InventoryPort, MetricsPort, OrdersPort } from '../ports';

export interface ReserveInventoryDeps {
  orders: Pick<OrdersPort, 'requireOrder' | 'transitionOrder'>;
  inventory: Pick<InventoryPort, 'reserveStock'>;
  metrics: Pick<MetricsPort, 'countEvent'>;
}

export function createReserveInventory({ orders, inventory, metrics }: ReserveInventoryDeps) {
  /** Step 1: all lines or none. Out of stock records REJECTED (with the SKU) and throws OutOfStock. */
  return async function reserveInventory(orderId: string) {
    const order = await orders.requireOrder(orderId);
    const lines = stockLines(order);
    if (order.stock === 'RESERVED') return { lines }; // a retry after success
    if (order.status !== 'PENDING') {
      throw new InvalidOrderState(`Order ${orderId} is ${order.status}; nothing to reserve`, { status: order.status });
    }
    try {
      await inventory.reserveStock(orderId, lines, nowIso());
    } catch (error) {
      if (!(error instanceof OutOfStock)) throw error;
      await orders.transitionOrder(orderId, 'REJECTED', nowIso(), { set: { failureReason: error.message } });
      metrics.countEvent('CheckoutRejected');
      logger.info('Order rejected: out of stock', { sku: error.sku });
      throw error;
    }
    logger.info('Stock reserved', { lines: lines.length });
    return { lines };
  };
}
