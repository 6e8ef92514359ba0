/**
 * One local cloud for a benchmark part (one per process: handler modules keep their endpoints),
 * with the usage recorder wired in, bench products seeded, and helpers to run a scenario and
 * wait until everything it caused (webhooks, queue messages, the worker) has happened.
 */
import path from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { startLocalCloud, type LocalCloud } from '../../local/cloud';
import type { IamStats } from '../../local/iam';
import { LOCAL_CREDENTIALS } from '../../local/local-infrastructure';
import { HANDLED_EVENT_TYPES } from '../../src/domain/webhook-decision';
import { PRICES } from '../prices';
import { Customer } from './customer';
import { sleep } from './stats';
import { summarise, UsageRecorder, type UsageSummary } from './usage';

export const BENCH_SKUS = Array.from({ length: 20 }, (_, i) => `BENCH-${String(i + 1).padStart(2, '0')}`);
export const HOT_SKU = 'BENCH-HOT';
export const OUT_OF_STOCK_SKU = 'BENCH-SOLD-OUT';

export interface BenchCloud {
  cloud: LocalCloud;
  recorder: UsageRecorder;
  /** Uninstrumented clients for the bench's own reads and writes (not counted). */
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  stripeRequests: string[];
  customer(): Customer;
  /** Waits until executions are closed, webhooks delivered, product queues drained and no Lambda ran for `quietMs`. */
  settle(orderIds: string[], timeoutMs?: number): Promise<void>;
  /** Runs `work`, settles, and summarises the usage of that window per order. */
  scenario(work: () => Promise<string[]>): Promise<UsageSummary & { orderIds: string[]; statuses: Record<string, number> }>;
  close(): Promise<void>;
}

/** What IAM enforcement (LOCAL_IAM, default enforce) cost per order between `before` and now. */
export function iamPerOrder(cloud: LocalCloud, before: IamStats, orders: number) {
  const after = cloud.iam.stats();
  const per = (n: number) => Number((n / Math.max(orders, 1)).toFixed(2));
  return {
    mode: cloud.iam.mode,
    checksPerOrder: per(after.checks - before.checks),
    evaluationsPerOrder: per(after.evaluations - before.evaluations),
    microsecondsPerOrder: per(after.checkMicroseconds - before.checkMicroseconds),
  };
}

