/**
 * The console in a real browser (playwright-core driving Debian's Chromium) against a local cloud: the
 * page follows orders live, the graph matches the ASL, actions work from their buttons, axe finds no
 * serious violations. Screenshots for the README are written to docs/images/.
 */
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildSagaGraph, readAsl } from '../../console/server/model/asl-graph';
import { captureEmfLines, startLocalConsole } from '../../console/server/local-console';
import type { ConsoleServer } from '../../console/server/console-server';
import { E2e } from '../e2e/support/harness';
import { pollUntil } from '../support/poll';

const ROOT = join(__dirname, '..', '..');
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let e2e: E2e;
let consoleServer: ConsoleServer;
let browser: Browser;
let page: Page;
// The handlers' metrics, as npm start captures them for the operations page.
const emf = captureEmfLines(process.stdout);

beforeAll(async () => {
  e2e = await E2e.start();
  consoleServer = await startLocalConsole(e2e.cloud, { port: 0, root: ROOT, emfLines: emf.lines });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS });
});

beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
});

afterEach(async () => {
  await page?.close();
});

afterAll(async () => {
  emf.stop();
  await browser?.close();
  await consoleServer?.close();
  await e2e?.close();
});

const statusLine = (status: string) => page.getByRole('status').filter({ hasText: `Order status: ${status}` });

async function openOrder(orderId: string): Promise<void> {
  await page.goto(`${consoleServer.url}/orders/${orderId}`);
  await page.getByRole('heading', { name: `Order ${orderId}` }).waitFor();
}

async function newOrder(sku = 'MUG-LOGO'): Promise<{ orderId: string; paymentIntentId: string }> {
  const { orderId } = await e2e.checkout([{ sku, quantity: 1 }]);
  const order = await e2e.waitForStatus(orderId, 'AWAITING_PAYMENT');
  return { orderId, paymentIntentId: order.payment.paymentIntentId! };
}

test("the graph's states are the ASL's, each with an accessible status", async () => {
  const { orderId } = await newOrder();
  await openOrder(orderId);
  const expected = Object.keys(readAsl(join(ROOT, 'stepfunctions', 'checkout.asl.yml')).States).sort();
  const drawn = await page.locator('svg.graph .node').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-state')));
  expect(drawn.sort()).toEqual(expected);
  expect(buildSagaGraph(readAsl(join(ROOT, 'stepfunctions', 'checkout.asl.yml'))).states.map((s) => s.name).sort()).toEqual(expected);
  await page.getByRole('button', { name: 'AwaitPayment: in progress' }).waitFor();
  await page.getByRole('button', { name: 'ReserveInventory: succeeded' }).waitFor();
  await page.getByRole('button', { name: 'FulfillOrder: not entered' }).waitFor();
});

test('the list finds a new order made outside the page, live and by search', async () => {
  await page.goto(consoleServer.url);
  await page.getByRole('heading', { name: 'Orders' }).waitFor();
  const { orderId, paymentIntentId } = await newOrder('STICKER-PACK');
  await page.getByRole('link', { name: orderId }).waitFor(); // arrives by server-sent events, no reload
  await page.getByRole('searchbox', { name: 'Search orders' }).or(page.getByLabel('Search orders')).first().fill(paymentIntentId);
  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByRole('heading', { name: `Order ${orderId}` }).waitFor();
});

test('an order page follows the order live from AWAITING_PAYMENT to COMPLETED after a payment made elsewhere', async () => {
  const { orderId, paymentIntentId } = await newOrder();
  await openOrder(orderId);
  await statusLine('AWAITING_PAYMENT').waitFor();
  await page.getByText(/Waiting for payment since .*the window closes at/).waitFor();
  await page.screenshot({ path: join(ROOT, 'docs', 'images', 'console-order-mid-payment.png'), fullPage: true });

  await e2e.stripe.paymentIntents.confirm(paymentIntentId, { payment_method: 'pm_card_visa' });
  await statusLine('COMPLETED').waitFor();
  await page.getByRole('button', { name: 'MarkCompleted: succeeded' }).waitFor();
  const delivery = page.getByRole('region', { name: 'Timeline' }).getByRole('row').filter({ hasText: /webhook payment_intent\.succeeded .* attempt 1: HTTP 200 in \d+ ms/ });
  await delivery.getByText('response body').click(); // what the webhook handler answered
  await delivery.getByText(/"received": true/).waitFor();
});

