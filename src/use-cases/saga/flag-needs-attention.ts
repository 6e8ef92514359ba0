/**
 * The saga's FlagNeedsAttention task (and the webhook's and compensation's flag): a paid order a
 * person must look at, with exactly one ops alert.
 */
import { logger } from '../../commons/logger';
import { InvalidOrderState } from '../../domain/errors';
import { NEEDS_ATTENTION_CUSTOMER_MESSAGE, type AttentionKind, type Order } from '../../domain/order';
import { RUNBOOK } from '../../domain/ops-alert';
import { nowIso } from '../../commons/clock';
import type { MetricsPort, OpsAlertsPort, OrdersPort } from '../ports';

export interface NeedsAttentionReport {
  orderId: string;
  kind: AttentionKind;
  step: string;
  error: string;
  reason: string;
  paymentIntentId?: string;
  executionId?: string;
  /** The PaymentIntent's status, when the caller knows it (money received: 'succeeded'). */
  paymentStatus?: string;
}

/**
 * Marks a paid (or paid-after-all) order NEEDS_ATTENTION and sends exactly one ops alert.
 * Safe to retry: the alert is recorded on the order once published, and a retry that finds the
 * order already flagged only publishes if that record is missing.
 */
export interface FlagNeedsAttentionDeps {
  orders: Pick<OrdersPort, 'getOrder' | 'transitionOrder' | 'updateOrder'>;
  opsAlerts: Pick<OpsAlertsPort, 'publishOpsAlert'>;
  metrics: Pick<MetricsPort, 'countEvent'>;
}

export type FlagOrderNeedsAttention = (report: NeedsAttentionReport) => Promise<Order>;

export function createFlagOrderNeedsAttention({ orders, opsAlerts, metrics }: FlagNeedsAttentionDeps): FlagOrderNeedsAttention {
  return async function flagOrderNeedsAttention(report) {
    const at = nowIso();
    const flag = {
      attention: { kind: report.kind, step: report.step, error: report.error, reason: report.reason, at },
      attentionStatus: 'OPEN',
      // The public view shows failureReason: no error causes or stack traces there.
      failureReason: NEEDS_ATTENTION_CUSTOMER_MESSAGE,
      ...(report.paymentStatus ? { 'payment.status': report.paymentStatus } : {}),
    };
    let order: Order;
    try {
      order = await orders.transitionOrder(report.orderId, 'NEEDS_ATTENTION', at, { set: flag });
      metrics.countEvent('NeedsAttentionRaised');
    } catch (error) {
      if (!(error instanceof InvalidOrderState) || error.details.from !== 'NEEDS_ATTENTION') throw error;
      // Already flagged: read it whole to see whether this flag was alerted or a resume failed.
      const current = await orders.getOrder(report.orderId);
      if (current?.status !== 'NEEDS_ATTENTION') throw error;
      order = current;
      // An operator's resume failed before it moved the order (e.g. at MarkPaid): a new failure to
      // report, and the new `attention` (without the resume claim) makes the order resumable again.
      const resumeFailed = order.attention?.resumeRequestedAt
        ? await orders.updateOrder(report.orderId, { set: flag }, ['NEEDS_ATTENTION'], { present: ['attention.resumeRequestedAt'] })
        : undefined;
      if (resumeFailed) {
        order = resumeFailed;
        metrics.countEvent('NeedsAttentionRaised'); // raised again: the operator's resume failed
      } else if (order.attention && 'alertedAt' in order.attention) {
        logger.info('Order already flagged and alerted', { step: report.step });
        return order;
      }
    }
    await opsAlerts.publishOpsAlert({
      type: 'ORDER_NEEDS_ATTENTION',
      orderId: report.orderId,
      step: report.step,
      error: report.error,
      reason: report.reason,
      paymentIntentId: report.paymentIntentId ?? order.payment?.paymentIntentId,
      executionId: report.executionId,
      at,
      runbook: RUNBOOK,
    });
    await orders.updateOrder(report.orderId, { set: { 'attention.alertedAt': nowIso() } });
    logger.warn('Order needs attention; ops alerted', { step: report.step, kind: report.kind, reason: report.reason });
    return order;
  };
}
