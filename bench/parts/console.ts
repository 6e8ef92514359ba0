/**
 * The console at scale (issue 14: "loads in under 1 s locally, usable with 10,000 orders and an
 * execution history of 1,000 events"). Seeds 10,000 orders into the local orders table through
 * DynamoDB BatchWriteItem, makes one real order whose saga history is padded to 1,000 events, then
 * times the list and order pages: their API answers, and in Chromium (playwright-core) the
 * navigation to the load event and to the first data rendered.
 *
 *   npx tsx bench/parts/console.ts [--out file] [--quick]
 *
 * The 1,000 events: the local engine cannot be made to write that many for one order (the longest
 * real path, a step failing 5 times then a resume, is about 60 events per execution), so the real
 * execution's history is padded in process with retried-task events of the shape the engine writes
 * (TaskScheduled, TaskStarted, TaskFailed), then the order is paid and finishes for real. The console
 * reads them through GetExecutionHistory like any other.
 */
import path from 'node:path';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import Stripe from 'stripe';
import { chromium, type Browser } from 'playwright-core';
import { startLocalCloud, type LocalCloud } from '../../local/cloud';
import { LOCAL_CREDENTIALS } from '../../local/local-infrastructure';
import { startLocalConsole } from '../../console/server/local-console';
import type { ConsoleServer } from '../../console/server/console-server';
import catalogue from '../../local/seed/catalogue.json';
import { progress, runPart } from '../lib/part';
import { distribution, round, sleep } from '../lib/stats';

const PART = 'console';
const ROOT = path.join(__dirname, '..', '..');
const QUICK = process.argv.includes('--quick');
const ORDERS = 10_000;
const HISTORY_EVENTS = 1_000;
const RUNS = QUICK ? 5 : 15;
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Statuses as a shop's table holds them after a few days: mostly completed, some of every ending. */
const STATUS_MIX: Array<[string, number]> = [
  ['COMPLETED', 0.72], ['EXPIRED', 0.08], ['CANCELED', 0.05], ['REJECTED', 0.05], ['AWAITING_PAYMENT', 0.06], ['PAID', 0.01], ['PENDING', 0.01], ['NEEDS_ATTENTION', 0.02],
];
const PATHS: Record<string, string[]> = {
  COMPLETED: ['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED'],
  EXPIRED: ['PENDING', 'AWAITING_PAYMENT', 'EXPIRED'],
  CANCELED: ['PENDING', 'AWAITING_PAYMENT', 'CANCELED'],
  REJECTED: ['PENDING', 'REJECTED'],
  AWAITING_PAYMENT: ['PENDING', 'AWAITING_PAYMENT'],
  PAID: ['PENDING', 'AWAITING_PAYMENT', 'PAID'],
  PENDING: ['PENDING'],
  NEEDS_ATTENTION: ['PENDING', 'AWAITING_PAYMENT', 'PAID', 'NEEDS_ATTENTION'],
};

