/**
 * Drives the real stepfunctions/checkout.asl.yml through the local Step Functions engine over the
 * real handlers, DynamoDB Local and the Stripe emulator, and reads the execution histories.
 */
import Stripe from 'stripe';
import type { LocalCloud } from '../../local/cloud';
import type { HistoryEvent } from '../../local/stepfunctions';
import { pollUntil } from '../support/poll';

export { pollUntil };

export class SagaDriver {
  readonly stripe: Stripe;

  constructor(readonly cloud: LocalCloud) {
    const base = new URL(cloud.stripe.apiBase!);
    this.stripe = new Stripe(cloud.stripe.secretKey, { host: base.hostname, port: Number(base.port), protocol: 'http' });
  }

  async http(path: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.cloud.apiUrl}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
      body: init.json === undefined ? init.body : JSON.stringify(init.json),
    });
    return { status: response.status, body: await response.json().catch(() => undefined) };
  }

  async checkout(items: { sku: string; quantity: number }[]): Promise<string> {
    const { status, body } = await this.http('/checkout', {
      method: 'POST',
      json: {
        items,
        customer: { email: 'ada@example.com' },
        shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
      },
    });
    if (status !== 202) throw new Error(`checkout answered ${status}: ${JSON.stringify(body)}`);
    return body.orderId;
  }

  order(orderId: string): Promise<any> {
    return this.http(`/orders/${orderId}`).then((r) => r.body);
  }

  waitForStatus(orderId: string, statuses: string[], timeoutMs = 30_000): Promise<any> {
    return pollUntil(`order ${orderId} in ${statuses.join('/')}`, async () => {
      const order = await this.order(orderId);
      return statuses.includes(order.status) ? order : undefined;
    }, { timeoutMs });
  }

  async product(sku: string): Promise<{ available: number; reserved: number; sold: number }> {
    return (await this.http(`/products/${sku}`)).body;
  }

  executionArn(name: string): string {
    return this.cloud.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
  }

  async waitForExecution(name: string, timeoutMs = 45_000) {
    return this.cloud.stepFunctions.waitForExecution(this.executionArn(name), { timeoutMs });
  }

  history(name: string): HistoryEvent[] {
    return this.cloud.stepFunctions.getExecutionHistory(this.executionArn(name), { maxResults: 1000 }).events;
  }

  /** The states entered, in order: one per state transition. */
  statesEntered(name: string): string[] {
    return this.history(name)
      .filter((event) => event.type.endsWith('StateEntered'))
      .map((event) => (event.stateEnteredEventDetails as { name: string }).name);
  }

  taskFailures(name: string): string[] {
    return this.history(name)
      .filter((event) => event.type === 'TaskFailed')
      .map((event) => (event.taskFailedEventDetails as { error: string }).error);
  }

  async opsAlertsFor(orderId: string): Promise<any[]> {
    return (await this.cloud.opsAlerts())
      .map((alert) => JSON.parse(alert.message))
      .filter((alert) => alert.orderId === orderId);
  }
}