test('a declined-then-paid order shows both attempts in the timeline', async () => {
  const { orderId } = await newOrder();
  await openOrder(orderId);
  await page.getByRole('button', { name: 'Pay with test card: declined' }).click();
  await page.getByText('Declined: card_declined / generic_decline').waitFor();
  await page.getByText(/the last attempt was declined: card_declined/).waitFor();
  await page.getByRole('button', { name: 'Pay with test card: succeeds' }).click();
  await statusLine('COMPLETED').waitFor();
  const timeline = page.getByRole('region', { name: 'Timeline' });
  await timeline.getByText(/Stripe event payment_intent\.payment_failed/).waitFor();
  await timeline.getByText(/Stripe event payment_intent\.succeeded/).waitFor();
  await timeline.getByText(/webhook payment_intent\.payment_failed .* HTTP 200/).waitFor();
});

test('a step broken from its graph node sends a paid order to NEEDS_ATTENTION; healed, its resume button finishes it', async () => {
  const { orderId, paymentIntentId } = await newOrder();
  await openOrder(orderId);
  const node = page.getByRole('button', { name: 'FulfillOrder: not entered' });
  await node.focus(); // by keyboard
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Break fulfillOrder' }).click();
  await page.getByText('fulfillOrder now fails every invocation').waitFor();
  try {
    await e2e.stripe.paymentIntents.confirm(paymentIntentId, { payment_method: 'pm_card_visa' });
    await page.getByRole('button', { name: /FulfillOrder: retrying, attempt \d/ }).waitFor({ timeout: 30_000 });
    await statusLine('NEEDS_ATTENTION').waitFor({ timeout: 60_000 });
    await page.getByText(/NEEDS_ATTENTION: fulfillOrder failed 5 times, last error/).waitFor();
    await page.getByRole('button', { name: 'FulfillOrder: caught after 5 attempts' }).waitFor();
    await page.screenshot({ path: join(ROOT, 'docs', 'images', 'console-needs-attention.png'), fullPage: true });
  } finally {
    await page.getByRole('button', { name: 'Heal fulfillOrder' }).click();
  }
  await page.getByText('fulfillOrder healed').waitFor();
  await page.getByRole('button', { name: 'Resume order' }).click();
  await statusLine('COMPLETED').waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: `Show ${orderId}-resume-1` }).waitFor();
});

test('a dead-lettered message is read without consuming it and redriven to its queue', async () => {
  // A duplicate of a commit already applied (once per update id): harmless when the worker gets it again.
  const { orderId, paymentIntentId } = await newOrder();
  await e2e.stripe.paymentIntents.confirm(paymentIntentId, { payment_method: 'pm_card_visa' });
  await e2e.waitForStatus(orderId, 'COMPLETED');
  const body = JSON.stringify({ type: 'COMMIT', updateId: `commit-${orderId}`, orderId, lines: [{ sku: 'MUG-LOGO', quantity: 1 }] });
  const { MessageId } = await e2e.cloud.infra.clients.sqs.send(new SendMessageCommand({ QueueUrl: await e2e.queueUrl('inventory-updates-dlq'), MessageBody: body }));

  await page.goto(`${consoleServer.url}/operations`);
  const redrive = page.getByRole('button', { name: `Redrive message ${MessageId}` });
  await redrive.waitFor();
  await openOrder(orderId); // the order page names it too
  await page.getByRole('region', { name: 'Ops alerts and dead letters' }).getByText(MessageId!).waitFor();
  await page.goto(`${consoleServer.url}/operations`);
  await page.getByRole('button', { name: `Redrive message ${MessageId}` }).click();
  await page.getByText(new RegExp(`Message ${MessageId} sent back to inventory-updates as `)).waitFor();
  await redrive.waitFor({ state: 'detached' });

  // The business metrics of the last hour, from the EMF lines the handlers printed.
  const total = (metric: string) => page.locator(`tr[data-metric="${metric}"] .metric-total`).textContent();
  expect(Number(await total('CheckoutAccepted'))).toBeGreaterThanOrEqual(1);
  expect(Number(await total('OrderCompleted'))).toBeGreaterThanOrEqual(1);
  await page.getByText('(source: emf)').waitFor();
});

test('the cancel button cancels an order awaiting payment (the saga compensates)', async () => {
  const { orderId } = await newOrder();
  await openOrder(orderId);
  await page.getByRole('button', { name: 'Cancel order' }).click();
  await page.getByText(`POST /orders/${orderId}/cancel answered 202`).waitFor();
  await statusLine('CANCELED').waitFor();
  await page.getByRole('button', { name: 'CompensateOrder: succeeded' }).waitFor();
});