/** A deterministic pseudo-random sequence, so two runs seed the same table. */
function random(seed: number) {
  let state = seed;
  return () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

function seededOrder(index: number, next: () => number, now: number): Record<string, unknown> {
  let pick = next();
  const status = STATUS_MIX.find(([, share]) => (pick -= share) < 0)?.[0] ?? 'COMPLETED';
  const created = now - Math.floor(next() * 7 * 24 * 3600_000) - 60_000;
  const lines = Array.from({ length: 1 + Math.floor(next() * 3) }, () => catalogue[Math.floor(next() * catalogue.length)]);
  const items = lines.map((product) => {
    const quantity = 1 + Math.floor(next() * 2);
    return { sku: product.sku, name: product.name, quantity, unitPrice: product.price, lineTotal: product.price * quantity };
  });
  const subtotal = items.reduce((sum, item) => sum + item.lineTotal, 0);
  const orderId = `ord_bench${String(index).padStart(17, '0')}`;
  const history = PATHS[status].map((step, i) => ({ status: step, at: new Date(created + i * 4000).toISOString() }));
  const at = history[history.length - 1].at;
  return {
    orderId,
    status,
    items,
    amounts: { subtotal, shipping: 500, total: subtotal + 500, currency: 'usd' },
    customer: { email: `customer${index}@example.com` },
    shippingAddress: { name: `Customer ${index}`, line1: `${index} Main St`, city: 'Springfield', postalCode: '12345', country: 'US' },
    shippingZone: 'domestic',
    payment: status === 'PENDING' || status === 'REJECTED' ? {} : { paymentIntentId: `pi_bench${index}`, status: status === 'AWAITING_PAYMENT' ? 'requires_payment_method' : 'succeeded' },
    paymentWindowSeconds: 900,
    history,
    createdAt: new Date(created).toISOString(),
    updatedAt: at,
    ...(status === 'NEEDS_ATTENTION' ? { attention: { kind: 'POST_PAYMENT_STEP_FAILED', step: 'FulfillOrder', error: 'Error', reason: 'FulfillOrder failed after its retries', at, alertedAt: at }, attentionStatus: 'OPEN' } : {}),
  };
}

async function seedOrders(cloud: LocalCloud): Promise<number> {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.endpoints.dynamodb, credentials: LOCAL_CREDENTIALS }));
  const table = 'checkout-saga-local-orders';
  const next = random(14);
  const now = Date.now();
  const started = Date.now();
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < ORDERS; i += 25) batches.push(Array.from({ length: Math.min(25, ORDERS - i) }, (_, j) => seededOrder(i + j, next, now)));
  // Four writers at a time: DynamoDB Local is one JVM on a shared machine.
  for (let i = 0; i < batches.length; i += 4) {
    await Promise.all(
      batches.slice(i, i + 4).map(async (batch) => {
        let pending: Record<string, any>[] | undefined = batch.map((Item) => ({ PutRequest: { Item } }));
        while (pending?.length) {
          const written: { UnprocessedItems?: Record<string, any[]> } = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
          pending = written.UnprocessedItems?.[table];
          if (pending?.length) await sleep(20);
        }
      }),
    );
  }
  client.destroy();
  return Date.now() - started;
}

