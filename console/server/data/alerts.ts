/**
 * Ops alerts. SNS keeps no messages to read back, so on a deployed stage the console shows what
 * flagNeedsAttention records on each NEEDS_ATTENTION order (the same fields the alert carries); locally
 * it also reads what reached the ops-alerts topic (`GET /_local/ops-alerts`).
 */
import type { ConsoleTarget } from '../target';
import { getOrder, listOrders } from './orders';

export interface AlertView {
  orderId: string;
  step?: string;
  error?: string;
  reason?: string;
  at: string;
  subject?: string;
  source: 'ops-alerts topic' | 'order record';
}

export async function opsAlerts(target: ConsoleTarget): Promise<AlertView[]> {
  if (target.local) {
    const response = await fetch(`${target.local.controlUrl}/_local/ops-alerts`);
    if (response.ok) {
      const { alerts = [] } = (await response.json()) as { alerts?: Array<{ message: string; subject?: string | null; timestamp?: string }> };
      return alerts
        .map((alert) => {
          let parsed: Record<string, any> = {};
          try {
            parsed = JSON.parse(alert.message);
          } catch {
            parsed = { reason: alert.message };
          }
          return { orderId: parsed.orderId, step: parsed.step, error: parsed.error, reason: parsed.reason, at: parsed.at ?? alert.timestamp ?? '', subject: alert.subject ?? undefined, source: 'ops-alerts topic' as const };
        })
        .reverse();
    }
  }
  const { orders } = await listOrders(target, { status: 'NEEDS_ATTENTION', limit: 100 });
  const full = await Promise.all(orders.map((order) => getOrder(target, order.orderId)));
  return full
    .filter((order) => order?.attention)
    .map((order) => ({ orderId: order!.orderId, step: order!.attention.step, error: order!.attention.error, reason: order!.attention.reason, at: order!.attention.at, source: 'order record' as const }));
}
