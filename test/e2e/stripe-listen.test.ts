/**
 * End-to-end with `STRIPE_WEBHOOK_DELIVERY=listen`: the emulator registers no endpoint; the real
 * Stripe CLI (`stripe listen --forward-to .../webhooks/stripe`, started by the local cloud) carries
 * every event to the webhook function, signed with the secret of its session, and the emulator
 * records the response the CLI reports for each forwarded event.
 * Payment window 10 s: the expiry scenario's order is placed first and checked last, while the
 * other scenarios run (each on its own SKU).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { startE2e, type E2e, type OrderView } from './support/harness';
import { once } from '../support/once';
import { pollUntil } from '../support/poll';
import { stripeCliPath } from '../support/stripe-cli';
import { HANDLED_EVENT_TYPES } from '../../src/domain/webhook-decision';
import { ListenSessions } from '../../local/stripe-emulator/listen-sessions';
import { LOCAL_DEFAULTS } from '../../local/defaults';
import type { ListenDelivery } from '../../local/stripe-emulator/server';

const CLI = stripeCliPath();
if (!CLI && `${process.platform}-${process.arch}` === 'linux-x64') throw new Error('Stripe CLI binary missing: run npm ci');

const WINDOW_SECONDS = 10;
let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e({ paymentWindowSeconds: WINDOW_SECONDS, stripeWebhookDelivery: 'listen' });
  // Placed now so that its window closes while the other scenarios run.
  void expiringOrder();
});
let closed = false;
afterAll(async () => {
  if (!closed) await e2e?.close();
});

const statuses = (order: OrderView) => order.history.map((entry) => entry.status);
const expiringOrder = once(() => e2e.checkoutAwaitingPayment([{ sku: 'HOODIE-GREY-M', quantity: 1 }]));

/** The handled events of one PaymentIntent as the CLI forwarded them, once each has a reported response. */
async function forwardedEventsOf(paymentIntentId: string, types: string[]): Promise<ListenDelivery[]> {
  const eventIds = new Map<string, string>();
  for (const event of (await e2e.stripe.events.list({ limit: 100 })).data) {
    if ((event.data.object as { id?: string }).id === paymentIntentId) eventIds.set(event.id, event.type);
  }
  return pollUntil(
    `the CLI's responses for ${types.join(', ')} of ${paymentIntentId}`,
    async () => (await e2e.listenDeliveries()).filter((d) => eventIds.has(d.eventId) && (HANDLED_EVENT_TYPES as readonly string[]).includes(d.type)),
    { timeoutMs: 10_000, accept: (deliveries) => deliveries.length === types.length && deliveries.every((d) => d.responses.length > 0) },
  );
}

function expectForwardedAndAnswered(deliveries: ListenDelivery[], types: string[]) {
  expect(deliveries.map((d) => d.type).sort()).toEqual([...types].sort());
  for (const delivery of deliveries) {
    expect(delivery.ackedAt).not.toBeNull();
    expect(delivery.responses).toEqual([
      expect.objectContaining({ forwardUrl: `${e2e.apiUrl}/webhooks/stripe`, status: 200, body: expect.stringContaining(delivery.eventId) }),
    ]);
    expect(delivery.responses[0].latencyMs).toBeGreaterThanOrEqual(0);
  }
}

test('the local cloud runs stripe listen against the emulator: one live session, no endpoint, the secret from --print-secret', async () => {
  expect(e2e.cloud.stripe).toMatchObject({ mode: 'emulator', delivery: 'listen', cli: { path: CLI, source: 'npm' } });
  // Stable per key: what --print-secret printed is what the session signs with.
  expect(e2e.cloud.stripe.webhookSecret).toBe(ListenSessions.secretFor(LOCAL_DEFAULTS.stripeSecretKey));
  expect(e2e.cloud.stripe.emulator!.getConfig().webhookUrl).toBeNull();
  const live = e2e.cloud.stripe.emulator!.listen.sessions().filter((session) => session.state === 'live' && session.connected);
  expect(live).toHaveLength(1);
});

test('happy path through the CLI: paid, completed, payment_intent.succeeded forwarded and answered 200', async () => {
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]);
  expect((await e2e.pay(paymentIntentId, 'pm_card_visa')).intent?.status).toBe('succeeded');
  const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED');
  expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
  expectForwardedAndAnswered(await forwardedEventsOf(paymentIntentId, ['payment_intent.succeeded']), ['payment_intent.succeeded']);
  // The CLI filters by --events: the other events of the intent were acked, never forwarded.
  const ignored = (await e2e.listenDeliveries()).filter((d) => d.type === 'payment_intent.created' || d.type === 'charge.succeeded');
  expect(ignored.length).toBeGreaterThan(0);
  for (const delivery of ignored) expect(delivery).toMatchObject({ ackedAt: expect.any(String), responses: [] });
  // The local cloud logs one readable line per forwarded event, with its status.
  expect(e2e.logsMatching(new RegExp(`\\[stripe-cli\\] payment_intent\\.succeeded evt_\\w+ -> 200 POST ${e2e.apiUrl}/webhooks/stripe`)).length).toBeGreaterThan(0);
});

