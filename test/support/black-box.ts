/**
 * What the e2e and reliability harnesses share: one local cloud per test file, driven only from
 * outside (HTTP, the Stripe SDK against the emulator) and observed through the services' own APIs
 * (executions, ops alerts). Each harness adds the vocabulary of its own layer on top.
 */
import type { ServiceFaultSpec, ServiceFaultState } from '../../local/faults';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import Stripe from 'stripe';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '../../local/cloud';
import { saveUsage } from './iam-findings';
import type { OrderStatus } from '../../src/domain/order-status';

export type { OrderStatus };

/** Statuses no automatic step moves an order out of; NEEDS_ATTENTION (waiting for a person) included. */
export const SETTLED_STATUSES: OrderStatus[] = ['COMPLETED', 'REJECTED', 'CANCELED', 'EXPIRED', 'NEEDS_ATTENTION'];

export interface CartLine {
  sku: string;
  quantity: number;
}

export interface HttpReply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface Stock {
  sku: string;
  name: string;
  price: number;
  currency: string;
  available: number;
  reserved: number;
  sold: number;
}

export const DEFAULT_ADDRESS = { name: 'Ada Lovelace', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

export function checkoutBody(items: CartLine[], country = 'US') {
  return { items, customer: { email: 'ada@example.com' }, shippingAddress: { ...DEFAULT_ADDRESS, country } };
}

export interface HttpRequestOptions {
  json?: unknown;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Another server of the local cloud (the Stripe emulator); default the HTTP API. */
  base?: string;
}

/** The product's queues, by their name in resources/messaging.yml without the service and stage prefix. */
export type QueueName = 'inventory-updates' | 'inventory-updates-dlq' | 'fulfilment-requests' | 'fulfilment-requests-dlq';

export class BlackBox {
  readonly stripe: Stripe;
  private readonly queueUrls = new Map<QueueName, string>();

  /** `logLines`: the lines the local cloud's stand-ins logged, e.g. one per Lambda invocation. */
  protected constructor(
    readonly cloud: LocalCloud,
    readonly logLines: string[],
  ) {
    const base = new URL(cloud.stripe.apiBase!);
    this.stripe = new Stripe(cloud.stripe.secretKey, {
      host: base.hostname,
      port: Number(base.port),
      protocol: 'http',
      // No silent retries: every answer of the emulator reaches the test as it was.
      maxNetworkRetries: 0,
      telemetry: false,
    });
  }

  /** Starts a local cloud on free ports, keeping its log lines (at most `maxLogLines`, the most recent). */
  protected static async startCloud(options: LocalCloudOptions, maxLogLines: number): Promise<{ cloud: LocalCloud; logLines: string[] }> {
    const logLines: string[] = [];
    const cloud = await startLocalCloud({
      port: 0,
      stripeEmulatorPort: 0,
      logLevel: 'ERROR',
      ...options,
      log: (line) => {
        logLines.push(line);
        if (logLines.length > maxLogLines) logLines.splice(0, logLines.length - maxLogLines);
        options.log?.(line);
      },
    });
    return { cloud, logLines };
  }

  get apiUrl(): string {
    return this.cloud.apiUrl;
  }

  get stripeApiBase(): string {
    return this.cloud.stripe.apiBase!;
  }

  /** The environment the functions were given (table names, queue URLs). */
  get env() {
    return this.cloud.lambda.environment;
  }

  close(): Promise<void> {
    saveUsage(this.cloud); // for the run's least-privilege findings (test/support/iam-findings.ts)
    return this.cloud.close();
  }

  logsMatching(pattern: RegExp): string[] {
    return this.logLines.filter((line) => pattern.test(line));
  }

  /** The last lines the stand-ins logged: attached to timeouts so a failure says what happened. */
  recentLogs(count = 40): string {
    return this.logLines.slice(-count).join('\n');
  }

  async request<T = any>(method: string, path: string, options: HttpRequestOptions = {}): Promise<HttpReply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${options.base ?? this.apiUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: any = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  /** A queue's URL as SQS returns it (asked once per queue). */
  async queueUrl(name: QueueName): Promise<string> {
    let url = this.queueUrls.get(name);
    if (!url) {
      const { service, provider } = this.cloud.infra.service;
      const result = await this.cloud.infra.clients.sqs.send(new GetQueueUrlCommand({ QueueName: `${service}-${provider.stage}-${name}` }));
      url = result.QueueUrl!;
      this.queueUrls.set(name, url);
    }
    return url;
  }

  /** Messages published to the ops-alerts topic (parsed), optionally only those naming one order. */
  /** PUT /_local/faults/services/{service}: one fault or a list (docs/local-faults.md); the reply as is. */
  putServiceFault(service: string, spec: unknown): Promise<HttpReply> {
    return this.request('PUT', `/_local/faults/services/${service}`, { json: spec });
  }

  async setServiceFault(service: string, spec: ServiceFaultSpec | ServiceFaultSpec[]): Promise<void> {
    const reply = await this.putServiceFault(service, spec);
    if (reply.status !== 200) throw new Error(`PUT /_local/faults/services/${service} answered ${reply.status}: ${reply.text}`);
  }

  async clearServiceFaults(service?: string): Promise<void> {
    const reply = await this.request('DELETE', service ? `/_local/faults/services/${service}` : '/_local/faults/services');
    if (reply.status !== 200) throw new Error(`DELETE /_local/faults/services answered ${reply.status}: ${reply.text}`);
  }

  async serviceFaults(): Promise<ServiceFaultState[]> {
    return (await this.request('GET', '/_local/faults')).body.services;
  }

  async opsAlerts(orderId?: string): Promise<any[]> {
    const alerts = (await this.cloud.opsAlerts()).map((alert) => {
      try {
        return JSON.parse(alert.message);
      } catch {
        return { type: 'UNPARSEABLE', raw: alert.message };
      }
    });
    return orderId === undefined ? alerts : alerts.filter((alert) => alert.orderId === orderId);
  }

  /** The saga's execution of an order is named after it (src/use-cases/api/accept-checkout.ts). */
  executionArn(name: string): string {
    return this.cloud.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
  }

  /** Waits until the named execution has ended and describes it. */
  waitForExecution(name: string, timeoutMs = 60_000) {
    return this.cloud.stepFunctions.waitForExecution(this.executionArn(name), { timeoutMs });
  }

  history(name: string): any[] {
    return this.cloud.stepFunctions.getExecutionHistory(this.executionArn(name), { maxResults: 1000 }).events as any[];
  }

  /** The states the named execution entered, in order. */
  statesEntered(name: string): string[] {
    return this.history(name)
      .filter((event) => event.type.endsWith('StateEntered'))
      .map((event) => event.stateEnteredEventDetails.name);
  }

  taskFailures(name: string): string[] {
    return this.history(name)
      .filter((event) => event.type === 'TaskFailed')
      .map((event) => event.taskFailedEventDetails.error);
  }
}