/** A real order paid for real, whose saga history is padded to HISTORY_EVENTS (see the header). */
async function orderWithLongHistory(cloud: LocalCloud): Promise<{ orderId: string; events: number }> {
  const response = await fetch(`${cloud.apiUrl}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: [{ sku: 'MUG-LOGO', quantity: 1 }], customer: { email: 'long@example.com' }, shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' } }),
  });
  const { orderId } = (await response.json()) as { orderId: string };
  const order = await waitForOrder(cloud, orderId, 'AWAITING_PAYMENT');
  const executionArn = `${cloud.stateMachineArn.replace(':stateMachine:', ':execution:')}:${orderId}`;
  // The engine keeps executions private: reached here, in the bench only, to pad one history.
  const engine = cloud.stepFunctions as unknown as { executions: Map<string, { history: { add(type: string, details?: object): unknown; length: number } }> };
  const history = engine.executions.get(executionArn)!.history;
  const resource = 'arn:aws:states:::lambda:invoke';
  const realTail = 23; // what paying and finishing adds to this execution (measured: 23 events)
  while (history.length < HISTORY_EVENTS - realTail) {
    history.add('TaskScheduled', { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: JSON.stringify({ FunctionName: resource, Payload: { orderId } }) });
    history.add('TaskStarted', { resourceType: 'lambda', resource: 'invoke' });
    history.add('TaskFailed', { resourceType: 'lambda', resource: 'invoke', error: 'Lambda.ServiceException', cause: 'Rate exceeded (padding: bench/parts/console.ts)' });
  }
  const stripe = new Stripe(cloud.stripe.secretKey, { host: new URL(cloud.stripe.apiBase!).hostname, port: Number(new URL(cloud.stripe.apiBase!).port), protocol: 'http', telemetry: false });
  await stripe.paymentIntents.confirm((order.payment as { paymentIntentId: string }).paymentIntentId, { payment_method: 'pm_card_visa' });
  await waitForOrder(cloud, orderId, 'COMPLETED');
  return { orderId, events: history.length };
}

async function waitForOrder(cloud: LocalCloud, orderId: string, status: string): Promise<Record<string, any>> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const order = (await (await fetch(`${cloud.apiUrl}/orders/${orderId}`)).json()) as Record<string, any>;
    if (order.status === status) return order;
    await sleep(100);
  }
  throw new Error(`order ${orderId} did not reach ${status}`);
}

async function timeApi(url: string): Promise<{ ms: ReturnType<typeof distribution>; bytes: number }> {
  const sample: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const response = await fetch(url);
    const body = await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    sample.push(performance.now() - started);
    bytes = body.byteLength;
  }
  return { ms: distribution(sample), bytes };
}

/** Each run a fresh page: navigation start to the load event, and to the first data on screen. */
async function timePage(browser: Browser, url: string, firstData: string) {
  const load: number[] = [];
  const data: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    try {
      const started = performance.now();
      await page.goto(url, { waitUntil: 'load' });
      load.push(performance.now() - started);
      await page.locator(firstData).first().waitFor({ timeout: 30_000 });
      data.push(performance.now() - started);
    } finally {
      await page.close();
    }
  }
  return { loadEventMs: distribution(load), firstDataMs: distribution(data) };
}

runPart(PART, 300_000, async () => {
  let cloud: LocalCloud | undefined;
  let consoleServer: ConsoleServer | undefined;
  let browser: Browser | undefined;
  try {
    cloud = await startLocalCloud({ port: 0, stripeEmulatorPort: 0, logLevel: 'ERROR', log: () => undefined });
    consoleServer = await startLocalConsole(cloud, { port: 0, root: ROOT });
    progress(PART, `seeding ${ORDERS} orders`);
    const seedMs = await seedOrders(cloud);
    progress(PART, `seeded in ${(seedMs / 1000).toFixed(1)} s; making an order with a ${HISTORY_EVENTS}-event history`);
    const long = await orderWithLongHistory(cloud);
    const base = consoleServer.url;
    progress(PART, `timing the APIs (${RUNS} runs each)`);
    const api = {
      list: await timeApi(`${base}/api/orders`),
      listNeedsAttention: await timeApi(`${base}/api/orders?status=NEEDS_ATTENTION`),
      listBySku: await timeApi(`${base}/api/orders?sku=LIMITED-POSTER`),
      orderWithLongHistory: await timeApi(`${base}/api/orders/${long.orderId}`),
      seededOrder: await timeApi(`${base}/api/orders/ord_bench00000000000000042`),
    };
    progress(PART, `timing the pages in Chromium (${RUNS} runs each)`);
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS });
    const pages = {
      list: await timePage(browser, `${base}/`, 'main table a[href^="/orders/"]'),
      orderWithLongHistory: await timePage(browser, `${base}/orders/${long.orderId}`, '[aria-label="Timeline"] tbody tr'),
    };
    const result = {
      command: 'npx tsx bench/parts/console.ts',
      orders: ORDERS,
      seedMs,
      historyEvents: long.events,
      historyNote: `the order's real execution padded in process to ${long.events} events (the engine's own longest is about 60)`,
      runs: RUNS,
      api: Object.fromEntries(Object.entries(api).map(([name, r]) => [name, { ...r.ms, kb: round(r.bytes / 1024) }])),
      pages,
    };
    print(result);
    return result;
  } finally {
    await browser?.close();
    await consoleServer?.close();
    await cloud?.close();
  }
});

function print(result: any): void {
  const line = (name: string, d: any) => `  ${name.padEnd(34)} p50 ${String(d.p50).padStart(6)} ms   p95 ${String(d.p95).padStart(6)} ms   max ${String(d.max).padStart(6)} ms${d.kb !== undefined ? `   ${d.kb} KB` : ''}`;
  const out = [
    `console at scale (${result.command}): ${result.orders} orders seeded by BatchWriteItem in ${(result.seedMs / 1000).toFixed(1)} s; ${result.historyNote}; ${result.runs} runs each`,
    'API (server time + transfer, warm):',
    ...Object.entries<any>(result.api).map(([name, d]) => line(name, d)),
    'Chromium (fresh page each run):',
    line('list: load event', result.pages.list.loadEventMs),
    line('list: first order rendered', result.pages.list.firstDataMs),
    line('order (1,000 events): load event', result.pages.orderWithLongHistory.loadEventMs),
    line('order (1,000 events): timeline rendered', result.pages.orderWithLongHistory.firstDataMs),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}
