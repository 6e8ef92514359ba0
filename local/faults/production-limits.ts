/**
 * LOCAL_LIMITS=production: the quotas the deployed stack meets first, enforced with the errors the
 * services answer (values and sources in the README, "Production limits"):
 *  - Stripe: 25 requests/s in test mode (sandboxes), one bucket for the account -> 429 rate_limit;
 *  - Step Functions (us-east-1): StartExecution, bucket 1,300 refilled 300/s; SendTaskSuccess,
 *    SendTaskFailure, SendTaskHeartbeat 500/s each -> ThrottlingException;
 *  - DynamoDB: 1,000 write units/s per partition, modelled per item (a hot SKU is one partition
 *    key): a write of up to 1 KB costs 1 unit, 2 inside a transaction ->
 *    ProvisionedThroughputExceededException (TableWriteKeyRangeThroughputExceeded), as on-demand
 *    tables report a hot key.
 * Not modelled: DynamoDB reads (3,000 units/s per partition), Lambda concurrency, SQS and SNS
 * (their standard quotas are far above what this saga sends).
 */
import { TokenBucket } from './token-bucket';

export type LimitsMode = 'off' | 'production';

export function parseLimitsMode(value: string | undefined): LimitsMode {
  if (value === undefined || value === '' || value === 'off') return 'off';
  if (value === 'production') return 'production';
  throw new Error(`LOCAL_LIMITS must be production or off, got "${value}"`);
}

export interface LimitDefinition {
  name: string;
  capacity: number;
  refillPerSecond: number;
  source: string;
}

export const PRODUCTION_LIMITS = {
  stripeRequests: { name: 'Stripe API requests (test mode)', capacity: 25, refillPerSecond: 25, source: 'docs.stripe.com/rate-limits: 25 requests/s in sandboxes (100 live)' },
  startExecution: { name: 'Step Functions StartExecution', capacity: 1300, refillPerSecond: 300, source: 'Step Functions service quotas, API action throttling, us-east-1' },
  sendTask: { name: 'Step Functions SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat (each)', capacity: 500, refillPerSecond: 500, source: 'Step Functions service quotas, API action throttling, us-east-1 (500/s each)' },
  partitionWrites: { name: 'DynamoDB write units per partition (per item here)', capacity: 1000, refillPerSecond: 1000, source: 'DynamoDB developer guide, partition key design: 1,000 WCU/s per partition' },
} satisfies Record<string, LimitDefinition>;

export interface LimitStats {
  name: string;
  allowed: number;
  throttled: number;
}

export interface ProductionLimits {
  /** True when a Stripe request may go on. */
  stripeRequest(): boolean;
  /** True when this Step Functions call may go on. */
  stepFunctions(operation: string): boolean;
  /** The item key the write was throttled on, or undefined when it may go on. */
  dynamoDbWrite(operation: string, input: any): string | undefined;
  stats(): LimitStats[];
}

const SEND_TASK = new Set(['SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat']);

export function createProductionLimits(now?: () => number): ProductionLimits {
  const bucket = (definition: LimitDefinition) => new TokenBucket(definition.capacity, definition.refillPerSecond, now);
  const counters = new Map<string, LimitStats>();
  const count = (name: string, allowed: boolean) => {
    const stats = counters.get(name) ?? { name, allowed: 0, throttled: 0 };
    counters.set(name, stats);
    if (allowed) stats.allowed++;
    else stats.throttled++;
    return allowed;
  };
  const stripe = bucket(PRODUCTION_LIMITS.stripeRequests);
  const startExecution = bucket(PRODUCTION_LIMITS.startExecution);
  const sendTask = new Map([...SEND_TASK].map((operation) => [operation, bucket(PRODUCTION_LIMITS.sendTask)]));
  const partitions = new Map<string, TokenBucket>();

  return {
    stripeRequest: () => count(PRODUCTION_LIMITS.stripeRequests.name, stripe.take()),
    stepFunctions(operation) {
      if (operation === 'StartExecution') return count(PRODUCTION_LIMITS.startExecution.name, startExecution.take());
      const limit = sendTask.get(operation);
      return limit ? count(`Step Functions ${operation}`, limit.take()) : true;
    },
    dynamoDbWrite(operation, input) {
      for (const { key, units } of writtenItems(operation, input)) {
        let partition = partitions.get(key);
        if (!partition) partitions.set(key, (partition = bucket(PRODUCTION_LIMITS.partitionWrites)));
        if (!count(PRODUCTION_LIMITS.partitionWrites.name, partition.take(units))) return key;
      }
      return undefined;
    },
    stats: () => [...counters.values()].map((stats) => ({ ...stats })),
  };
}

/** The items a write touches, keyed by table and key, with the write units each costs. */
function writtenItems(operation: string, input: any): Array<{ key: string; units: number }> {
  const keyOf = (table: string, key: unknown) => `${table}/${JSON.stringify(key)}`;
  switch (operation) {
    case 'PutItem':
      return [{ key: keyOf(input.TableName, input.Item), units: 1 }];
    case 'UpdateItem':
    case 'DeleteItem':
      return [{ key: keyOf(input.TableName, input.Key), units: 1 }];
    case 'TransactWriteItems':
      return (input.TransactItems ?? []).flatMap((item: Record<string, any>) => {
        const [kind, action] = Object.entries(item).find(([, value]) => value && typeof value === 'object') ?? [];
        if (!action || kind === 'ConditionCheck') return [];
        return [{ key: keyOf(action.TableName, action.Key ?? action.Item), units: 2 }];
      });
    case 'BatchWriteItem':
      return Object.entries(input.RequestItems ?? {}).flatMap(([table, requests]) =>
        (requests as any[]).map((request) => ({ key: keyOf(table, request.PutRequest?.Item ?? request.DeleteRequest?.Key), units: 1 })),
      );
    default:
      return [];
  }
}
