/**
 * Counts the AWS usage of a local-cloud run from what actually happened:
 *  - AWS SDK calls, through a middleware added to the handlers' clients (src/adapters/clients/,
 *    the very instances the handlers use) and to the local cloud's own clients (Step Functions'
 *    direct integrations, the SQS event-source pollers). DynamoDB calls get
 *    ReturnConsumedCapacity=TOTAL, and the units DynamoDB Local reports are summed; a refused
 *    conditional write answers no ConsumedCapacity, so it is estimated (1 unit per item, 2 in a
 *    transaction) and flagged.
 *  - Lambda invocations, from the local Lambda runtime's onInvocation reports.
 *  - State transitions, from the execution histories (StateEntered events, plus one per retry).
 * Calls are attributed to the Lambda invocation they ran in through the runtime's InvokeStore
 * (globalThis.awslambda.InvokeStore, request id), so that a scenario can say who made them.
 */
import type { LocalCloud } from '../../local/cloud';
import type { InvocationReport } from '../../local/lambda/invoker';
import { priceUsage, type Usage } from '../prices';

export type Origin = 'handler' | 'local';

export interface AwsCall {
  at: number;
  /** Round trip, ms. */
  ms: number;
  origin: Origin;
  requestId?: string;
  service: string;
  operation: string;
  ok: boolean;
  errorName?: string;
  readUnits: number;
  writeUnits: number;
  /** Units guessed for a refused write (no ConsumedCapacity in an error answer). */
  estimated: boolean;
  /** Inventory items (SKU) this call wrote or tried to write. */
  skuWrites: string[];
  queueUrl?: string;
  messages?: number;
}

export interface Invocation extends InvocationReport {
  at: number;
}

const DYNAMODB_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const DYNAMODB_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

function keyValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { S?: unknown }).S === 'string') return (value as { S: string }).S;
  return undefined;
}

export class UsageRecorder {
  readonly calls: AwsCall[] = [];
  readonly invocations: Invocation[] = [];
  inventoryTable = '';
  productQueueUrls = new Set<string>();

  onInvocation = (report: InvocationReport): void => {
    this.invocations.push({ ...report, at: Date.now() });
  };

  /** Adds the counting middleware to an AWS SDK v3 client (or a DynamoDBDocumentClient's base client). */
  instrument(client: { middlewareStack: any }, origin: Origin): void {
    const recorder = this;
    client.middlewareStack.add(
      (next: any, context: any) => async (args: any) => {
        const service = String(context.clientName ?? '').replace(/Client$/, '').toLowerCase();
        const operation = String(context.commandName ?? '').replace(/Command$/, '');
        const store = (globalThis as any).awslambda?.InvokeStore;
        const requestId: string | undefined = store?.hasContext?.() ? store.getRequestId() : undefined;
        const isDynamo = service === 'dynamodb';
        if (isDynamo && (DYNAMODB_READS.has(operation) || DYNAMODB_WRITES.has(operation)) && args.input.ReturnConsumedCapacity === undefined) {
          args.input.ReturnConsumedCapacity = 'TOTAL';
        }
        const call: AwsCall = {
          at: Date.now(),
          ms: 0,
          origin,
          requestId,
          service,
          operation,
          ok: true,
          readUnits: 0,
          writeUnits: 0,
          estimated: false,
          skuWrites: isDynamo ? recorder.skuWritesOf(operation, args.input) : [],
          queueUrl: typeof args.input?.QueueUrl === 'string' ? args.input.QueueUrl : undefined,
        };
        try {
          const result = await next(args);
          if (isDynamo) {
            const consumed = result.output?.ConsumedCapacity;
            const units = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce(
              (sum: number, c: any) => sum + Number(c.CapacityUnits ?? 0),
              0,
            );
            if (DYNAMODB_READS.has(operation)) call.readUnits = units;
            else if (DYNAMODB_WRITES.has(operation)) call.writeUnits = units;
          }
          if (operation === 'ReceiveMessage') call.messages = result.output?.Messages?.length ?? 0;
          return result;
        } catch (error) {
          call.ok = false;
          call.errorName = (error as Error).name;
          if (isDynamo && DYNAMODB_WRITES.has(operation) && /ConditionalCheckFailed|TransactionCanceled/.test(call.errorName ?? '')) {
            const items = operation === 'TransactWriteItems' ? (args.input.TransactItems?.length ?? 1) * 2 : 1;
            call.writeUnits = items;
            call.estimated = true;
          }
          throw error;
        } finally {
          call.ms = Date.now() - call.at;
          recorder.calls.push(call);
        }
      },
      { step: 'initialize', name: 'benchAwsUsage', priority: 'low', override: true },
    );
  }

