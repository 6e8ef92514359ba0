/**
 * One time axis for everything that happened to an order: status changes, saga states, Stripe events
 * (and the API request that caused each), webhook delivery attempts, SQS messages, ops alerts.
 */
import type { HistoryEvent } from './state-status';

export type TimelineSource = 'order' | 'saga' | 'stripe' | 'webhook' | 'sqs' | 'alert';

export interface TimelineEntry {
  at: string;
  source: TimelineSource;
  title: string;
  detail?: string;
  /** What the detail is, when not a plain detail (a webhook attempt's response body). */
  detailLabel?: string;
  /** ok | error | info: how the entry is marked. */
  tone: 'ok' | 'error' | 'info';
}

export interface TimelineInput {
  statusHistory: Array<{ status: string; at: string }>;
  executions: Array<{ name: string; events: HistoryEvent[] }>;
  stripeEvents: Array<{ id: string; type: string; at: string; requestId?: string | null; idempotencyKey?: string | null }>;
  deliveries: Array<{ eventId: string; type: string; attempt: number; statusCode: number | null; error: string | null; at: string; durationMs?: number; resend?: boolean; responseBody?: string | null }>;
  alerts: Array<{ at: string; step?: string; error?: string; reason?: string }>;
  dlqMessages: Array<{ queue: string; messageId: string; sentAt?: string }>;
}

function details(event: HistoryEvent): Record<string, any> {
  for (const [key, value] of Object.entries(event)) if (key.endsWith('EventDetails') && value && typeof value === 'object') return value as Record<string, any>;
  return {};
}

function iso(value: string | Date): string {
  return typeof value === 'string' ? value : value.toISOString();
}

function sagaEntries(name: string, events: HistoryEvent[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  let state = '';
  for (const event of events) {
    const d = details(event);
    const at = iso(event.timestamp);
    if (event.type.endsWith('StateEntered')) {
      state = d.name;
      entries.push({ at, source: 'saga', title: `${name}: entered ${d.name}`, tone: 'info' });
    } else if (event.type === 'TaskFailed' || event.type === 'TaskTimedOut' || event.type === 'LambdaFunctionFailed') {
      entries.push({ at, source: 'saga', title: `${name}: ${state} failed: ${d.error ?? 'error'}`, detail: d.cause, tone: 'error' });
    } else if (event.type === 'TaskScheduled' && String(d.resourceType) === 'sqs') {
      let body = '';
      try {
        body = JSON.parse(d.parameters ?? '{}').MessageBody;
      } catch {
        body = '';
      }
      entries.push({ at, source: 'sqs', title: `${state}: SQS SendMessage`, detail: typeof body === 'string' ? body : JSON.stringify(body), tone: 'info' });
    } else if (event.type.startsWith('Execution') && event.type !== 'ExecutionStarted') {
      entries.push({ at, source: 'saga', title: `${name}: ${event.type.replace('Execution', 'execution ').toLowerCase()}${d.error ? `: ${d.error}` : ''}`, detail: d.cause, tone: event.type === 'ExecutionSucceeded' ? 'ok' : 'error' });
    } else if (event.type === 'ExecutionStarted') {
      entries.push({ at, source: 'saga', title: `${name}: execution started`, tone: 'info' });
    }
  }
  return entries;
}

export function buildTimeline(input: TimelineInput): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const change of input.statusHistory) entries.push({ at: change.at, source: 'order', title: `order status ${change.status}`, tone: change.status === 'NEEDS_ATTENTION' || change.status === 'REJECTED' ? 'error' : 'ok' });
  for (const execution of input.executions) entries.push(...sagaEntries(execution.name, execution.events));
  for (const event of input.stripeEvents) {
    const request = event.requestId ? `caused by API request ${event.requestId}${event.idempotencyKey ? ` (Idempotency-Key ${event.idempotencyKey})` : ''}` : 'no API request (Stripe or the emulator)';
    entries.push({ at: event.at, source: 'stripe', title: `Stripe event ${event.type} ${event.id}`, detail: request, tone: event.type.endsWith('failed') ? 'error' : 'info' });
  }
  for (const delivery of input.deliveries) {
    const outcome = delivery.statusCode ? `HTTP ${delivery.statusCode}` : `no answer (${delivery.error ?? 'error'})`;
    const ok = delivery.statusCode !== null && delivery.statusCode >= 200 && delivery.statusCode < 300;
    entries.push({
      at: delivery.at,
      source: 'webhook',
      title: `webhook ${delivery.type} ${delivery.eventId} attempt ${delivery.attempt}${delivery.resend ? ' (resent)' : ''}: ${outcome}${delivery.durationMs !== undefined ? ` in ${delivery.durationMs} ms` : ''}`,
      ...(delivery.responseBody ? { detail: delivery.responseBody, detailLabel: 'response body' } : delivery.error ? { detail: delivery.error, detailLabel: 'error' } : {}),
      tone: ok ? 'ok' : 'error',
    });
  }
  for (const alert of input.alerts) entries.push({ at: alert.at, source: 'alert', title: `ops alert: ${alert.step ?? ''} ${alert.error ?? ''}`.trim(), detail: alert.reason, tone: 'error' });
  for (const message of input.dlqMessages) entries.push({ at: message.sentAt ?? '', source: 'sqs', title: `dead-lettered in ${message.queue}: ${message.messageId}`, tone: 'error' });
  return entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
