import shippingZones from '../../config/shipping-zones.json';
import type { ShippingConfig } from '../domain/pricing';

/** Read lazily: each function gets only the variables its configuration gives it. */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Missing environment variable ${name}`);
  return value;
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export const config = {
  get ordersTable() {
    return required('ORDERS_TABLE');
  },
  get inventoryTable() {
    return required('INVENTORY_TABLE');
  },
  get idempotencyTable() {
    return required('IDEMPOTENCY_TABLE');
  },
  get inventoryUpdatesQueueUrl() {
    return required('INVENTORY_UPDATES_QUEUE_URL');
  },
  get fulfilmentRequestsQueueUrl() {
    return required('FULFILMENT_REQUESTS_QUEUE_URL');
  },
  get opsAlertsTopicArn() {
    return required('OPS_ALERTS_TOPIC_ARN');
  },
  get stateMachineArn() {
    return required('STATE_MACHINE_ARN');
  },
  /** The payment window given to new orders (default 15 minutes). */
  get paymentWindowSeconds() {
    return positiveInt('PAYMENT_WINDOW_SECONDS', 900);
  },
  /**
   * How far back the reconciler lists Stripe events: by default the payment window plus 10 minutes.
   * After that the window's own close (the compensation) has found any payment of a waiting order.
   */
  get reconcileLookBackSeconds() {
    return positiveInt('RECONCILE_LOOK_BACK_SECONDS', this.paymentWindowSeconds + 600);
  },

  /** The deployment stage (serverless.yml), a dimension of the business metrics. */
  get stage() {
    return process.env.STAGE || 'unknown';
  },
  /** Empty means Stripe's own API host. */
  get stripeApiBase() {
    return process.env.STRIPE_API_BASE ?? '';
  },
  shipping: shippingZones as ShippingConfig,
};
