/**
 * AWS list prices used to price what a benchmark run counted. us-east-1, on-demand, no free tier,
 * first pricing tier, USD. Checked against the pricing pages below (November 2026); update the
 * date and the figure together when a page changes.
 */
export const PRICES_CHECKED = '2026-11';
export const REGION = 'us-east-1';

export const PRICES = {
  /** Standard workflows: $0.025 per 1,000 state transitions; retries count as transitions.
   *  https://aws.amazon.com/step-functions/pricing/ */
  stepFunctionsPerTransition: 0.025 / 1_000,

  /** Lambda requests: $0.20 per 1M.  https://aws.amazon.com/lambda/pricing/ */
  lambdaPerRequest: 0.2 / 1_000_000,
  /** Lambda duration, Arm (Graviton2), first 7.5 billion GB-s per month: $0.0000133334 per GB-s,
   *  billed per 1 ms.  https://aws.amazon.com/lambda/pricing/ */
  lambdaArmPerGbSecond: 0.0000133334,

  /** DynamoDB on-demand (Standard table class): $0.625 per 1M write request units,
   *  $0.125 per 1M read request units (after the November 2024 price cut).
   *  https://aws.amazon.com/dynamodb/pricing/on-demand/ */
  dynamoDbPerWriteUnit: 0.625 / 1_000_000,
  dynamoDbPerReadUnit: 0.125 / 1_000_000,

  /** SQS standard queues: $0.40 per 1M requests (each 64 KB chunk of a payload is one request).
   *  https://aws.amazon.com/sqs/pricing/ */
  sqsPerRequest: 0.4 / 1_000_000,

  /** SNS standard topics: $0.50 per 1M publishes; deliveries to Lambda and SQS are free.
   *  https://aws.amazon.com/sns/pricing/ */
  snsPerPublish: 0.5 / 1_000_000,

  /** API Gateway HTTP APIs: $1.00 per 1M requests (first 300M per month).
   *  https://aws.amazon.com/api-gateway/pricing/ */
  httpApiPerRequest: 1.0 / 1_000_000,
} as const;

/** What is not priced: CloudWatch Logs ingestion ($0.50/GB), X-Ray traces ($5.00 per 1M recorded,
 *  tracing is on for Lambda and the state machine), KMS decrypts of the SSM SecureStrings (cached
 *  5 minutes per sandbox), data transfer, Stripe's own fees, free tiers. */
export const NOT_PRICED = [
  'CloudWatch Logs ingestion ($0.50/GB)',
  'X-Ray traces ($5.00 per 1M recorded; tracing is enabled)',
  'KMS decrypts behind SSM SecureString reads (cached 5 min per sandbox)',
  'data transfer, free tiers, Stripe fees',
];

export interface Usage {
  stateTransitions: number;
  lambdaRequests: number;
  lambdaGbSeconds: number;
  dynamoDbReadUnits: number;
  dynamoDbWriteUnits: number;
  sqsRequests: number;
  snsPublishes: number;
  httpApiRequests: number;
}

export function priceUsage(usage: Usage): Record<keyof Usage | 'total', number> {
  const parts = {
    stateTransitions: usage.stateTransitions * PRICES.stepFunctionsPerTransition,
    lambdaRequests: usage.lambdaRequests * PRICES.lambdaPerRequest,
    lambdaGbSeconds: usage.lambdaGbSeconds * PRICES.lambdaArmPerGbSecond,
    dynamoDbReadUnits: usage.dynamoDbReadUnits * PRICES.dynamoDbPerReadUnit,
    dynamoDbWriteUnits: usage.dynamoDbWriteUnits * PRICES.dynamoDbPerWriteUnit,
    sqsRequests: usage.sqsRequests * PRICES.sqsPerRequest,
    snsPublishes: usage.snsPublishes * PRICES.snsPerPublish,
    httpApiRequests: usage.httpApiRequests * PRICES.httpApiPerRequest,
  };
  return { ...parts, total: Object.values(parts).reduce((a, b) => a + b, 0) };
}