export async function startBenchCloud(options: { paymentWindowSeconds: number }): Promise<BenchCloud> {
  const recorder = new UsageRecorder();
  const stripeRequests: string[] = [];
  const cloud = await startLocalCloud({
    port: 0,
    stripeEmulatorPort: 0,
    paymentWindowSeconds: options.paymentWindowSeconds,
    logLevel: 'ERROR',
    onInvocation: recorder.onInvocation,
    log: (line) => {
      // "[stripe] POST /v1/payment_intents 200 req_... 3ms": the server side's Stripe API calls.
      const match = /^\[stripe\] (GET|POST|DELETE) (\/v1\/\S+) \d{3}/.exec(line);
      if (match) stripeRequests.push(`${match[1]} ${match[2].replace(/\/pi_[^/]+/, '/{id}')}`);
    },
  });
  try {
    // The handlers' own client instances: the local Lambda runtime has set process.env, so
    // loading the module now creates them exactly as the first handler would.
    /* eslint-disable @typescript-eslint/no-var-requires */
    const { dynamoDb, documentClient } = require('../../src/adapters/clients/dynamodb');
    recorder.instrument(dynamoDb, 'handler');
    if (documentClient.middlewareStack !== dynamoDb.middlewareStack) recorder.instrument(documentClient, 'handler');
    recorder.instrument(require('../../src/adapters/clients/sqs').sqs, 'handler');
    recorder.instrument(require('../../src/adapters/clients/sns').sns, 'handler');
    recorder.instrument(require('../../src/adapters/clients/sfn').stepFunctions, 'handler');
    /* eslint-enable @typescript-eslint/no-var-requires */
    // The local cloud's clients: Step Functions' direct integrations and the SQS event-source pollers.
    recorder.instrument(cloud.infra.clients.dynamodb, 'local');
    recorder.instrument(cloud.infra.clients.sqs, 'local');
    recorder.instrument(cloud.infra.clients.sns, 'local');
    // Every handler module loaded now (under tsx, a first load compiles TypeScript for hundreds of
    // ms): a Lambda cold start is not part of an order's measured duration.
    for (const config of Object.values(cloud.infra.service.functions)) {
      require(path.join(__dirname, '..', '..', config.handler.slice(0, config.handler.lastIndexOf('.'))));
    }
    const env = cloud.lambda.environment;
    recorder.inventoryTable = env.INVENTORY_TABLE;
    recorder.productQueueUrls = new Set([env.INVENTORY_UPDATES_QUEUE_URL, env.FULFILMENT_REQUESTS_QUEUE_URL]);

    const clientConfig = { region: 'us-east-1', credentials: LOCAL_CREDENTIALS };
    const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: cloud.endpoints.dynamodb });
    const sqs = new SQSClient({ ...clientConfig, endpoint: cloud.endpoints.sqs });
    const product = (sku: string, available: number) =>
      dynamodb.send(
        new PutItemCommand({
          TableName: env.INVENTORY_TABLE,
          Item: marshall({ sku, name: `Bench ${sku}`, price: 1000, currency: 'usd', available, reserved: 0, sold: 0 }),
        }),
      );
    await Promise.all([...BENCH_SKUS.map((sku) => product(sku, 1_000_000)), product(HOT_SKU, 1_000_000), product(OUT_OF_STOCK_SKU, 0)]);

    const executionArn = (name: string) => cloud.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
    const queueBusy = async () => {
      for (const url of recorder.productQueueUrls) {
        if (url === env.FULFILMENT_REQUESTS_QUEUE_URL) continue; // no consumer here: fulfilment is another system
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
        );
        if (Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) > 0) return true;
      }
      return false;
    };
    const settle = async (orderIds: string[], timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      const quietMs = 1_200; // longer than the worker's 1 s batching window and the SNS poller's 1 s wait
      for (;;) {
        const running = orderIds.filter((id) => {
          try {
            return cloud.stepFunctions.describeExecution(executionArn(id)).status === 'RUNNING';
          } catch {
            return false;
          }
        });
        const lastInvocation = recorder.invocations.at(-1)?.at ?? 0;
        const busy =
          running.length > 0 ||
          (cloud.stripe.emulator?.pendingDeliveries() ?? 0) > 0 ||
          Date.now() - lastInvocation < quietMs ||
          (await queueBusy());
        if (!busy) return;
        if (Date.now() > deadline) throw new Error(`not settled after ${timeoutMs} ms (${running.length} executions running)`);
        await sleep(100);
      }
    };

    return {
      cloud,
      recorder,
      dynamodb,
      sqs,
      stripeRequests,
      customer: () => new Customer(cloud.apiUrl, cloud.stripe.apiBase!, cloud.stripe.secretKey),
      settle,
      async scenario(work) {
        const mark = recorder.mark();
        const stripeMark = stripeRequests.length;
        const deliveriesMark = cloud.stripe.emulator?.deliveries().length ?? 0;
        const iamBefore = cloud.iam.stats();
        const orderIds = await work();
        await settle(orderIds);
        const iam = iamPerOrder(cloud, iamBefore, orderIds.length);
        const statuses: Record<string, number> = {};
        for (const id of orderIds) {
          const status = cloud.stepFunctions.describeExecution(executionArn(id)).status;
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
        const summary = summarise(cloud, recorder, recorder.since(mark), orderIds, orderIds.length);
        const stripe: Record<string, number> = {};
        for (const request of stripeRequests.slice(stripeMark)) stripe[request] = (stripe[request] ?? 0) + 1;
        const deliveries: Record<string, number> = {};
        for (const d of cloud.stripe.emulator?.deliveries().slice(deliveriesMark) ?? []) deliveries[d.type] = (deliveries[d.type] ?? 0) + 1 / orderIds.length;
        // The emulator sends every event type; the deployed endpoint subscribes to the handled ones
        // (README, Deploy). What the others cost here (a webhook invocation and an HTTP API request
        // each) would not be paid on AWS.
        const unsubscribed = Object.entries(deliveries)
          .filter(([type]) => !(HANDLED_EVENT_TYPES as readonly string[]).includes(type))
          .reduce((sum, [, n]) => sum + n, 0);
        const asDeployed = summary.costPerOrderUsd.total - unsubscribed * (PRICES.lambdaPerRequest + PRICES.httpApiPerRequest);
        return {
          ...summary,
          orderIds,
          statuses,
          iam,
          webhookDeliveriesByType: deliveries,
          costPerMillionOrdersAsDeployedUsd: Number((asDeployed * 1_000_000).toFixed(2)),
          stripeApiCallsPerOrder: Object.fromEntries(Object.entries(stripe).map(([k, v]) => [k, v / orderIds.length])),
        };
      },
      async close() {
        dynamodb.destroy();
        sqs.destroy();
        await cloud.close();
      },
    };
  } catch (error) {
    await cloud.close();
    throw error;
  }
}
