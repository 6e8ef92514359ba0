import { config } from '../../commons/config';
import { logger, logOrder } from '../../commons/logger';
import { getCatalogue } from '../../adapters/inventory-repository';
import { createOrder, transitionOrder } from '../../adapters/orders-repository';
import { startCheckoutExecution } from '../../adapters/saga';
import { newOrderId, type Order, type ShippingAddress } from '../../domain/order';
import { priceCart, type CartLine } from '../../domain/pricing';
import { nowIso } from '../../commons/clock';

export interface CheckoutRequest {
  items: CartLine[];
  customer: { email: string };
  shippingAddress: ShippingAddress;
}


export async function acceptCheckout(request: CheckoutRequest) {
  const catalogue = await getCatalogue(request.items.map((line) => line.sku));
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
  await createOrder(order);
  try {
    await startCheckoutExecution(orderId, { orderId, paymentWindowSeconds: order.paymentWindowSeconds });
  } catch (error) {
    // Nothing is reserved yet; close the order so it never sits PENDING without a saga.
    logger.error('Could not start the checkout saga', { error: error as Error });
    await transitionOrder(orderId, 'REJECTED', nowIso(), { set: { failureReason: 'Checkout could not be started' } });
    throw error;
  }
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
export type CheckoutAccepted = Awaited<ReturnType<typeof acceptCheckout>>;