  private skuWritesOf(operation: string, input: any): string[] {
    const table = this.inventoryTable;
    const skus: string[] = [];
    const visit = (tableName: unknown, key: any) => {
      const sku = key && keyValue(key.sku);
      if (tableName === table && sku) skus.push(sku);
    };
    if (operation === 'UpdateItem' || operation === 'DeleteItem') visit(input.TableName, input.Key);
    if (operation === 'PutItem') visit(input.TableName, input.Item);
    if (operation === 'TransactWriteItems') {
      for (const item of input.TransactItems ?? []) {
        if (item.Update) visit(item.Update.TableName, item.Update.Key);
        if (item.Put) visit(item.Put.TableName, item.Put.Item);
        if (item.Delete) visit(item.Delete.TableName, item.Delete.Key);
      }
    }
    return skus;
  }

  mark(): Mark {
    return { calls: this.calls.length, invocations: this.invocations.length, at: Date.now() };
  }

  since(mark: Mark): { calls: AwsCall[]; invocations: Invocation[] } {
    return { calls: this.calls.slice(mark.calls), invocations: this.invocations.slice(mark.invocations) };
  }

  /** requestId -> function key, for the invocations seen so far. */
  functionOfRequest(): Map<string, string> {
    return new Map(this.invocations.map((i) => [i.awsRequestId, i.functionName]));
  }
}

export interface Mark {
  calls: number;
  invocations: number;
  at: number;
}

/** Functions whose invocations belong to the state machine's tasks, the HTTP API and the queues. */
export const STATE_MACHINE_FUNCTIONS = new Set(['reserveInventory', 'requestPayment', 'fulfillOrder', 'compensateOrder', 'flagNeedsAttention']);

export interface HistoryCount {
  executions: number;
  stateTransitions: number;
  statesEntered: string[];
  retries: number;
  lambdaTasks: number;
  taskResources: Record<string, number>;
}

/** State transitions as Step Functions bills them: each state entered, plus each retry attempt. */
export function countHistory(cloud: LocalCloud, executionNames: string[]): HistoryCount {
  const result: HistoryCount = { executions: 0, stateTransitions: 0, statesEntered: [], retries: 0, lambdaTasks: 0, taskResources: {} };
  for (const name of executionNames) {
    const arn = cloud.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
    let events;
    try {
      events = cloud.stepFunctions.getExecutionHistory(arn, { maxResults: 1000 }).events;
    } catch {
      continue;
    }
    result.executions++;
    let taskStatesEntered = 0;
    let scheduled = 0;
    let firstAttempt = false;
    for (const event of events) {
      if (event.type.endsWith('StateEntered')) {
        result.stateTransitions++;
        result.statesEntered.push((event.stateEnteredEventDetails as { name: string }).name);
        if (event.type === 'TaskStateEntered') taskStatesEntered++;
        firstAttempt = event.type === 'TaskStateEntered';
      }
      if (event.type === 'TaskScheduled') {
        scheduled++;
        const details = event.taskScheduledEventDetails as { resourceType: string; resource: string };
        const key = `${details.resourceType}:${details.resource}`;
        result.taskResources[key] = (result.taskResources[key] ?? 0) + 1;
        // A Lambda task state entered (its retries are attempts of the same task).
        if (details.resourceType === 'lambda' && firstAttempt) result.lambdaTasks++;
        firstAttempt = false;
      }
    }
    const retries = Math.max(0, scheduled - taskStatesEntered);
    result.retries += retries;
    result.stateTransitions += retries;
  }
  return result;
}

export interface UsageSummary {
  orders: number;
  perOrder: Usage & {
    lambdaTasksInStateMachine: number;
    lambdaByFunction: Record<string, number>;
    /** Failed invocations, "function: error", per order. */
    lambdaErrors: Record<string, number>;
    dynamoDbCalls: number;
    dynamoDbCallsByFunction: Record<string, number>;
    dynamoDbEstimatedCalls: number;
    webhookInvocations: number;
    workerInvocations: number;
    getOrderPolls: number;
    sqsByOperation: Record<string, number>;
    sfnApiCalls: Record<string, number>;
  };
  costPerOrderUsd: Record<string, number>;
  costPerMillionOrdersUsd: number;
}

const HTTP_FUNCTIONS = new Set(['createCheckout', 'getOrder', 'cancelOrder', 'products', 'adjustInventory', 'resumeOrder', 'stripeWebhook']);

/**
 * Totals of a window, divided by the number of orders. Customers' GET /orders polls are counted
 * apart (getOrderPolls) and left out of the cost: how often a client polls is the client's choice.
 */