test('pay with 3-D Secure, then complete it from the page: the order completes', async () => {
  const { orderId } = await newOrder();
  await openOrder(orderId);
  await page.getByRole('button', { name: 'Pay with test card: 3-D Secure' }).click();
  await page.getByText(/PaymentIntent pi_\w+: requires_action/).waitFor();
  await page.getByRole('button', { name: 'Complete 3-D Secure' }).click();
  await page.getByText(/3-D Secure completed: succeeded/).waitFor();
  await statusLine('COMPLETED').waitFor();
});

test('a webhook delivery resent and duplicated from the page reaches the handler again and changes nothing', async () => {
  const { orderId, paymentIntentId } = await newOrder();
  await e2e.stripe.paymentIntents.confirm(paymentIntentId, { payment_method: 'pm_card_visa' });
  await e2e.waitForStatus(orderId, 'COMPLETED');
  const { data } = await e2e.stripe.events.list({ type: 'payment_intent.succeeded', limit: 10 });
  const eventId = data.find((event) => (event.data.object as { id: string }).id === paymentIntentId)!.id;
  await openOrder(orderId);
  const timeline = page.getByRole('region', { name: 'Timeline' });
  const resent = timeline.getByText(new RegExp(`webhook payment_intent\\.succeeded ${eventId} attempt 1 \\(resent\\): HTTP 200`));

  await page.getByRole('button', { name: `Resend ${eventId}` }).click();
  await page.getByText(`${eventId} resent`).waitFor();
  await resent.first().waitFor();
  await page.getByRole('button', { name: `Duplicate ${eventId}` }).click();
  await page.getByText(`${eventId} delivered twice at once`).waitFor();
  await pollUntil('three resent deliveries in the timeline', async () => (await resent.count()) === 3, { timeoutMs: 10_000 });
  // Deduplicated on the event id: still one PAID and one COMPLETED in the order's history.
  const order = await e2e.order(orderId);
  expect(order.history.map((entry) => entry.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED']);
});

describe('a bad action input is a 4xx with an error code and message, and starts nothing', () => {
  const action = (name: string, body: unknown) =>
    fetch(`${consoleServer.url}/api/actions/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-console-action': '1' }, body: JSON.stringify(body) });

  test('an unknown card preset: 400 INVALID_INPUT, the PaymentIntent untouched', async () => {
    const { paymentIntentId } = await newOrder();
    const before = await e2e.stripe.paymentIntents.retrieve(paymentIntentId);
    const response = await action('pay', { paymentIntentId, card: 'platinum' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'INVALID_INPUT', message: '"card" must be one of visa, declined, insufficient_funds, 3ds' } });
    const after = await e2e.stripe.paymentIntents.retrieve(paymentIntentId);
    expect([after.status, after.payment_method]).toEqual([before.status, before.payment_method]);
  });

  test('cancel of a COMPLETED order: the API\'s 409 and its code, the order still COMPLETED', async () => {
    const { orderId, paymentIntentId } = await newOrder();
    await e2e.stripe.paymentIntents.confirm(paymentIntentId, { payment_method: 'pm_card_visa' });
    await e2e.waitForStatus(orderId, 'COMPLETED');
    const response = await action('cancel', { orderId });
    expect(response.status).toBe(409);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toMatch(/^[A-Z_]+$/);
    expect(error.message).toContain(orderId);
    expect((await e2e.order(orderId)).status).toBe('COMPLETED');
  });

  test('an order id that is not one: 400 before any call', async () => {
    const response = await action('cancel', { orderId: '../admin' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'INVALID_INPUT', message: '"orderId" must be a string matching /^ord_[A-Za-z0-9_-]{22}$/' } });
  });
});

test('axe finds no serious or critical violations on the list, an order page and the operations page', async () => {
  const { orderId } = await newOrder();
  for (const path of ['/', `/orders/${orderId}`, '/operations']) {
    await page.goto(`${consoleServer.url}${path}`);
    await page.locator('main h1').waitFor();
    await page.locator('main section').first().waitFor();
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const violations = await page.evaluate(async () => {
      const result = await (globalThis as any).axe.run((globalThis as any).document, { resultTypes: ['violations'] });
      return result.violations
        .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
        .map((v: any) => `${v.id}: ${v.help} (${v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3).join('; ')})`);
    });
    expect({ path, violations }).toEqual({ path, violations: [] });
  }
});
