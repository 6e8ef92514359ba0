/**
 * The order's PaymentIntent and its events through the Stripe SDK; locally also the emulator's
 * webhook delivery attempts (real Stripe has no API for those: the dashboard shows them).
 */
import type Stripe from 'stripe';
import type { ConsoleTarget } from '../target';

export interface PaymentView {
  id: string;
  status: string;
  amount: number;
  currency: string;
  lastError?: { code?: string; declineCode?: string; message?: string };
  created: string;
}

export interface StripeEventView {
  id: string;
  type: string;
  at: string;
  requestId?: string | null;
  idempotencyKey?: string | null;
  pendingWebhooks: number;
  objectStatus?: string;
}

export interface DeliveryView {
  deliveryId: string;
  eventId: string;
  type: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  at: string;
  durationMs?: number;
  resend?: boolean;
  copy?: number;
  /** What the endpoint answered (the emulator keeps the first 2 KB). */
  responseBody?: string | null;
}

export async function paymentIntentOf(target: ConsoleTarget, id: string): Promise<PaymentView | undefined> {
  try {
    const intent = await target.stripeClient.paymentIntents.retrieve(id);
    return {
      id: intent.id,
      status: intent.status,
      amount: intent.amount,
      currency: intent.currency,
      lastError: intent.last_payment_error
        ? { code: intent.last_payment_error.code, declineCode: intent.last_payment_error.decline_code, message: intent.last_payment_error.message }
        : undefined,
      created: new Date(intent.created * 1000).toISOString(),
    };
  } catch {
    return undefined;
  }
}

function relatesTo(event: Stripe.Event, paymentIntentId: string): boolean {
  const object = event.data.object as { id?: string; payment_intent?: string | null };
  return object.id === paymentIntentId || object.payment_intent === paymentIntentId;
}

/** At most this many events are read back from now to the order's creation. */
const MAX_EVENTS_READ = 1000;

/** The intent's events (payment_intent.* and charge.*), oldest first: Stripe lists newest first, so read back to the order's creation. */
export async function eventsOf(target: ConsoleTarget, paymentIntentId: string, since: string): Promise<StripeEventView[]> {
  const sinceSeconds = Math.floor(Date.parse(since) / 1000) - 60;
  const found: StripeEventView[] = [];
  let read = 0;
  for await (const event of target.stripeClient.events.list({ limit: 100 })) {
    if (event.created < sinceSeconds || ++read > MAX_EVENTS_READ) break;
    if (!relatesTo(event, paymentIntentId)) continue;
    found.push({
      id: event.id,
      type: event.type,
      at: new Date(event.created * 1000).toISOString(),
      requestId: event.request?.id,
      idempotencyKey: event.request?.idempotency_key,
      pendingWebhooks: event.pending_webhooks,
      objectStatus: (event.data.object as { status?: string }).status,
    });
  }
  return found.reverse();
}

/** The emulator's delivery attempts for these events (local only). */
export async function deliveriesOf(target: ConsoleTarget, eventIds: string[]): Promise<DeliveryView[]> {
  const base = target.local?.stripeEmulatorUrl;
  if (!base || !eventIds.length) return [];
  const response = await fetch(`${base}/_emulator/deliveries`);
  if (!response.ok) return [];
  const { data: all = [] } = (await response.json()) as { data?: DeliveryView[] };
  const wanted = new Set(eventIds);
  return all.filter((delivery) => wanted.has(delivery.eventId));
}
