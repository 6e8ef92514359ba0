/**
 * What one verified Stripe event means for its order (the stripeWebhook function, after the
 * signature and the dedupe): decided by src/domain/webhook-decision.ts, carried out here.
 */
import { logger, logOrder } from '../../commons/logger';
import type { StripeEvent, StripePaymentIntent } from '../../adapters/payments';
import type { Order } from '../../domain/order';
import { PRE_PAYMENT_STATUSES } from '../../domain/order-status';
import {
  decideAfterClosedWait,
  decideWebhookAction,
  type PaymentIntentFacts,
  type WebhookDecision,
} from '../../domain/webhook-decision';
import { nowIso } from '../../commons/clock';
import type { MetricsPort, OrdersPort, PaymentsPort, SagaPort } from '../ports';
import type { FlagOrderNeedsAttention } from '../saga/flag-needs-attention';

/** The token is not stored yet: the webhook answers 5xx so Stripe delivers the event again. */
export class RetryLater extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryLater';
  }
}

export interface HandleStripeEventDeps {
  orders: Pick<OrdersPort, 'getOrder' | 'updateOrder'>;
  payments: Pick<PaymentsPort, 'currentPaymentState' | 'paymentErrorOf'>;
  saga: Pick<SagaPort, 'completePaymentWait' | 'failPaymentWait'>;
  flagOrderNeedsAttention: FlagOrderNeedsAttention;
  metrics: Pick<MetricsPort, 'countEvent'>;
}

function factsOf(event: StripeEvent, paymentErrorOf: PaymentsPort['paymentErrorOf']): PaymentIntentFacts | undefined {
  if (!event.type.startsWith('payment_intent.')) return undefined;
  const intent = event.data.object as StripePaymentIntent;
  return {
    eventType: event.type,
    paymentIntentId: intent.id,
    amount: intent.amount,
    amountReceived: intent.amount_received,
    currency: intent.currency,
    status: intent.status,
    lastError: paymentErrorOf(intent.last_payment_error),
  };
}

export interface WebhookOutcome {
  action: WebhookDecision['action'];
  detail?: string;
}

export function createHandleStripeEvent({ orders, payments, saga, flagOrderNeedsAttention, metrics }: HandleStripeEventDeps) {
  /** Decides (src/domain/webhook-decision.ts) and carries out what one verified Stripe event means. */
  async function handleStripeEvent(event: StripeEvent): Promise<WebhookOutcome> {
    const facts = factsOf(event, payments.paymentErrorOf);
    const orderId = facts ? (event.data.object as StripePaymentIntent).metadata?.orderId : undefined;
    if (!facts || !orderId) {
      logger.info('Stripe event not used', { eventId: event.id, type: event.type });
      return { action: 'IGNORE', detail: 'not a PaymentIntent event of this shop' };
    }
    logOrder(orderId);
    const order = await orders.getOrder(orderId);
    const decision = decideWebhookAction(facts, order);
    logger.info('Stripe event decided', { eventId: event.id, type: event.type, action: decision.action });

    return carryOut(decision, event, facts, order);
  }

  /** Carries out a decision on the order as read for it (the decision table guarantees it exists, and holds a token where one is used). */
  async function carryOut(
    decision: WebhookDecision,
    event: StripeEvent,
    facts: PaymentIntentFacts,
    order: Order | undefined,
  ): Promise<WebhookOutcome> {
    const orderId = order?.orderId ?? '';
    switch (decision.action) {
      case 'RESUME_SAGA': {
        // payment.status becomes 'succeeded' in MarkPaid's write (stepfunctions/checkout.asl.yml):
        // one write per paid order instead of two.
        const delivered = await saga.completePaymentWait(order!.taskToken!, {
          paymentIntentId: facts.paymentIntentId,
          status: facts.status,
          amountReceived: facts.amountReceived,
          currency: facts.currency,
          eventId: event.id,
        });
        if (delivered === 'DELIVERED') return { action: 'RESUME_SAGA' };
        // The wait was closed: a duplicate, or the window expired and the saga compensated meanwhile.
        const orderNow = await orders.getOrder(orderId);
        return carryOut(decideAfterClosedWait(orderNow!, order!.taskToken), event, facts, orderNow);
      }
      case 'FAIL_PAYMENT_WAIT': {
        await saga.failPaymentWait(order!.taskToken!, decision.error, decision.cause);
        return { action: decision.action, detail: decision.error };
      }
      case 'RETRY_LATER':
        throw new RetryLater(decision.reason);
      case 'RECORD_DECLINE':
      case 'RECORD_ACTION_REQUIRED': {
        // Events arrive in any order, so record the intent's current state rather than the event's
        // (a 3DS step delivered after a newer decline must not roll the status back); a step
        // reported after the success is stale and refused by the guard.
        const current = await payments.currentPaymentState(facts.paymentIntentId);
        const lastError = current.lastError ?? (decision.action === 'RECORD_DECLINE' ? facts.lastError : undefined);
        await orders.updateOrder(
          orderId,
          {
            set: {
              'payment.status': current.status,
              ...(lastError ? { 'payment.lastError': { ...lastError, at: nowIso() } } : {}),
            },
          },
          PRE_PAYMENT_STATUSES,
          { paymentStatusNotIn: ['succeeded'] },
        );
        // One count per payment_failed event: the webhook handler has deduplicated it on its id.
        if (decision.action === 'RECORD_DECLINE') metrics.countEvent('PaymentDeclined');
        return { action: decision.action, detail: lastError?.declineCode ?? lastError?.code ?? current.status };
      }
      case 'FLAG_NEEDS_ATTENTION':
        await flagOrderNeedsAttention({
          orderId,
          kind: decision.kind,
          step: 'stripeWebhook',
          error: event.type,
          reason: decision.reason,
          paymentIntentId: facts.paymentIntentId,
          paymentStatus: facts.status,
        });
        return { action: decision.action, detail: decision.reason };
      case 'IGNORE':
        return { action: decision.action, detail: decision.reason };
    }
  }

  return handleStripeEvent;
}

export type HandleStripeEvent = ReturnType<typeof createHandleStripeEvent>;