test('a decline, then a payment: both forwarded, the order completes', async () => {
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'TSHIRT-BLUE-L', quantity: 1 }]);
  expect((await e2e.pay(paymentIntentId, 'pm_card_chargeDeclined')).error).toMatchObject({ code: 'card_declined' });
  await e2e.waitForStatus(order.orderId, 'AWAITING_PAYMENT', { until: (o) => o.payment.lastError?.declineCode === 'generic_decline' });
  expect((await e2e.pay(paymentIntentId, 'pm_card_visa')).intent?.status).toBe('succeeded');
  const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED');
  expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
  const types = ['payment_intent.payment_failed', 'payment_intent.succeeded'];
  expectForwardedAndAnswered(await forwardedEventsOf(paymentIntentId, types), types);
});

test('3-D Secure: requires_action forwarded, the customer authenticates, the order completes', async () => {
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'STICKER-PACK', quantity: 1 }]);
  expect((await e2e.pay(paymentIntentId, 'pm_card_authenticationRequired')).intent?.status).toBe('requires_action');
  await pollUntil('the requires_action event to be answered', async () => (await forwardedEventsOf(paymentIntentId, ['payment_intent.requires_action']))[0]);
  expect((await e2e.authenticate(paymentIntentId, 'succeed')).status).toBe(200);
  const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED');
  expect(statuses(completed)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
  const types = ['payment_intent.requires_action', 'payment_intent.succeeded'];
  expectForwardedAndAnswered(await forwardedEventsOf(paymentIntentId, types), types);
});

test('a customer cancel: PaymentIntent canceled, payment_intent.canceled forwarded and answered', async () => {
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'MUG-LOGO', quantity: 1 }]);
  expect((await e2e.cancel(order.orderId)).status).toBe(202);
  const canceled = await e2e.waitForStatus(order.orderId, 'CANCELED');
  expect(canceled.payment.status).toBe('canceled');
  expectForwardedAndAnswered(await forwardedEventsOf(paymentIntentId, ['payment_intent.canceled']), ['payment_intent.canceled']);
});

test('stripe events resend: the CLI forwards the event again, the webhook answers it from its dedupe record, nothing happens twice', async () => {
  const sku = 'TSHIRT-BLUE-M';
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku, quantity: 1 }]);
  await e2e.pay(paymentIntentId, 'pm_card_visa');
  const completed = await e2e.waitForStatus(order.orderId, 'COMPLETED');
  const [first] = await forwardedEventsOf(paymentIntentId, ['payment_intent.succeeded']);
  const stockBefore = await e2e.waitForStock(sku, { reserved: 0 });
  const executionsBefore = await e2e.executionCount();

  // What `stripe events resend <evt>` sends (the CLI itself is exercised in test/local/stripe-emulator/listen.test.ts).
  const resend = await e2e.request('POST', `/v1/events/${first.eventId}/retry`, {
    body: 'for_stripecli=true',
    headers: { authorization: `Bearer ${e2e.cloud.stripe.secretKey}`, 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': randomUUID() },
    base: e2e.stripeApiBase,
  });
  expect(resend.status).toBe(200);
  const again = await pollUntil(
    'the resent event to be answered',
    async () => (await e2e.listenDeliveries(`?event_id=${first.eventId}`)).find((d) => d.resend && d.responses.length > 0),
  );
  expect(again.webhookId).not.toBe(first.webhookId);
  // The dedupe record answers: the same outcome as the first delivery, nothing run again.
  expect(again.responses[0]).toMatchObject({ status: 200, body: first.responses[0].body });
  expect(await e2e.order(order.orderId)).toEqual(completed);
  expect(await e2e.stock(sku)).toEqual(stockBefore);
  expect(await e2e.executionCount()).toBe(executionsBefore);
});

test('expiry: no payment within the window, the cancel Stripe reports is forwarded and answered', async () => {
  const { order, paymentIntentId } = await expiringOrder();
  const expired = await e2e.waitForStatus(order.orderId, 'EXPIRED', { timeoutMs: (WINDOW_SECONDS + 15) * 1000 });
  expect(statuses(expired)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'EXPIRED']);
  expectForwardedAndAnswered(await forwardedEventsOf(paymentIntentId, ['payment_intent.canceled']), ['payment_intent.canceled']);
});

test('closing the local cloud stops the CLI: no orphan process', async () => {
  const cli = cliChildren();
  expect(cli).toHaveLength(1);
  await e2e.close();
  closed = true;
  expect(cliChildren()).toEqual([]);
  expect(isRunning(cli[0])).toBe(false);
});

/** This process's children running `stripe listen` (setpriv execs the CLI in place: it is our child). */
function cliChildren(): number[] {
  let listing = '';
  try {
    listing = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)]).toString();
  } catch {
    listing = ''; // ps exits 1 when it lists nothing
  }
  return listing
    .split('\n')
    .filter((line) => /\bstripe listen\b/.test(line))
    .map((line) => Number(line.trim().split(/\s+/, 1)[0]));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