export function summarise(
  cloud: LocalCloud,
  recorder: UsageRecorder,
  window: { calls: AwsCall[]; invocations: Invocation[] },
  executionNames: string[],
  orders: number,
): UsageSummary {
  const memoryOf = (fn: string) => Number(cloud.infra.service.functions[fn]?.memorySize ?? cloud.infra.service.provider.memorySize ?? 1024);
  const functionOf = recorder.functionOfRequest();
  const history = countHistory(cloud, executionNames);
  const billable = window.invocations.filter((i) => i.functionName !== 'getOrder');
  const lambdaByFunction: Record<string, number> = {};
  let gbSeconds = 0;
  for (const invocation of billable) {
    lambdaByFunction[invocation.functionName] = (lambdaByFunction[invocation.functionName] ?? 0) + 1;
    gbSeconds += (Math.max(1, invocation.durationMs) / 1000) * (memoryOf(invocation.functionName) / 1024);
  }
  const lambdaErrors: Record<string, number> = {};
  for (const invocation of billable.filter((i) => i.error)) {
    const key = `${invocation.functionName}: ${invocation.error!.name}`;
    lambdaErrors[key] = (lambdaErrors[key] ?? 0) + 1;
  }
  const pollRequestIds = new Set(window.invocations.filter((i) => i.functionName === 'getOrder').map((i) => i.awsRequestId));
  const calls = window.calls.filter((c) => !(c.requestId && pollRequestIds.has(c.requestId)));
  const dynamo = calls.filter((c) => c.service === 'dynamodb');
  const dynamoDbCallsByFunction: Record<string, number> = {};
  for (const call of dynamo) {
    const who = call.requestId ? (functionOf.get(call.requestId) ?? 'unknown') : call.origin === 'local' ? 'stepFunctions' : 'other';
    dynamoDbCallsByFunction[who] = (dynamoDbCallsByFunction[who] ?? 0) + 1;
  }
  // SQS: product queues only (the local SNS->Lambda plumbing queues do not exist on AWS); a
  // receive that returned nothing is the pollers' fixed cost, not an order's.
  const sqs = calls.filter((c) => c.service === 'sqs' && c.queueUrl && recorder.productQueueUrls.has(c.queueUrl) && !(c.operation === 'ReceiveMessage' && !c.messages));
  const sqsByOperation: Record<string, number> = {};
  for (const call of sqs) sqsByOperation[call.operation] = (sqsByOperation[call.operation] ?? 0) + 1;
  const sfnApiCalls: Record<string, number> = {};
  for (const call of calls.filter((c) => c.service === 'sfn')) sfnApiCalls[call.operation] = (sfnApiCalls[call.operation] ?? 0) + 1;
  const snsPublishes = calls.filter((c) => c.service === 'sns' && c.operation === 'Publish' && c.origin === 'handler').length;
  const per = (n: number) => n / Math.max(1, orders);
  const usage: Usage = {
    stateTransitions: per(history.stateTransitions),
    lambdaRequests: per(billable.length),
    lambdaGbSeconds: per(gbSeconds),
    dynamoDbReadUnits: per(dynamo.reduce((s, c) => s + c.readUnits, 0)),
    dynamoDbWriteUnits: per(dynamo.reduce((s, c) => s + c.writeUnits, 0)),
    sqsRequests: per(sqs.length),
    snsPublishes: per(snsPublishes),
    httpApiRequests: per(billable.filter((i) => HTTP_FUNCTIONS.has(i.functionName)).length),
  };
  const cost = priceUsage(usage);
  const round = (value: number, digits = 3) => Number(value.toFixed(digits));
  return {
    orders,
    perOrder: {
      ...Object.fromEntries(Object.entries(usage).map(([k, v]) => [k, round(v, k === 'lambdaGbSeconds' ? 5 : 3)])) as unknown as Usage,
      lambdaTasksInStateMachine: round(per(history.lambdaTasks)),
      lambdaByFunction: Object.fromEntries(Object.entries(lambdaByFunction).map(([k, v]) => [k, round(per(v))])),
      lambdaErrors: Object.fromEntries(Object.entries(lambdaErrors).map(([k, v]) => [k, round(per(v))])),
      dynamoDbCalls: round(per(dynamo.length)),
      dynamoDbCallsByFunction: Object.fromEntries(Object.entries(dynamoDbCallsByFunction).map(([k, v]) => [k, round(per(v))])),
      dynamoDbEstimatedCalls: round(per(dynamo.filter((c) => c.estimated).length)),
      webhookInvocations: round(per(lambdaByFunction.stripeWebhook ?? 0)),
      workerInvocations: round(per(lambdaByFunction.inventoryWorker ?? 0)),
      getOrderPolls: round(per(pollRequestIds.size)),
      sqsByOperation: Object.fromEntries(Object.entries(sqsByOperation).map(([k, v]) => [k, round(per(v))])),
      sfnApiCalls: Object.fromEntries(Object.entries(sfnApiCalls).map(([k, v]) => [k, round(per(v))])),
    },
    costPerOrderUsd: Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, Number(v.toPrecision(3))])),
    costPerMillionOrdersUsd: round(cost.total * 1_000_000, 2),
  };
}
