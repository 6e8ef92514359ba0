/**
 * Scenario 17, rate-limited load: with LOCAL_LIMITS=production (Stripe 25 requests/s, Step
 * Functions and DynamoDB quotas; README, Production limits), customers arrive at 50 per second,
 * twice Stripe's limit, each one making at least two Stripe requests (the server's PaymentIntent
 * creation and the customer's confirmation). No order may be lost or oversold; the table reports the
 * completed rate and the p99 time from checkout to AWAITING_PAYMENT, where the stack saturates.
 * The burst lasts 4 s (200 customers), not the 20 s of the issue, to keep the suite within minutes.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { showTally, tally } from '../support/poll';
import { checkoutBody, Harness, ledgerTotal, showStock } from './support/harness';
import { HELD, recordResult } from './support/results';

const ARRIVALS_PER_SECOND = 50;
const SECONDS = 4;
const STOCK = 150;

describe('scenario 17: rate-limited load', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ paymentWindowSeconds: 120, limits: 'production', runSchedules: false });
  }, 60_000);
  afterAll(() => h?.close());

  /** A customer: checks out (retrying 5xx with one Idempotency-Key), then pays, retrying Stripe's 429 as Stripe.js users do. */
  async function customer(sku: string) {
    const startedAt = Date.now();
    const idempotencyKey = randomUUID();
    let orderId: string | undefined;
    for (let attempt = 1; attempt <= 8 && !orderId; attempt++) {
      const reply = await h.http('/checkout', { json: checkoutBody([{ sku, quantity: 1 }]), headers: { 'idempotency-key': idempotencyKey } });
      if (reply.status === 202) orderId = reply.body.orderId;
      else if (reply.status < 500 && reply.body?.error?.code !== 'REQUEST_IN_PROGRESS') throw new Error(`checkout ${reply.status}: ${reply.text.slice(0, 200)}`);
      else await delay(Math.min(3_000, 100 * 2 ** attempt));
    }
    if (!orderId) throw new Error('checkout failed after retries');
    const reached = await h.waitForStatus(orderId, ['AWAITING_PAYMENT', 'REJECTED'], 120_000, 250);
    const awaitingAt = Date.now();
    let payment = { ok: false, error: 'not paid' } as { ok: boolean; error?: string };
    if (reached.status === 'AWAITING_PAYMENT') {
      for (let attempt = 1; attempt <= 20; attempt++) {
        payment = await h.pay(reached.payment.paymentIntentId);
        if (payment.ok || payment.error !== 'rate_limit') break;
        await delay(200 + Math.random() * 800);
      }
    }
    return { orderId, startedAt, toAwaitingMs: reached.status === 'AWAITING_PAYMENT' ? awaitingAt - startedAt : undefined, payment };
  }

  test(`17 rate-limited load: ${ARRIVALS_PER_SECOND} customers/s for ${SECONDS} s under Stripe's 25 requests/s; nothing lost or oversold`, async () => {
    const sku = 'REL-LIMITS';
    await h.createSku(sku, STOCK);
    const started = Date.now();
    const customers: Array<Promise<Awaited<ReturnType<typeof customer>>>> = [];
    for (let i = 0; i < ARRIVALS_PER_SECOND * SECONDS; i++) {
      const due = started + (i * 1000) / ARRIVALS_PER_SECOND;
      if (due > Date.now()) await delay(due - Date.now()); // arrivals at a fixed rate
      customers.push(customer(sku));
    }
    const outcomes = await Promise.all(customers);
    const orderIds = outcomes.map((o) => o.orderId);
    const orders = await h.waitAllSettled(orderIds, 180_000);
    await h.noExecutionRunning(60_000);
    await h.inventoryQueueDrained(60_000);

    const statuses = tally(orderIds.map((id) => orders.get(id).status));
    const product = await h.product(sku);
    const completedAt = orderIds.filter((id) => orders.get(id).status === 'COMPLETED').map((id) => Date.parse(orders.get(id).updatedAt));
    const completedPerSecond = completedAt.length / Math.max(0.001, (Math.max(...completedAt) - started) / 1000);
    const toAwaiting = outcomes.flatMap((o) => (o.toAwaitingMs === undefined ? [] : [o.toAwaitingMs])).sort((a, b) => a - b);
    const p99 = toAwaiting[Math.min(toAwaiting.length - 1, Math.ceil(0.99 * toAwaiting.length) - 1)];
    const { limits } = (await h.http('/_local/faults')).body;
    const stripeLimit = limits.stats.find((stats: { name: string }) => stats.name.startsWith('Stripe'));
    const lost = orderIds.filter((id) => !['COMPLETED', 'REJECTED'].includes(orders.get(id).status));
    const paidNotCompleted = outcomes.filter((o) => o.payment.ok && orders.get(o.orderId).status !== 'COMPLETED');
    const ok =
      lost.length === 0 &&
      paidNotCompleted.length === 0 &&
      ledgerTotal(product) === STOCK &&
      product.reserved === 0 &&
      product.sold === (statuses.COMPLETED ?? 0) &&
      product.sold <= STOCK &&
      stripeLimit.throttled > 0;
    const verdict = recordResult({
      scenario: '17 rate-limited load (LOCAL_LIMITS=production)',
      attempts: `${orderIds.length} customers at ${ARRIVALS_PER_SECOND}/s for ${SECONDS} s on a stock of ${STOCK}; Stripe 25 requests/s (${stripeLimit.throttled} requests refused 429, ${stripeLimit.allowed} allowed)`,
      expected: `every order COMPLETED or REJECTED, every paid order COMPLETED, sold = COMPLETED <= ${STOCK}, stock balanced`,
      observed: `${showTally(statuses)}; ${showStock(product)}; ${completedPerSecond.toFixed(1)} orders/s completed; p99 checkout -> AWAITING_PAYMENT ${p99} ms`,
      ok,
    });
    expect(lost).toEqual([]);
    expect(paidNotCompleted).toEqual([]);
    expect(stripeLimit.throttled).toBeGreaterThan(0);
    expect(ledgerTotal(product)).toBe(STOCK);
    expect(product.sold).toBe(statuses.COMPLETED ?? 0);
    expect(verdict).toBe(HELD);
  }, 420_000);
});
