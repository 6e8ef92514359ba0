/** A customer's checkout (POST /checkout): prices the cart from the catalogue, stores the order, starts the saga. */
import { config } from '../../commons/config';
import { logger, logOrder } from '../../commons/logger';
import { newOrderId, type Order, type ShippingAddress } from '../../domain/order';
import { priceCart, type CartLine } from '../../domain/pricing';
import { nowIso } from '../../commons/clock';
import type { InventoryPort, MetricsPort, OrdersPort, SagaPort } from '../ports';

export interface CheckoutRequest {
  items: CartLine[];
  customer: { email: string };
  shippingAddress: ShippingAddress;
}

export interface AcceptCheckoutDeps {
  inventory: Pick<InventoryPort, 'getCatalogue'>;
  orders: Pick<OrdersPort, 'createOrder' | 'transitionOrder'>;
  saga: Pick<SagaPort, 'startCheckoutExecution'>;
  metrics: Pick<MetricsPort, 'countEvent'>;
}

export function createAcceptCheckout({ inventory, orders, saga, metrics }: AcceptCheckoutDeps) {
  async function acceptCheckout(request: CheckoutRequest) {
    const catalogue = await inventory.getCatalogue(request.items.map((line) => line.sku));
    const priced = priceCart(request.items, catalogue, request.shippingAddress.country, config.shipping);
    const orderId = newOrderId();
    logOrder(orderId);
    const at = nowIso();
    const order: Order = {
      orderId,
      status: 'PENDING',
      items: priced.items,
      amounts: priced.amounts,
      customer: request.customer,
      shippingAddress: { ...request.shippingAddress, country: request.shippingAddress.country.toUpperCase() },
      shippingZone: priced.shippingZone,
      payment: {},
      paymentWindowSeconds: config.paymentWindowSeconds,
      history: [{ status: 'PENDING', at }],
      createdAt: at,
      updatedAt: at,
    };
    await orders.createOrder(order);
    try {
      await saga.startCheckoutExecution(orderId, { orderId, paymentWindowSeconds: order.paymentWindowSeconds });
    } catch (error) {
      // Nothing is reserved yet; close the order so it never sits PENDING without a saga.
      logger.error('Could not start the checkout saga', { error: error as Error });
      await orders.transitionOrder(orderId, 'REJECTED', nowIso(), { set: { failureReason: 'Checkout could not be started' } });
      metrics.countEvent('CheckoutRejected');
      throw error;
    }
    metrics.countEvent('CheckoutAccepted');
    logger.info('Checkout accepted', { total: order.amounts.total, currency: order.amounts.currency, lines: order.items.length });
    return {
      orderId,
      status: order.status,
      items: order.items,
      amounts: order.amounts,
      paymentWindowSeconds: order.paymentWindowSeconds,
      links: { order: `/orders/${orderId}`, cancel: `/orders/${orderId}/cancel` },
    };
  }

  return acceptCheckout;
}

export type CheckoutAccepted = Awaited<ReturnType<ReturnType<typeof createAcceptCheckout>>>;

export type AcceptCheckout = ReturnType<typeof createAcceptCheckout>;
