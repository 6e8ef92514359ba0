/**
 * What the console reads and acts on: one stage's tables, queues and state machine through the AWS
 * SDK, and its Stripe account through the Stripe SDK. The same code serves the local cloud (endpoints
 * given) and a deployed stage (the SDK's default endpoints and credentials); only `local` differs.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import Stripe from 'stripe';

export const SERVICE = 'checkout-saga';

/** Resource names of a stage, as serverless.yml's custom.names builds them. */
export function stageNames(stage: string, service = SERVICE) {
  const prefix = `${service}-${stage}`;
  return {
    ordersTable: `${prefix}-orders`,
    inventoryTable: `${prefix}-inventory`,
    stateMachine: `${prefix}-checkout`,
    queues: {
      'inventory-updates': `${prefix}-inventory-updates`,
      'fulfilment-requests': `${prefix}-fulfilment-requests`,
    } as Record<string, string>,
    /** Each DLQ and the queue its messages came from (resources/messaging.yml). */
    dlqs: {
      'inventory-updates-dlq': 'inventory-updates',
      'fulfilment-requests-dlq': 'fulfilment-requests',
    } as Record<string, string>,
    queueName: (short: string) => `${prefix}-${short}`,
  };
}

/** Local-only capabilities: the fault control routes, the Stripe emulator's control routes, captured EMF lines. */
export interface LocalCapabilities {
  /** Base URL of the local cloud's control routes (`/_local/...`), i.e. its HTTP API. */
  controlUrl: string;
  /** The Stripe emulator, when the local cloud runs one (not with a real Stripe test key). */
  stripeEmulatorUrl?: string;
  /** EMF lines the handlers printed (Powertools Metrics), newest last. */
  metricLines?: () => string[];
  /** The functions whose faults can be set, by the ASL state that runs them. */
  functionOfState: Record<string, string>;
}

export interface ConsoleTargetOptions {
  stage: string;
  region: string;
  /** AWS endpoints of the local cloud; unset: the SDK's defaults (a deployed stage). */
  endpoints?: { dynamodb: string; sqs: string; sfn: string; cloudwatch?: string };
  /** The state machine ARN; unset: found by name with ListStateMachines. */
  stateMachineArn?: string;
  /** The product's HTTP API (checkout, cancel, resume actions). */
  apiUrl?: string;
  adminApiKey?: string;
  stripe: { secretKey: string; apiBase?: string };
  allowActions: boolean;
  local?: LocalCapabilities;
  /** Path of the ASL file the graph is drawn from. */
  aslPath: string;
}

export interface ConsoleTarget extends ConsoleTargetOptions {
  names: ReturnType<typeof stageNames>;
  dynamodb: DynamoDBDocumentClient;
  sfn: SFNClient;
  sqs: SQSClient;
  cloudwatch: CloudWatchClient;
  stripeClient: Stripe;
}

export function createTarget(options: ConsoleTargetOptions): ConsoleTarget {
  const local = options.endpoints;
  // The local stand-ins accept any credentials; a deployed stage uses the caller's (default chain).
  const common = local
    ? { region: options.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
    : { region: options.region };
  const stripeBase = options.stripe.apiBase ? new URL(options.stripe.apiBase) : undefined;
  return {
    ...options,
    names: stageNames(options.stage),
    dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient({ ...common, endpoint: local?.dynamodb }), { marshallOptions: { removeUndefinedValues: true } }),
    sfn: new SFNClient({ ...common, endpoint: local?.sfn }),
    sqs: new SQSClient({ ...common, endpoint: local?.sqs }),
    cloudwatch: new CloudWatchClient({ ...common, endpoint: local?.cloudwatch }),
    stripeClient: new Stripe(options.stripe.secretKey, {
      ...(stripeBase ? { host: stripeBase.hostname, port: Number(stripeBase.port), protocol: stripeBase.protocol.replace(':', '') as 'http' | 'https' } : {}),
      maxNetworkRetries: 1,
      telemetry: false,
    }),
  };
}

export function closeTarget(target: ConsoleTarget): void {
  target.dynamodb.destroy();
  target.sfn.destroy();
  target.sqs.destroy();
  target.cloudwatch.destroy();
}
