/**
 * Everything the order page shows, joined from DynamoDB, Step Functions, Stripe, SQS and the ops alerts:
 * one JSON document per order, rebuilt for each server-sent update.
 */
import { historyOf, executionsOf, type ExecutionSummary } from './data/executions';
import { opsAlerts, type AlertView } from './data/alerts';
import { getOrder, stockOf } from './data/orders';
import { deliveriesOf, eventsOf, paymentIntentOf, type DeliveryView, type PaymentView, type StripeEventView } from './data/payments';
import { peekDlqs, type DlqView } from './data/queues';
import { buildTimeline, type TimelineEntry } from './model/timeline';
import { runOf, stateLabel, type ExecutionRun, type HistoryEvent } from './model/state-status';
import { whyThisState } from './model/why';
import type { SagaGraph } from './model/asl-graph';
import type { ConsoleTarget } from './target';

export interface ExecutionDetail extends ExecutionSummary {
  run: ExecutionRun;
  labels: Record<string, string>;
  eventCount: number;
}

export interface OrderPage {
  order: Record<string, any>;
  why: string;
  executions: ExecutionDetail[];
  payment?: PaymentView;
  stripeEvents: StripeEventView[];
  deliveries: DeliveryView[];
  stock: Array<Record<string, any>>;
  alerts: AlertView[];
  dlqMessages: DlqView['messages'];
  timeline: TimelineEntry[];
  faults: Record<string, unknown>;
}

/** A few seconds of cache for what every open page shares (and what costs receives: DLQ peeks). */
function cached<T>(ttlMs: number, load: () => Promise<T>): () => Promise<T> {
  let value: { at: number; promise: Promise<T> } | undefined;
  return () => {
    if (!value || Date.now() - value.at > ttlMs) {
      const promise = load();
      value = { at: Date.now(), promise };
      promise.catch(() => (value = undefined));
    }
    return value.promise;
  };
}

export interface SharedReads {
  dlqs(): Promise<DlqView[]>;
  alerts(): Promise<AlertView[]>;
  faults(): Promise<Record<string, unknown>>;
}

export function sharedReads(target: ConsoleTarget): SharedReads {
  return {
    dlqs: cached(3000, () => peekDlqs(target)),
    alerts: cached(1000, () => opsAlerts(target)),
    faults: cached(500, async () => {
      if (!target.local) return {};
      const response = await fetch(`${target.local.controlUrl}/_local/faults`);
      return response.ok ? ((await response.json()) as { faults: Record<string, unknown> }).faults : {};
    }),
  };
}

export async function loadHistories(target: ConsoleTarget, executions: ExecutionSummary[]): Promise<Array<ExecutionSummary & { events: HistoryEvent[] }>> {
  return Promise.all(executions.map(async (execution) => ({ ...execution, events: await historyOf(target, execution.executionArn) })));
}

export async function loadOrderPage(target: ConsoleTarget, graph: SagaGraph, shared: SharedReads, orderId: string): Promise<OrderPage | undefined> {
  const order = await getOrder(target, orderId);
  if (!order) return undefined;
  const paymentIntentId: string | undefined = order.payment?.paymentIntentId;
  const [executions, payment, stripeEvents, stock, alerts, dlqs, faults] = await Promise.all([
    executionsOf(target, order as { orderId: string; resumeCount?: number }).then((found) => loadHistories(target, found)),
    paymentIntentId ? paymentIntentOf(target, paymentIntentId) : Promise.resolve(undefined),
    paymentIntentId ? eventsOf(target, paymentIntentId, order.createdAt) : Promise.resolve([]),
    stockOf(target, (order.items ?? []).map((line: { sku: string }) => line.sku)),
    shared.alerts().then((all) => all.filter((alert) => alert.orderId === orderId)),
    shared.dlqs().catch(() => [] as DlqView[]),
    shared.faults().catch(() => ({})),
  ]);
  const deliveries = await deliveriesOf(target, stripeEvents.map((event) => event.id));
  const dlqMessages = dlqs.flatMap((dlq) => dlq.messages).filter((message) => message.orderIds.includes(orderId));
  const stateNames = graph.states.map((state) => state.name);
  const details: ExecutionDetail[] = executions.map(({ events, ...execution }) => {
    const run = runOf(events, stateNames);
    const labels = Object.fromEntries(Object.values(run.states).map((state) => [state.name, stateLabel(state)]));
    return { ...execution, run, labels, eventCount: events.length };
  });
  const latest = details[details.length - 1];
  return {
    order,
    why: whyThisState(order as any, latest?.run, payment),
    executions: details,
    payment,
    stripeEvents,
    deliveries,
    stock,
    alerts,
    dlqMessages,
    timeline: buildTimeline({
      statusHistory: order.history ?? [],
      executions: executions.map((execution) => ({ name: execution.name, events: execution.events })),
      stripeEvents,
      deliveries,
      alerts,
      dlqMessages,
    }),
    faults,
  };
}
