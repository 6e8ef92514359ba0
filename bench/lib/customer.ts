/**
 * A customer of the local cloud, as a shop front would be: POST /checkout, poll GET /orders/{id}
 * until AWAITING_PAYMENT, confirm the PaymentIntent with the real Stripe SDK (pointed at the
 * emulator), poll until the order is final. Times are what the customer sees, so they include the
 * poll interval's granularity (on average half an interval late).
 */
import http from 'node:http';
import Stripe from 'stripe';
import { sleep } from './stats';

/**
 * GET or POST with a JSON body over node:http and its keep-alive agent. The customers are the load,
 * not the system under test: fetch (undici) took about twice the CPU per request, and on a
 * 2-core machine that CPU is taken from the local cloud.
 */
function requestJson(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: any;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = text;
        }
        resolve({ status: response.statusCode ?? 0, body: parsed });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

export const FINAL = ['COMPLETED', 'REJECTED', 'CANCELED', 'EXPIRED', 'NEEDS_ATTENTION'];

export interface Purchase {
  orderId: string;
  status: string;
  /** POST /checkout sent -> AWAITING_PAYMENT seen by the polling customer. */
  toAwaitingMs?: number;
  /** confirm sent -> COMPLETED (or other final status) seen by the polling customer. */
  toCompletedMs?: number;
  /** POST /checkout sent -> AWAITING_PAYMENT recorded in the order's history (no poll granularity). */
  toAwaitingRecordedMs?: number;
  /** confirm sent -> COMPLETED recorded in the order's history. */
  toCompletedRecordedMs?: number;
  postMs: number;
  polls: number;
  completedAt: number;
}

export class Customer {
  readonly stripe: Stripe;

  constructor(
    readonly apiUrl: string,
    stripeApiBase: string,
    stripeSecretKey: string,
    readonly pollMs = 20,
  ) {
    const base = new URL(stripeApiBase);
    this.stripe = new Stripe(stripeSecretKey, { host: base.hostname, port: Number(base.port), protocol: 'http', maxNetworkRetries: 0 });
  }

  async checkout(items: { sku: string; quantity: number }[]): Promise<string> {
    const { status, body } = await requestJson('POST', `${this.apiUrl}/checkout`, {
      items,
      customer: { email: 'bench@example.com' },
      shippingAddress: { name: 'Bench', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
    });
    if (status !== 202) throw new Error(`POST /checkout answered ${status}: ${JSON.stringify(body)}`);
    return body.orderId;
  }

  async order(orderId: string): Promise<any> {
    return (await requestJson('GET', `${this.apiUrl}/orders/${orderId}`)).body;
  }

  /**
   * Polls until the order is in one of `statuses` (or final); counts the polls. The first poll waits
   * one interval, as a shop front would: right after the 202 or the confirm the status cannot have
   * moved yet, and an immediate poll was 2 of 5 polls per order for nothing.
   */
  async waitFor(orderId: string, statuses: string[], timeoutMs = 30_000): Promise<{ order: any; polls: number; at: number }> {
    const deadline = Date.now() + timeoutMs;
    let polls = 0;
    for (;;) {
      await sleep(this.pollMs);
      polls++;
      const order = await this.order(orderId);
      const at = Date.now();
      if (statuses.includes(order.status) || FINAL.includes(order.status)) return { order, polls, at };
      if (at > deadline) throw new Error(`order ${orderId} still ${order.status} after ${timeoutMs} ms`);
    }
  }

  /** One purchase; `declineFirst` confirms with a declined card, then with a good one. */
  async buy(items: { sku: string; quantity: number }[], { declineFirst = false, finalTimeoutMs = 30_000 } = {}): Promise<Purchase> {
    const started = Date.now();
    const orderId = await this.checkout(items);
    const postMs = Date.now() - started;
    const awaiting = await this.waitFor(orderId, ['AWAITING_PAYMENT']);
    let polls = awaiting.polls;
    if (awaiting.order.status !== 'AWAITING_PAYMENT') {
      return { orderId, status: awaiting.order.status, postMs, polls, completedAt: awaiting.at };
    }
    const toAwaitingMs = awaiting.at - started;
    const paymentIntentId = awaiting.order.payment.paymentIntentId;
    const confirmedAt = Date.now();
    if (declineFirst) {
      await this.stripe.paymentIntents.confirm(paymentIntentId, { payment_method: 'pm_card_chargeDeclined' }).then(
        () => {
          throw new Error('pm_card_chargeDeclined was not declined');
        },
        (error: Error) => {
          if (!(error instanceof Stripe.errors.StripeCardError)) throw error;
        },
      );
    }
    await this.stripe.paymentIntents.confirm(paymentIntentId, { payment_method: 'pm_card_visa' });
    const final = await this.waitFor(orderId, FINAL, finalTimeoutMs);
    polls += final.polls;
    // The history's times are written by the handlers and the state machine on this machine's clock.
    const recorded = (status: string) => {
      const entry = (final.order.history as Array<{ status: string; at: string }>).find((h) => h.status === status);
      return entry ? Date.parse(entry.at) : undefined;
    };
    const awaitingAt = recorded('AWAITING_PAYMENT');
    const completedAt = recorded('COMPLETED');
    return {
      orderId,
      status: final.order.status,
      toAwaitingMs,
      toCompletedMs: final.at - confirmedAt,
      toAwaitingRecordedMs: awaitingAt === undefined ? undefined : awaitingAt - started,
      toCompletedRecordedMs: completedAt === undefined ? undefined : completedAt - confirmedAt,
      postMs,
      polls,
      completedAt: completedAt ?? final.at,
    };
  }
}
