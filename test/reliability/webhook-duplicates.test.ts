/**
 * Scenario 2, webhooks delivered more than once and out of order. The emulator delivers every
 * event three times (duplicateDeliveries: 2) and shuffles what it holds (reorderDeliveries), while
 * customers pay plainly, after a decline, or through 3-D Secure. After the orders completed, the
 * suite resends every event through the emulator and replays each one itself, re-signed, several
 * times at once (and once more under a new event id). Every order must have resumed exactly once:
 * one set of status changes, one execution through AwaitPayment, one inventory commit, one
 * fulfilment hand-off, no alert; and late duplicates answer 2xx.
 */
import { HAPPY_PATH, Harness, onceOnlyViolations, showStock, type Journey } from './support/harness';
import { delay, mapLimit, pollUntil, showTally, tally } from '../support/poll';
import { HELD, recordResult } from './support/results';

const SKU = 'REL-WEBHOOK';
const STOCK = 50;

describe('scenario 2: duplicated and reordered webhooks', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start({
      paymentWindowSeconds: 60,
      stripeDelivery: { duplicateDeliveries: 2, reorderDeliveries: 'shuffle', reorderWindowMs: 300 },
    });
  }, 60_000);
  afterAll(() => h?.close());

  test('every order resumes exactly once; late duplicates answer 2xx', async () => {
    await h.createSku(SKU, STOCK);
    const journeys: Journey[] = Array.from({ length: 15 }, (_, i) => (['visa', 'decline-then-visa', '3ds'] as const)[i % 3]);
    const quantities = journeys.map((_, i) => 1 + (i % 3));
    const orderIds = await Promise.all(quantities.map((quantity) => h.checkout([{ sku: SKU, quantity }])));
    const awaiting = await mapLimit(orderIds, 20, (id) => h.waitForStatus(id, ['AWAITING_PAYMENT']));

    // Everyone pays at once, each in their own way.
    await Promise.all(
      awaiting.map((order, i) => h.payAs(order.payment.paymentIntentId, journeys[i])),
    );
    await h.waitAllSettled(orderIds, 60_000);
    await h.webhooksDelivered();

    // Late duplicates: the emulator resends every event once more, and we replay them ourselves,
    // re-signed with a fresh timestamp, three at a time, plus once under a new event id.
    const emulator = h.cloud.stripe.emulator!;
    const events = emulator.events();
    const resends = await mapLimit(events, 10, (event) => fetch(`${h.cloud.stripe.apiBase}/_emulator/events/${event.id}/resend`, { method: 'POST' }).then((r) => r.status));
    const replayStatuses: number[] = [];
    await mapLimit(events, 8, async (event) => {
      const payload = JSON.stringify(event);
      const copies = await Promise.all([0, 1, 2].map(() => h.postWebhook(payload, h.sign(payload))));
      replayStatuses.push(...copies.map((reply) => reply.status));
      const renamed = JSON.stringify({ ...event, id: `${event.id}_replayed` });
      replayStatuses.push((await h.postWebhook(renamed, h.sign(renamed))).status);
    });
    await h.webhooksDelivered();
    const resendIds = new Set(events.map((event) => event.id));
    const lateDeliveries = emulator.deliveries().filter((d) => d.resend && resendIds.has(d.eventId));

    // What the system did, order by order.
    await h.inventoryQueueDrained();
    await h.noExecutionRunning();
    const { problems, orders, handoffs, stock } = await onceOnlyViolations(h, { orderIds, journeys, quantities, sku: SKU, stocked: STOCK });

    const firstDeliveries = emulator.deliveries().filter((d) => !d.resend);
    // The emulator retries any non-2xx as Stripe does; what the design may answer before a 2xx is
    // 409 (the same event in progress) or 503 (retry later), never a 500 or no answer at all.
    const firstAnswers = tally(firstDeliveries.map((d) => String(d.statusCode ?? d.error)));
    const unexpectedFirstAnswers = Object.keys(firstAnswers).filter((answer) => !['200', '409', '503'].includes(answer));
    const late = [...replayStatuses, ...lateDeliveries.map((d) => d.statusCode ?? 0)];
    const lateNon2xx = late.filter((status) => status < 200 || status > 299);
    const verdict = recordResult({
      scenario: '2 duplicated and reordered webhooks',
      attempts:
        `${orderIds.length} orders (visa, decline then visa, 3DS), ${events.length} events x3 shuffled = ${firstDeliveries.length} deliveries, ` +
        `then ${resends.length} resends + ${replayStatuses.length} re-signed replays`,
      expected:
        'each order: 1 execution through AwaitPayment, history PENDING>AWAITING_PAYMENT>PAID>COMPLETED, 1 commit, 1 hand-off, 0 alerts; ' +
        'deliveries answered 200, 409 or 503 only; late duplicates 2xx',
      observed:
        `${showTally(tally(orderIds.map((id) => orders.get(id).status)))}; ${problems.length} violations; ${handoffs.length} hand-offs; ` +
        `${showStock(stock)}; first deliveries answered ${showTally(firstAnswers)}; late duplicates: ${showTally(tally(late.map(String)))}`,
      ok: problems.length === 0 && lateNon2xx.length === 0 && resends.every((s) => s === 200) && unexpectedFirstAnswers.length === 0,
    });
    expect(problems).toEqual([]);
    expect(resends.every((status) => status === 200)).toBe(true);
    expect(lateNon2xx).toEqual([]);
    expect(unexpectedFirstAnswers).toEqual([]);
    // Every first delivery ended in a 2xx (retries included), so Stripe would stop retrying.
    const eventsAcked = new Set(emulator.deliveries().filter((d) => d.statusCode && d.statusCode < 300).map((d) => d.eventId));
    expect(events.filter((event) => !eventsAcked.has(event.id)).map((event) => event.type)).toEqual([]);
    await pollUntil('no new orders', async () => (await h.scanOrders()).length === orderIds.length);
    expect(verdict).toBe(HELD);
  }, 180_000);

  test('declines and the success delivered at the same moment, newest first, twice each (as Stripe may, in parallel)', async () => {
    const emulator = h.cloud.stripe.emulator!;
    const sku = 'REL-WEBHOOK-PARALLEL';
    await h.createSku(sku, 40);
    const orderIds = await Promise.all(Array.from({ length: 20 }, () => h.checkout([{ sku, quantity: 1 }])));
    const awaiting = await mapLimit(orderIds, 20, (id) => h.waitForStatus(id, ['AWAITING_PAYMENT']));
    await h.webhooksDelivered();
    const seen = new Set(emulator.events().map((event) => event.id));
    // Hold the deliveries: the events are stored, and we deliver them ourselves, all at once.
    emulator.setConfig({ webhookUrl: null });
    try {
      await Promise.all(
        awaiting.map(async (order) => {
          // Three cards declined, then one that works: three payment_failed events before the success.
          for (const card of ['pm_card_chargeDeclined', 'pm_card_chargeDeclinedInsufficientFunds', 'pm_card_chargeDeclinedExpiredCard']) {
            await h.pay(order.payment.paymentIntentId, card);
          }
          await h.pay(order.payment.paymentIntentId, 'pm_card_visa');
        }),
      );
    } finally {
      emulator.setConfig({ webhookUrl: `${h.cloud.apiUrl}/webhooks/stripe` });
    }
    const held = emulator.events().filter((event) => !seen.has(event.id));
    // Stripe retries any non-2xx, and so do we; but the design answers only 409 EVENT_IN_PROGRESS
    // (the same event is being processed) or 503 RETRY_LATER (the saga cannot take it yet) before
    // a 2xx. Any other answer, a 500 above all, is not retried: it is a failure of its own.
    const retryable: Record<number, string> = { 409: 'EVENT_IN_PROGRESS', 503: 'RETRY_LATER' };
    const answers: string[] = [];
    const deliver = async (event: (typeof held)[number]): Promise<string | undefined> => {
      const payload = JSON.stringify(event);
      for (let attempt = 1; attempt <= 20; attempt++) {
        const reply = await h.postWebhook(payload, h.sign(payload));
        const code = reply.body?.error?.code;
        answers.push(code ? `${reply.status} ${code}` : String(reply.status));
        if (reply.status >= 200 && reply.status < 300) return undefined;
        if (retryable[reply.status] !== code) return `${event.id} (${event.type}) answered ${reply.status}: ${reply.text.slice(0, 200)}`;
        await delay(20 * attempt); // Stripe's retries back off too
      }
      return `${event.id} (${event.type}) never acknowledged in 20 attempts`;
    };
    // Newest first (the success before the decline), each event's two copies side by side.
    const undelivered = (await Promise.all([...held].reverse().flatMap((event) => [event, event]).map(deliver))).filter((failure) => failure !== undefined);
    const orders = await h.waitAllSettled(orderIds, 60_000);
    await h.noExecutionRunning();

    const problems: string[] = [];
    for (const id of orderIds) {
      const order = orders.get(id);
      const history = order.history.map((entry: any) => entry.status).join(',');
      if (history !== 'PENDING,AWAITING_PAYMENT,PAID,COMPLETED') problems.push(`${id} history ${history}`);
      if (order.payment.status !== 'succeeded') problems.push(`${id} ${order.status} but payment.status ${order.payment.status}`);
      if (h.statesEntered(id).join(',') !== HAPPY_PATH.join(',')) problems.push(`${id} went through ${h.statesEntered(id).join(',')}`);
    }
    const answerKinds = Object.keys(tally(answers));
    const unexpectedAnswers = answerKinds.filter((answer) => !['200', '409 EVENT_IN_PROGRESS', '503 RETRY_LATER'].includes(answer));
    const verdict = recordResult({
      scenario: '2 declines + success webhooks in parallel',
      attempts: `${orderIds.length} orders paid after 3 declines, their ${held.length} events delivered twice each, all at once (${answers.length} POSTs)`,
      expected: 'each event acknowledged (200) after retries of 409 EVENT_IN_PROGRESS or 503 RETRY_LATER only; each order resumes once and ends COMPLETED showing payment succeeded',
      observed:
        `${showTally(tally(orderIds.map((id) => orders.get(id).status)))}; ${problems.length} violations${problems.length ? ` (e.g. ${problems[0]})` : ''}; ` +
        `answers ${showTally(tally(answers))}; ${undelivered.length} deliveries not acknowledged${undelivered.length ? ` (e.g. ${undelivered[0]})` : ''}`,
      ok: problems.length === 0 && undelivered.length === 0 && unexpectedAnswers.length === 0,
    });
    expect(undelivered).toEqual([]);
    expect(unexpectedAnswers).toEqual([]);
    expect(problems).toEqual([]);
    expect(verdict).toBe(HELD);
  }, 120_000);
});
