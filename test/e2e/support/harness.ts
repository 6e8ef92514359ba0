/**
 * The e2e harness: one local cloud per test file, driven only as a customer or an operator would
 * (HTTP API, the real Stripe SDK against the emulator, the local cloud's observation routes).
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type Stripe from 'stripe';
import type { LocalCloudOptions } from '../../../local/cloud';
import type { ListenDelivery } from '../../../local/stripe-emulator/server';
import { BlackBox, checkoutBody, SETTLED_STATUSES, type CartLine, type HttpReply, type OrderStatus, type Stock } from '../../support/black-box';
import { pollUntil, PollTimeout, UnexpectedAnswer } from '../../support/poll';

export { checkoutBody, DEFAULT_ADDRESS, type CartLine, type HttpReply, type OrderStatus, type Stock } from '../../support/black-box';

export interface OrderView {
  orderId: string;
  status: OrderStatus;
  items: Array<{ sku: string; name: string; quantity: number; unitPrice: number; lineTotal: number }>;
  amounts: { subtotal: number; shipping: number; total: number; currency: string };
  payment: {
    paymentIntentId: string | null;
    clientSecret: string | null;
    status: string | null;
    lastError: { code?: string; declineCode?: string; message?: string; at: string } | null;
  };
  failureReason: string | null;
  paymentWindowSeconds: number;
  history: Array<{ status: OrderStatus; at: string }>;
  createdAt: string;
  updatedAt: string;
}


export interface Delivery {
  deliveryId: string;
  eventId: string;
  type: string;
  url: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
}

export type E2eOptions = Pick<
  LocalCloudOptions,
  | 'paymentWindowSeconds' | 'queueVisibilityTimeoutSeconds' | 'faults' | 'serviceFaults' | 'limits' | 'stripeDelivery' | 'iam'
  | 'stripeWebhookDelivery' | 'stripeSecretKey' | 'stripeApiBase' | 'stripeWebhookSecret' | 'scheduleRateSeconds' | 'runSchedules'
>;

export class E2e extends BlackBox {
  static async start(options: E2eOptions = {}): Promise<E2e> {
    const { cloud, logLines } = await BlackBox.startCloud(options, 10_000);
    return new E2e(cloud, logLines);
  }

  /** POST /checkout; throws unless 202. */
  async checkout(items: CartLine[], options: { idempotencyKey?: string; country?: string } = {}): Promise<any> {
    const reply = await this.postCheckout(checkoutBody(items, options.country), options.idempotencyKey);
    if (reply.status !== 202) throw new Error(`POST /checkout answered ${reply.status}: ${reply.text}`);
    return reply.body;
  }

  postCheckout(body: unknown, idempotencyKey?: string): Promise<HttpReply> {
    return this.request('POST', '/checkout', { json: body, headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} });
  }

  async order(orderId: string): Promise<OrderView> {
    const reply = await this.request<OrderView>('GET', `/orders/${orderId}`);
    // A 5xx is a failure whenever it comes, not a "not yet" for the polls built on this.
    if (reply.status >= 500) throw new UnexpectedAnswer(`GET /orders/${orderId} answered ${reply.status}: ${reply.text}`);
    if (reply.status !== 200) throw new Error(`GET /orders/${orderId} answered ${reply.status}: ${reply.text}`);
    return reply.body;
  }

  /** Polls the order until its status is one of `statuses`; fails early if it reaches another final status. */
  async waitForStatus(
    orderId: string,
    statuses: OrderStatus | OrderStatus[],
    options: {
      timeoutMs?: number;
      until?: (order: OrderView) => boolean;
      /** Final statuses the order may still leave (e.g. NEEDS_ATTENTION while a resume starts). */
      passThrough?: OrderStatus[];
    } = {},
  ): Promise<OrderView> {
    const wanted = Array.isArray(statuses) ? statuses : [statuses];
    const passThrough = options.passThrough ?? [];
    let unexpected: OrderView | undefined;
    try {
      return await pollUntil(`order ${orderId} to reach ${wanted.join(' or ')}`, () => this.order(orderId), {
        timeoutMs: options.timeoutMs ?? 20_000,
        intervalMs: 100,
        accept: (order) => {
          if (wanted.includes(order.status)) return options.until ? options.until(order) : true;
          if (SETTLED_STATUSES.includes(order.status) && !passThrough.includes(order.status)) {
            unexpected = order;
            return true;
          }
          return false;
        },
      }).then((order) => {
        if (unexpected) {
          throw new Error(
            `order ${orderId} ended ${unexpected.status} while waiting for ${wanted.join(' or ')}: ${JSON.stringify(unexpected)}\n--- recent local cloud log ---\n${this.recentLogs()}`,
          );
        }
        return order;
      });
    } catch (error) {
      if (error instanceof PollTimeout) {
        error.message += `\n--- recent local cloud log ---\n${this.recentLogs()}`;
      }
      throw error;
    }
  }

  /** Checkout, then wait until the PaymentIntent exists and the client secret is shown. */
  async checkoutAwaitingPayment(items: CartLine[]): Promise<{ accepted: any; order: OrderView; paymentIntentId: string }> {
    const accepted = await this.checkout(items);
    const order = await this.waitForStatus(accepted.orderId, 'AWAITING_PAYMENT');
    return { accepted, order, paymentIntentId: order.payment.paymentIntentId! };
  }

  /**
   * Confirms the PaymentIntent with a test card, as the customer's browser would (server-side
   * confirm: the emulator refuses publishable keys). A declined card answers a StripeCardError.
   */
  async pay(paymentIntentId: string, card: string): Promise<{ intent?: Stripe.PaymentIntent; error?: any }> {
    try {
      return { intent: await this.stripe.paymentIntents.confirm(paymentIntentId, { payment_method: card }) };
    } catch (error) {
      return { error };
    }
  }

  /** The customer completes (or fails) 3DS: the emulator's control endpoint. */
  async authenticate(paymentIntentId: string, outcome: 'succeed' | 'fail'): Promise<HttpReply> {
    return this.request('POST', `/_emulator/payment_intents/${paymentIntentId}/authenticate`, {
      json: { outcome },
      base: this.stripeApiBase,
    });
  }

  async stock(sku: string): Promise<Stock> {
    const reply = await this.request<Stock>('GET', `/products/${encodeURIComponent(sku)}`);
    if (reply.status >= 500) throw new UnexpectedAnswer(`GET /products/${sku} answered ${reply.status}: ${reply.text}`);
    if (reply.status !== 200) throw new Error(`GET /products/${sku} answered ${reply.status}: ${reply.text}`);
    return reply.body;
  }

  waitForStock(sku: string, expected: Partial<Pick<Stock, 'available' | 'reserved' | 'sold'>>, timeoutMs = 15_000): Promise<Stock> {
    return pollUntil(`stock of ${sku} to be ${JSON.stringify(expected)}`, () => this.stock(sku), {
      timeoutMs,
      intervalMs: 150,
      accept: (stock) => Object.entries(expected).every(([key, value]) => stock[key as keyof Stock] === value),
    });
  }

  cancel(orderId: string): Promise<HttpReply> {
    return this.request('POST', `/orders/${orderId}/cancel`);
  }

  /** `apiKey`: the admin key by default; null sends no x-api-key header. */
  adjust(
    adjustment: { sku: string; delta: number; reason: string },
    options: { apiKey?: string | null; idempotencyKey?: string } = {},
  ): Promise<HttpReply> {
    const headers = this.adminHeaders(options.apiKey);
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    return this.request('POST', '/inventory/adjustments', { json: adjustment, headers });
  }

  /** `apiKey`: the admin key by default; null sends no x-api-key header. */
  resume(orderId: string, apiKey?: string | null): Promise<HttpReply> {
    return this.request('POST', `/admin/orders/${orderId}/resume`, { headers: this.adminHeaders(apiKey) });
  }

  private adminHeaders(apiKey: string | null | undefined): Record<string, string> {
    const key = apiKey === undefined ? this.cloud.adminApiKey : apiKey;
    return key === null ? {} : { 'x-api-key': key };
  }



  async setFault(functionName: string, mode: 'always' | number): Promise<void> {
    const reply = await this.request('PUT', `/_local/faults/${functionName}`, { json: { mode } });
    if (reply.status !== 200) throw new Error(`PUT /_local/faults/${functionName} answered ${reply.status}: ${reply.text}`);
  }

  async clearFault(functionName?: string): Promise<void> {
    const reply = await this.request('DELETE', functionName ? `/_local/faults/${functionName}` : '/_local/faults');
    if (reply.status !== 200) throw new Error(`DELETE /_local/faults answered ${reply.status}: ${reply.text}`);
  }

  async faults(): Promise<Array<{ functionName: string; mode: 'always' | number; injected: number }>> {
    return (await this.request('GET', '/_local/faults')).body.faults;
  }


  /** Every webhook delivery attempt the emulator made. */
  /** What the emulator sent to `stripe listen` sessions, with the CLI's acks and reported responses. */
  async listenDeliveries(query = ''): Promise<ListenDelivery[]> {
    const reply = await this.request('GET', `/_emulator/listen/deliveries${query}`, { base: this.stripeApiBase });
    if (reply.status !== 200) throw new Error(`GET /_emulator/listen/deliveries answered ${reply.status}: ${reply.text}`);
    return reply.body.data;
  }

  async deliveries(query = ''): Promise<Delivery[]> {
    const reply = await this.request('GET', `/_emulator/deliveries${query}`, { base: this.stripeApiBase });
    if (reply.status !== 200) throw new Error(`GET /_emulator/deliveries answered ${reply.status}: ${reply.text}`);
    return reply.body.data;
  }

  /** The PaymentIntents the emulator holds for one order (metadata.orderId). */
  async paymentIntentsOf(orderId: string): Promise<Stripe.PaymentIntent[]> {
    const found: Stripe.PaymentIntent[] = [];
    for await (const intent of this.stripe.paymentIntents.list({ limit: 100 })) {
      if (intent.metadata?.orderId === orderId) found.push(intent);
    }
    return found;
  }

  /** The history events of the execution named `name` (an order's first execution is named by its id). */
  executionEvents(name: string): Array<Record<string, any>> {
    const execution = this.cloud.stepFunctions
      .listExecutions({ stateMachineArn: this.cloud.stateMachineArn, maxResults: 1000 })
      .executions.find((candidate) => candidate.name === name);
    if (!execution) throw new Error(`no execution named ${name}`);
    return this.cloud.stepFunctions.getExecutionHistory(execution.executionArn, { maxResults: 1000 }).events as Array<Record<string, any>>;
  }

  async executionCount(): Promise<number> {
    let count = 0;
    let nextToken: string | undefined;
    do {
      const page = this.cloud.stepFunctions.listExecutions({ stateMachineArn: this.cloud.stateMachineArn, nextToken });
      count += page.executions.length;
      nextToken = page.nextToken;
    } while (nextToken);
    return count;
  }

  /** Waits until a queue holds no message, visible or in flight: everything sent was handled. */
  waitForQueueDrained(queueUrl: string, timeoutMs = 20_000): Promise<Record<string, string>> {
    const attributesOf = async () =>
      (
        await this.cloud.infra.clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
          }),
        )
      ).Attributes ?? {};
    return pollUntil(`${queueUrl} to be empty`, attributesOf, {
      timeoutMs,
      intervalMs: 200,
      accept: (attributes) =>
        Number(attributes.ApproximateNumberOfMessages) === 0 &&
        Number(attributes.ApproximateNumberOfMessagesNotVisible) === 0 &&
        Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0) === 0,
    });
  }

  /** How many orders the orders table holds (an operator's scan). */
  async orderCount(): Promise<number> {
    let count = 0;
    let ExclusiveStartKey: Record<string, any> | undefined;
    do {
      const page = await this.cloud.infra.clients.dynamodb.send(
        new ScanCommand({ TableName: this.cloud.lambda.environment.ORDERS_TABLE, Select: 'COUNT', ExclusiveStartKey }),
      );
      count += page.Count ?? 0;
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return count;
  }

  /** Peeks at up to 10 messages without hiding them (visibility timeout 0). */
  async receiveAll(queueUrl: string): Promise<Message[]> {
    const { Messages } = await this.cloud.infra.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'], VisibilityTimeout: 0 }),
    );
    return Messages ?? [];
  }

}

export function startE2e(options: E2eOptions = {}): Promise<E2e> {
  return E2e.start(options);
}
