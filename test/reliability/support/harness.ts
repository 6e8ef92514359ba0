/**
 * The reliability harness: one local cloud per test file, driven over HTTP as customers, Stripe and
 * operators would, and observed through the system's own state: orders (DynamoDB), the stock
 * ledger, PaymentIntents (Stripe API), ops alerts (the topic), executions (Step Functions) and
 * queues (SQS attributes). What it shares with the e2e harness is test/support/black-box.ts.
 */
import { ScanCommand, PutItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import Stripe from 'stripe';
import type { LocalCloudOptions } from '../../../local/cloud';
import { BlackBox, checkoutBody, SETTLED_STATUSES, type QueueName, type CartLine, type HttpReply, type OrderStatus, type Stock as ProductView } from '../../support/black-box';
import { delay, pollUntil } from '../../support/poll';

export { checkoutBody, SETTLED_STATUSES as SETTLED, type CartLine, type OrderStatus } from '../../support/black-box';
export type Reply<T = any> = HttpReply<T>;
/** A SKU's stock levels, the ledger the invariants balance. */
export type Stock = Pick<ProductView, 'available' | 'reserved' | 'sold'>;

/** How a customer pays (Harness.payAs). */
export type Journey = 'visa' | 'decline-then-visa' | '3ds';

export class Harness extends BlackBox {

  static async start(options: LocalCloudOptions = {}): Promise<Harness> {
    const { cloud, logLines } = await BlackBox.startCloud(options, 500_000);
    return new Harness(cloud, logLines);
  }

  /** Every line the local cloud's stand-ins logged (HTTP requests, Lambda invocations, deliveries). */
  get cloudLog(): string[] {
    return this.logLines;
  }

  /** Lambda invocations of `functionName` that failed, as the local cloud logged them. */
  failedInvocations(functionName: string): string[] {
    return this.cloudLog.filter((line) => line.startsWith(`[lambda] ${functionName} `) && line.includes(' failed: '));
  }

  // ---------- HTTP, as a client ----------

  /** A client call; the method is POST when there is a body, GET otherwise. */
  http<T = any>(path: string, init: { method?: string; json?: unknown; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
    const method = init.method ?? (init.json !== undefined || init.body !== undefined ? 'POST' : 'GET');
    return this.request<T>(method, path, init);
  }

  admin(path: string, init: { method?: string; json?: unknown; key?: string } = {}) {
    return this.http(path, { method: init.method ?? 'POST', json: init.json, headers: { 'x-api-key': init.key ?? this.cloud.adminApiKey } });
  }

  /** POST /checkout; throws unless 202. */
  async checkout(items: CartLine[], options: { idempotencyKey?: string } = {}): Promise<string> {
    const reply = await this.http('/checkout', {
      json: checkoutBody(items),
      headers: options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {},
    });
    if (reply.status !== 202) throw new Error(`checkout answered ${reply.status}: ${reply.text.slice(0, 300)}`);
    return reply.body.orderId;
  }

  async order(orderId: string): Promise<any> {
    const reply = await this.http(`/orders/${orderId}`);
    if (reply.status !== 200) throw new Error(`GET /orders/${orderId} answered ${reply.status}`);
    return reply.body;
  }

  /**
   * Polls GET /orders/{id} until the order is in one of `statuses`. A 5xx answer fails at once:
   * polling must not hide a server error behind a later 200 (other answers, and network errors,
   * count as "not yet").
   */
  async waitForStatus(orderId: string, statuses: OrderStatus[], timeoutMs = 30_000, intervalMs = 150): Promise<any> {
    let last: any;
    let serverError: Reply | undefined;
    try {
      await pollUntil(
        `order ${orderId} in ${statuses.join('/')}`,
        async () => {
          const reply = await this.http(`/orders/${orderId}`);
          if (reply.status >= 500) serverError = reply;
          else if (reply.status !== 200) throw new Error(`GET /orders/${orderId} answered ${reply.status}`);
          else last = reply.body;
          return serverError !== undefined || statuses.includes(last.status);
        },
        { timeoutMs, intervalMs },
      );
    } catch (error) {
      const history = last?.history?.map((entry: any) => entry.status).join('>');
      throw new Error(`${(error as Error).message}; the order is ${last?.status} (${history}), payment ${JSON.stringify(last?.payment)}, failure ${last?.failureReason}`);
    }
    if (serverError) throw new Error(`GET /orders/${orderId} answered ${serverError.status} while waiting for ${statuses.join('/')}: ${serverError.text.slice(0, 300)}`);
    return last;
  }

  async product(sku: string): Promise<Stock> {
    const reply = await this.http(`/products/${encodeURIComponent(sku)}`);
    if (reply.status !== 200) throw new Error(`GET /products/${sku} answered ${reply.status}`);
    const { available, reserved, sold } = reply.body;
    return { available, reserved, sold };
  }

  /** POST /inventory/adjustments (admin); applied asynchronously by the inventory worker. */
  async adjust(sku: string, delta: number, idempotencyKey?: string): Promise<Reply> {
    return this.http('/inventory/adjustments', {
      json: { sku, delta, reason: 'reliability suite' },
      headers: { 'x-api-key': this.cloud.adminApiKey, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    });
  }

  /**
   * A catalogue entry with no stock (the catalogue admin is out of the product's scope: written
   * directly, as the seed does), then stocked through POST /inventory/adjustments.
   */
  async createSku(sku: string, stock: number, price = 1500): Promise<void> {
    await this.cloud.infra.clients.dynamodb.send(
      new PutItemCommand({
        TableName: this.env.INVENTORY_TABLE,
        Item: marshall({ sku, name: `Reliability ${sku}`, price, currency: 'usd', available: 0, reserved: 0, sold: 0 }),
      }),
    );
    if (stock > 0) {
      const reply = await this.adjust(sku, stock);
      if (reply.status !== 202) throw new Error(`adjustment answered ${reply.status}: ${reply.text}`);
      await pollUntil(`${sku} stocked with ${stock}`, async () => (await this.product(sku)).available === stock, { timeoutMs: 20_000 });
    }
  }

  // ---------- Stripe, as the customer's browser would ----------

  /** Confirms the PaymentIntent with a test card; returns the outcome instead of throwing. */
  async pay(paymentIntentId: string, paymentMethod = 'pm_card_visa'): Promise<{ ok: boolean; status?: string; error?: string }> {
    try {
      const intent = await this.stripe.paymentIntents.confirm(paymentIntentId, { payment_method: paymentMethod });
      return { ok: intent.status === 'succeeded', status: intent.status };
    } catch (error) {
      const e = error as { code?: string; type?: string; message?: string };
      return { ok: false, error: e.code ?? e.type ?? e.message };
    }
  }

  /**
   * Pays as a customer on that journey: `visa`; `decline-then-visa` (a declined card, then visa);
   * `3ds` (a card that needs 3-D Secure, completed by the customer). Throws if a step does not
   * answer as it should.
   */
  async payAs(paymentIntentId: string, journey: Journey): Promise<void> {
    if (journey === 'decline-then-visa') {
      const declined = await this.pay(paymentIntentId, 'pm_card_chargeDeclined');
      if (declined.ok) throw new Error('the declined card succeeded');
    }
    if (journey === '3ds') {
      const pending = await this.pay(paymentIntentId, 'pm_card_authenticationRequired');
      if (pending.status !== 'requires_action') throw new Error(`3DS card gave ${JSON.stringify(pending)}`);
      this.cloud.stripe.emulator!.authenticate(paymentIntentId, 'succeed');
      return;
    }
    const paid = await this.pay(paymentIntentId, 'pm_card_visa');
    if (!paid.ok) throw new Error(`payment failed: ${JSON.stringify(paid)}`);
  }

  /** Every PaymentIntent of the emulator, grouped by the order named in its metadata. */
  async paymentIntentsByOrder(): Promise<Map<string, Stripe.PaymentIntent[]>> {
    const byOrder = new Map<string, Stripe.PaymentIntent[]>();
    for await (const intent of this.stripe.paymentIntents.list({ limit: 100 })) {
      const orderId = intent.metadata?.orderId ?? '';
      byOrder.set(orderId, [...(byOrder.get(orderId) ?? []), intent]);
    }
    return byOrder;
  }

  /** Signs `payload` as Stripe would (a fresh timestamp unless given) with the endpoint's secret. */
  sign(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
    return Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: options.secret ?? this.cloud.stripe.webhookSecret,
      timestamp: options.timestamp,
    });
  }

  postWebhook(body: string | Buffer, signature?: string, contentType = 'application/json; charset=utf-8') {
    return this.http('/webhooks/stripe', {
      method: 'POST',
      body,
      headers: { 'content-type': contentType, ...(signature === undefined ? {} : { 'stripe-signature': signature }) },
    });
  }

  // ---------- the system's own state ----------

  /** Every order item as stored (all attributes, including those the API hides). */
  async scanOrders(): Promise<any[]> {
    const items: any[] = [];
    let ExclusiveStartKey: any;
    for (let page = 0; page < 1000; page++) {
      const result = await this.cloud.infra.clients.dynamodb.send(
        new ScanCommand({ TableName: this.env.ORDERS_TABLE, ExclusiveStartKey, ConsistentRead: true }),
      );
      items.push(...(result.Items ?? []).map((item) => unmarshall(item)));
      ExclusiveStartKey = result.LastEvaluatedKey;
      if (!ExclusiveStartKey) break;
    }
    return items;
  }

  async storedOrder(orderId: string): Promise<any> {
    const { Item } = await this.cloud.infra.clients.dynamodb.send(
      new GetItemCommand({ TableName: this.env.ORDERS_TABLE, Key: marshall({ orderId }), ConsistentRead: true }),
    );
    return Item ? unmarshall(Item) : undefined;
  }

  /** Whether the inventory worker's ledger holds an applied entry for this (update, SKU). */
  async ledgerHas(updateId: string, sku: string): Promise<boolean> {
    const { Item } = await this.cloud.infra.clients.dynamodb.send(
      new GetItemCommand({ TableName: this.env.IDEMPOTENCY_TABLE, Key: marshall({ id: `inventory-update#${updateId}#${sku}` }), ConsistentRead: true }),
    );
    return Item !== undefined;
  }

  executions(statusFilter?: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED') {
    const all: Array<{ name: string; status: string; executionArn: string }> = [];
    let nextToken: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const result = this.cloud.stepFunctions.listExecutions({ stateMachineArn: this.cloud.stateMachineArn, statusFilter, maxResults: 1000, nextToken });
      all.push(...(result.executions as any[]));
      nextToken = result.nextToken;
      if (!nextToken) break;
    }
    return all;
  }

  async queueDepth(name: QueueName): Promise<{ visible: number; inFlight: number; delayed: number }> {
    const { Attributes = {} } = await this.cloud.infra.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: await this.queueUrl(name),
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  /** Waits until the inventory-updates queue holds nothing, visible or in flight. */
  async inventoryQueueDrained(timeoutMs = 30_000): Promise<void> {
    await pollUntil('inventory-updates queue drained', async () => {
      const depth = await this.queueDepth('inventory-updates');
      return depth.visible + depth.inFlight + depth.delayed === 0 ? depth : undefined;
    }, { timeoutMs, intervalMs: 200 });
  }

  /**
   * Reads (and hides for 10 minutes) every message of a queue nobody consumes, e.g. the fulfilment
   * hand-offs. Call once per queue, at the end of a test file.
   */
  async drainForReading(name: QueueName, expectedAtLeast = 0): Promise<Message[]> {
    const url = await this.queueUrl(name);
    const messages: Message[] = [];
    const deadline = Date.now() + 20_000;
    for (let round = 0; round < 2000 && Date.now() < deadline; round++) {
      const { Messages = [] } = await this.cloud.infra.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 600,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      messages.push(...Messages);
      if (Messages.length === 0) {
        const depth = await this.queueDepth(name);
        if (depth.visible === 0 && messages.length >= expectedAtLeast) break;
        await delay(100);
      }
    }
    return messages;
  }

  /** Ops-visible outcome of every order at once (stored items: status, attention, stock marker). */
  async ordersById(ids: readonly string[]): Promise<Map<string, any>> {
    const wanted = new Set(ids);
    return new Map((await this.scanOrders()).filter((o) => wanted.has(o.orderId)).map((o) => [o.orderId, o]));
  }

  /** Polls the stored orders until every one is in a settled status; returns them. */
  async waitAllSettled(ids: readonly string[], timeoutMs = 60_000): Promise<Map<string, any>> {
    return pollUntil(`${ids.length} orders settled`, async () => {
      const orders = await this.ordersById(ids);
      const unsettled = ids.filter((id) => !SETTLED_STATUSES.includes(orders.get(id)?.status));
      return unsettled.length === 0 ? orders : undefined;
    }, { timeoutMs, intervalMs: 300 });
  }

  /** Polls until no execution runs any more. */
  async noExecutionRunning(timeoutMs = 60_000): Promise<void> {
    await pollUntil('no execution running', () => this.executions('RUNNING').length === 0, { timeoutMs, intervalMs: 200 });
  }

  /** Waits until the emulator has no delivery queued, held, in flight or scheduled for retry. */
  async webhooksDelivered(timeoutMs = 60_000): Promise<void> {
    await pollUntil('webhook deliveries finished', () => this.cloud.stripe.emulator!.pendingDeliveries() === 0, { timeoutMs, intervalMs: 100 });
  }
}

/** `available + reserved + sold` of each SKU. */
/** The states a paid order goes through when nothing fails. */
export const HAPPY_PATH = ['RouteStart', 'ReserveInventory', 'AwaitPayment', 'MarkPaid', 'FulfillOrder', 'CommitInventory', 'MarkCompleted'];

/**
 * Exactly once, order by order, for orders that were each paid once and must have COMPLETED: one
 * execution through the happy path, history PENDING>AWAITING_PAYMENT>PAID>COMPLETED, one succeeded
 * PaymentIntent, one inventory commit in the ledger, one fulfilment hand-off, no ops alert, and the
 * stock of `sku` (stocked with `stocked`) moved by exactly the quantities bought. Each violation is
 * a sentence; the fulfilment queue is drained for reading.
 */
export async function onceOnlyViolations(
  h: Harness,
  orders: { orderIds: string[]; journeys: readonly string[]; quantities: number[]; sku: string; stocked: number },
): Promise<{ problems: string[]; orders: Map<string, any>; handoffs: Message[]; stock: Stock }> {
  const { orderIds, journeys, quantities, sku, stocked } = orders;
  const byId = await h.ordersById(orderIds);
  const handoffs = await h.drainForReading('fulfilment-requests', orderIds.length);
  const handoffsByOrder: Record<string, number> = {};
  for (const message of handoffs) {
    const id = JSON.parse(message.Body!).orderId;
    handoffsByOrder[id] = (handoffsByOrder[id] ?? 0) + 1;
  }
  const executions = h.executions();
  const alerts = await h.opsAlerts();
  const stock = await h.product(sku);
  const intents = await h.paymentIntentsByOrder();
  const problems: string[] = [];
  let expectedSold = 0;
  for (const [i, id] of orderIds.entries()) {
    const order = byId.get(id);
    const statuses = order.history.map((entry: any) => entry.status).join(',');
    if (statuses !== 'PENDING,AWAITING_PAYMENT,PAID,COMPLETED') problems.push(`${id} (${journeys[i]}) history ${statuses}`);
    if (order.payment.status !== 'succeeded') problems.push(`${id} (${journeys[i]}) COMPLETED with payment.status ${order.payment.status}`);
    const mine = executions.filter((e) => e.name.startsWith(id));
    if (mine.length !== 1) problems.push(`${id} has ${mine.length} executions`);
    const states = h.statesEntered(id).join(',');
    if (states !== HAPPY_PATH.join(',')) problems.push(`${id} went through ${states}`);
    if (handoffsByOrder[id] !== 1) problems.push(`${id} handed to fulfilment ${handoffsByOrder[id] ?? 0} times`);
    if (!(await h.ledgerHas(`commit-${id}`, sku))) problems.push(`${id} inventory commit not in the ledger`);
    const intent = intents.get(id) ?? [];
    if (intent.length !== 1 || intent[0].status !== 'succeeded') problems.push(`${id} PaymentIntents ${intent.map((pi) => pi.status)}`);
    expectedSold += quantities[i];
  }
  if (stock.sold !== expectedSold || stock.reserved !== 0 || stock.available !== stocked - expectedSold) problems.push(`stock ${showStock(stock)}`);
  if (alerts.length) problems.push(`${alerts.length} ops alerts`);
  if (handoffs.length !== orderIds.length) problems.push(`${handoffs.length} fulfilment messages for ${orderIds.length} orders`);
  return { problems, orders: byId, handoffs, stock };
}

export function ledgerTotal(stock: Stock): number {
  return stock.available + stock.reserved + stock.sold;
}

export function showStock(stock: Stock): string {
  return `available ${stock.available}, reserved ${stock.reserved}, sold ${stock.sold}`;
}
