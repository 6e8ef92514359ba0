/**
 * The saga's AwaitPayment task (stepfunctions/checkout.asl.yml). Each Lambda task's use case is a
 * module of its own, so that a function's bundle loads only the clients its step uses (this one:
 * DynamoDB and the Stripe SDK, not the SNS and SQS clients of the compensation; bench/README.md:
 * "Cold-start proxies").
 */
import { logger } from '../../commons/logger';
import { nowIso } from '../../commons/clock';
import { InvalidOrderState, OrderCanceled } from '../../domain/errors';
import { PRE_PAYMENT_STATUSES } from '../../domain/order-status';
import type { MetricsPort, OrdersPort, PaymentsPort } from '../ports';

export interface RequestPaymentDeps {
  orders: Pick<OrdersPort, 'updateOrder' | 'transitionOrder'>;
  payments: Pick<PaymentsPort, 'createPaymentIntent' | 'cancelPaymentIntent'>;
  metrics: Pick<MetricsPort, 'recordDuration'>;
}

export function createRequestPayment({ orders, payments, metrics }: RequestPaymentDeps) {
  /**
   * The payment wait's task: store the token first (so the webhook can always resume), then create
   * the PaymentIntent (idempotent per order) and show AWAITING_PAYMENT.
   */
  return async function requestPayment(orderId: string, taskToken: string) {
    // Atomic with the cancel handler's write: one of the two always sees the other.
    const order = await orders.updateOrder(orderId, { set: { taskToken } }, PRE_PAYMENT_STATUSES);
    if (!order) throw new InvalidOrderState(`Order ${orderId} no longer waits for payment`);
    if (order.cancelRequestedAt) throw new OrderCanceled(orderId);

    const intent = await payments.createPaymentIntent(order);
    const payment = {
      'payment.paymentIntentId': intent.id,
      'payment.clientSecret': intent.clientSecret,
      'payment.status': intent.status,
    };
    // Recording the intent and compensateOrder's claim are atomic writes on the same item: if a
    // cancel or compensation began first, this write is refused and the intent is cancelled here;
    // otherwise the compensation's claim returns the intent id and it cancels it.
    const notClosing = { absent: ['cancelRequestedAt', 'compensationStartedAt'] };
    let recorded: boolean;
    if (order.status === 'AWAITING_PAYMENT') {
      recorded = (await orders.updateOrder(orderId, { set: payment }, ['AWAITING_PAYMENT'], notClosing)) !== undefined;
    } else {
      try {
        const at = nowIso();
        await orders.transitionOrder(orderId, 'AWAITING_PAYMENT', at, { set: payment }, notClosing);
        recorded = true;
        // Only the write that moved the order measures it: a retried task finds it AWAITING_PAYMENT already.
        metrics.recordDuration('CheckoutToAwaitingPaymentTime', Date.parse(at) - Date.parse(order.createdAt));
      } catch (error) {
        if (!(error instanceof InvalidOrderState)) throw error;
        recorded = false;
      }
    }
    if (!recorded) {
      logger.info('Order cancelled or expiring while its PaymentIntent was created; cancelling it');
      await payments.cancelPaymentIntent(intent.id);
      return { paymentIntentId: intent.id };
    }
    logger.info('Awaiting payment', { paymentIntentId: intent.id });
    return { paymentIntentId: intent.id };
  };
}
