/**
 * Scenario 10, lost webhooks. Every webhook delivery fails for a while (the emulator's outage knob:
 * the endpoint is down, Stripe retries on its schedule) while a dozen customers pay: plainly, after
 * a decline, or through 3-D Secure. The reconciler (every 3 s here; 2 minutes deployed) must
 * complete every paid order within its period and before any webhook got through; when the
 * endpoint comes back, Stripe's retries deliver every event again and nothing may happen twice:
 * one execution through one MarkPaid, one commit, one hand-off, one set of status changes per order.
 */
import { Harness, onceOnlyViolations, showStock, type Journey } from './support/harness';
import { mapLimit, pollUntil, showTally, tally } from '../support/poll';
import { HELD, recordResult } from './support/results';

const SKU = 'REL-LOST-WEBHOOKS';
const STOCK = 40;
const PERIOD_SECONDS = 3;
/** Long enough that every order must be completed by the reconciler alone. */
const OUTAGE_SECONDS = 60;

describe('scenario 10: lost webhooks caught up by the reconciler', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start({
      paymentWindowSeconds: 300,
      scheduleRateSeconds: PERIOD_SECONDS,
      // Retries from 200 ms, doubling: after the outage the next one comes within seconds.
      stripeDelivery: { retryBaseDelayMs: 200, maxAttempts: 12 },
    });
  }, 60_000);
  afterAll(() => h?.close());

  test('paid orders complete within the reconciler period with every webhook lost; the late webhooks change nothing', async () => {
    const emulator = h.cloud.stripe.emulator!;
    await h.createSku(SKU, STOCK);
    const journeys: Journey[] = Array.from({ length: 12 }, (_, i) => (['visa', 'visa', 'decline-then-visa', '3ds'] as const)[i % 4]);
    const quantities = journeys.map((_, i) => 1 + (i % 2));
    const orderIds = await Promise.all(quantities.map((quantity) => h.checkout([{ sku: SKU, quantity }])));
    const awaiting = await mapLimit(orderIds, 12, (id) => h.waitForStatus(id, ['AWAITING_PAYMENT']));
    await h.webhooksDelivered();
    const eventsBefore = new Set(emulator.events().map((event) => event.id));

    // The endpoint goes down; everyone pays.
    emulator.startWebhookOutage(OUTAGE_SECONDS);
    const paidAt = new Map<string, number>();
    await Promise.all(
      awaiting.map(async (order, i) => {
        await h.payAs(order.payment.paymentIntentId, journeys[i]);
        paidAt.set(order.orderId, Date.now());
      }),
    );
    const settled = await h.waitAllSettled(orderIds, (3 * PERIOD_SECONDS + 30) * 1000);
    const outageDuringCatchUp = emulator.webhookOutage();
    const duringOutage = emulator.events().filter((event) => !eventsBefore.has(event.id));
    const deliveredDuringOutage = emulator.deliveries().filter((d) => d.statusCode !== null && !eventsBefore.has(d.eventId));
    const latencies = orderIds.map((id) => Date.parse(settled.get(id).history.find((entry: any) => entry.status === 'COMPLETED')?.at ?? 'NaN') - paidAt.get(id)!);
    const slowest = Math.max(...latencies);

    // The endpoint comes back: Stripe's retries deliver every event created during the outage.
    emulator.endWebhookOutage();
    await h.webhooksDelivered();
    const runsAfter = h.cloud.scheduler.runs().length;
    await pollUntil('one more reconciler run', () => h.cloud.scheduler.runs().length > runsAfter, { timeoutMs: (PERIOD_SECONDS + 20) * 1000 });
    await h.inventoryQueueDrained();
    await h.noExecutionRunning();

    const { problems, handoffs, stock } = await onceOnlyViolations(h, { orderIds, journeys, quantities, sku: SKU, stocked: STOCK });
    // Every event of the outage acknowledged (2xx) once the endpoint was back: Stripe stops retrying.
    const acked = new Set(emulator.deliveries().filter((d) => d.statusCode !== null && d.statusCode < 300).map((d) => d.eventId));
    const unacked = duringOutage.filter((event) => event.pending_webhooks > 0 && !acked.has(event.id));
    const lateAnswers = tally(emulator.deliveries().filter((d) => d.statusCode !== null && !eventsBefore.has(d.eventId)).map((d) => String(d.statusCode)));
    const failedRuns = h.cloud.scheduler.runs().filter((run) => run.error);

    const verdict = recordResult({
      scenario: '10 lost webhooks caught up by the reconciler',
      attempts:
        `${orderIds.length} orders (visa, decline then visa, 3DS) paid during a ${OUTAGE_SECONDS} s webhook outage (every delivery failing, ${duringOutage.length} events); ` +
        `reconciler every ${PERIOD_SECONDS} s; then the endpoint back and Stripe's retries delivering them all`,
      expected:
        `every order COMPLETED within the period (+ the saga's steps) with no webhook through; then 1 execution through MarkPaid, history PENDING>AWAITING_PAYMENT>PAID>COMPLETED, 1 commit, 1 hand-off, 0 alerts per order; late webhooks 2xx`,
      observed:
        `${showTally(tally(orderIds.map((id) => settled.get(id).status)))} while the outage lasted (${deliveredDuringOutage.length} webhooks through, ${outageDuringCatchUp.droppedAttempts} attempts dropped); ` +
        `paid -> COMPLETED slowest ${(slowest / 1000).toFixed(1)} s; ${problems.length} violations${problems.length ? ` (e.g. ${problems[0]})` : ''}; ${handoffs.length} hand-offs; ${showStock(stock)}; ` +
        `late webhooks answered ${showTally(lateAnswers)}; ${unacked.length} unacknowledged; ${failedRuns.length} failed reconciler runs`,
      ok:
        problems.length === 0 &&
        outageDuringCatchUp.active &&
        deliveredDuringOutage.length === 0 &&
        orderIds.every((id) => settled.get(id).status === 'COMPLETED') &&
        unacked.length === 0 &&
        Object.keys(lateAnswers).every((status) => status.startsWith('2')) &&
        failedRuns.length === 0,
    });
    expect(orderIds.map((id) => settled.get(id).status)).toEqual(orderIds.map(() => 'COMPLETED'));
    expect(outageDuringCatchUp.active).toBe(true);
    expect(deliveredDuringOutage).toEqual([]);
    expect(problems).toEqual([]);
    expect(unacked.map((event) => event.type)).toEqual([]);
    expect(Object.keys(lateAnswers).filter((status) => !status.startsWith('2'))).toEqual([]);
    expect(failedRuns).toEqual([]);
    expect(verdict).toBe(HELD);
  }, 120_000);
});
