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
