/**
 * The whole storage and messaging half of the local cloud from the real serverless.yml:
 * DynamoDB Local (one JVM for this file) and fauxqs really started, tables/queues/topics
 * provisioned, and handler-style SDK clients (configured only through AWS_ENDPOINT_URL_<SERVICE>)
 * reaching them.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { GetTopicAttributesCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { createLambdaRuntime } from '../../../local/lambda/invoker';
import { applyToProcessEnv } from '../../../local/lambda/function-environment';
import { startFunctionEventSources } from '../../../local/messaging/function-event-sources';
import { pollUntil } from '../../support/poll';
import { startLocalInfrastructure, type LocalInfrastructure } from '../../../local/local-infrastructure';
import { REPO_ROOT } from './fixtures/fixture-service';

let infra: LocalInfrastructure;
let restoreEnvironment: () => void = () => undefined;

beforeAll(async () => {
  infra = await startLocalInfrastructure({ root: REPO_ROOT, stage: 'local' });
  // Recorded for the report: DynamoDB Local's JVM is the slow part.
  console.info(`local infrastructure started: ${JSON.stringify(infra.timings)}`);
});

afterEach(() => {
  restoreEnvironment();
  restoreEnvironment = () => undefined;
});

afterAll(async () => {
  await infra?.close();
});

/** The way handler code gets its clients: no endpoint in the constructor, only the environment. */
function asHandlerCode<T>(makeClient: () => T): T {
  restoreEnvironment = applyToProcessEnv(infra.environment);
  return makeClient();
}

describe('startup', () => {
  // Startup times are measured by bench/, not asserted here.
  test('DynamoDB Local and fauxqs answer on 127.0.0.1', () => {
    expect(infra.endpoints.dynamodb).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(infra.endpoints.sqs).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('resolves the provider environment to local physical ids and sets the AWS SDK variables', () => {
    expect(infra.environment).toMatchObject({
      ORDERS_TABLE: 'checkout-saga-local-orders',
      INVENTORY_UPDATES_QUEUE_URL: `${infra.endpoints.sqs}/000000000000/checkout-saga-local-inventory-updates`,
      FULFILMENT_REQUESTS_QUEUE_URL: `${infra.endpoints.sqs}/000000000000/checkout-saga-local-fulfilment-requests`,
      OPS_ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:checkout-saga-local-ops-alerts',
      STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:checkout-saga-local-checkout',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: infra.endpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: infra.endpoints.sqs,
      AWS_ENDPOINT_URL_SNS: infra.endpoints.sns,
    });
    expect(infra.environment.AWS_ACCESS_KEY_ID).toBeTruthy();
    expect(infra.environment.AWS_SECRET_ACCESS_KEY).toBeTruthy();
    expect(Object.values(infra.environment).every((value) => typeof value === 'string')).toBe(true);
  });

  test('lists what it did not create', () => {
    expect(infra.notes).toEqual(
      expect.arrayContaining([
        'OpsAlertsTopicPolicy (AWS::SNS::TopicPolicy) skipped: access policies are not enforced locally',
        'InventoryUpdatesDLQDepthAlarm (AWS::CloudWatch::Alarm) skipped: no CloudWatch locally',
        'CheckoutStateMachineLogGroup (AWS::Logs::LogGroup) skipped: logs go to the terminal locally',
      ]),
    );
  });
});

describe('DynamoDB from serverless.yml', () => {
  test('tables carry the key schema, GSI and billing mode of resources/dynamodb.yml', async () => {
    const { Table } = await infra.clients.dynamodb.send(new DescribeTableCommand({ TableName: 'checkout-saga-local-orders' }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'orderId', KeyType: 'HASH' }]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.KeySchema, index.Projection?.ProjectionType])).toEqual([
      [
        'by-attention',
        [
          { AttributeName: 'attentionStatus', KeyType: 'HASH' },
          { AttributeName: 'updatedAt', KeyType: 'RANGE' },
        ],
        'ALL',
      ],
      [
        'by-status-created',
        [
          { AttributeName: 'status', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        'INCLUDE',
      ],
    ]);
    const { TableNames } = await infra.clients.dynamodb.send(new ListTablesCommand({}));
    expect(TableNames).toEqual(['checkout-saga-local-idempotency', 'checkout-saga-local-inventory', 'checkout-saga-local-orders']);
  });

  test('TTL is enabled on the idempotency table', async () => {
    const { TimeToLiveDescription } = await infra.clients.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: 'checkout-saga-local-idempotency' }));
    expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiration' });
    const other = await infra.clients.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: 'checkout-saga-local-orders' }));
    expect(other.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
  });

  test('a TransactWriteItems whose condition fails is cancelled whole, with CancellationReasons', async () => {
    const table = 'checkout-saga-local-inventory';
    await infra.clients.dynamodb.send(new PutItemCommand({ TableName: table, Item: { sku: { S: 'SKU-A' }, available: { N: '5' } } }));
    await infra.clients.dynamodb.send(new PutItemCommand({ TableName: table, Item: { sku: { S: 'SKU-B' }, available: { N: '1' } } }));
    const reserve = (sku: string, quantity: number) => ({
      Update: {
        TableName: table,
        Key: { sku: { S: sku } },
        UpdateExpression: 'SET available = available - :q',
        ConditionExpression: 'available >= :q',
        ExpressionAttributeValues: { ':q': { N: String(quantity) } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      },
    });
    const error = await infra.clients.dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [reserve('SKU-A', 2), reserve('SKU-B', 3)] })).catch((thrown) => thrown);

    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error.name).toBe('TransactionCanceledException');
    expect(error.CancellationReasons.map((reason: { Code: string }) => reason.Code)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(unmarshall(error.CancellationReasons[1].Item)).toEqual({ sku: 'SKU-B', available: 1 });
    // All or nothing: SKU-A was not decremented.
    const { Item } = await infra.clients.dynamodb.send(new GetItemCommand({ TableName: table, Key: { sku: { S: 'SKU-A' } } }));
    expect(unmarshall(Item!)).toEqual({ sku: 'SKU-A', available: 5 });
  });
});

describe('SQS and SNS from serverless.yml', () => {
  test('queues carry VisibilityTimeout and a RedrivePolicy to their DLQ', async () => {
    const { Attributes } = await infra.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: infra.environment.INVENTORY_UPDATES_QUEUE_URL, AttributeNames: ['All'] }));
    expect(Attributes).toMatchObject({ VisibilityTimeout: '60', MessageRetentionPeriod: '345600' });
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:checkout-saga-local-inventory-updates-dlq',
      maxReceiveCount: 5,
    });
    const topic = await infra.clients.sns.send(new GetTopicAttributesCommand({ TopicArn: infra.environment.OPS_ALERTS_TOPIC_ARN }));
    expect(topic.Attributes?.DisplayName).toBe('checkout-saga ops alerts (local)');
  });
});

describe('handler code configured only by AWS_ENDPOINT_URL_<SERVICE>', () => {
  test('DynamoDB: a client with no endpoint reaches DynamoDB Local', async () => {
    const client = asHandlerCode(() => new DynamoDBClient({}));
    try {
      const { TableNames } = await client.send(new ListTablesCommand({}));
      expect(TableNames).toContain(infra.environment.ORDERS_TABLE);
    } finally {
      client.destroy();
    }
  });

  test('SQS: sends to the queue URL from the environment (its origin is the endpoint)', async () => {
    const client = asHandlerCode(() => new SQSClient({}));
    try {
      await client.send(new SendMessageCommand({ QueueUrl: infra.environment.FULFILMENT_REQUESTS_QUEUE_URL, MessageBody: 'order o-1 paid' }));
      const { Messages } = await infra.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: infra.environment.FULFILMENT_REQUESTS_QUEUE_URL, WaitTimeSeconds: 1 }));
      expect(Messages?.map((message) => message.Body)).toEqual(['order o-1 paid']);
    } finally {
      client.destroy();
    }
  });

  test("SQS: fauxqs's stock URLs (sqs.<region>.localhost) would not work: the SDK sends to the QueueUrl's host", async () => {
    const client = asHandlerCode(() => new SQSClient({ logger: { debug() {}, info() {}, warn() {}, error() {} } }));
    const stockUrl = infra.environment.FULFILMENT_REQUESTS_QUEUE_URL.replace('127.0.0.1', 'sqs.us-east-1.localhost');
    try {
      await expect(client.send(new SendMessageCommand({ QueueUrl: stockUrl, MessageBody: 'x' }))).rejects.toMatchObject({
        message: expect.stringContaining('sqs.us-east-1.localhost'),
      });
    } finally {
      client.destroy();
    }
  });

  test('SNS: a publish to OPS_ALERTS_TOPIC_ARN is recorded for tests to count', async () => {
    const client = asHandlerCode(() => new SNSClient({}));
    const topicArn = infra.environment.OPS_ALERTS_TOPIC_ARN;
    try {
      const before = (await infra.messagesPublishedTo(topicArn)).length;
      await client.send(new PublishCommand({ TopicArn: topicArn, Subject: 'NEEDS_ATTENTION', Message: '{"orderId":"o-9"}' }));
      const after = await infra.messagesPublishedTo(topicArn);
      expect(after).toHaveLength(before + 1);
      expect(after[after.length - 1]).toMatchObject({ subject: 'NEEDS_ATTENTION', message: '{"orderId":"o-9"}', topicArn });
    } finally {
      client.destroy();
    }
  });

  test('Step Functions: AWS_ENDPOINT_URL_SFN is honoured by the installed client', async () => {
    const requests: Array<{ url?: string; target?: string | string[] }> = [];
    const server = createServer((request: IncomingMessage, response) => {
      requests.push({ url: request.url, target: request.headers['x-amz-target'] });
      request.resume();
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: 'ExecutionDoesNotExist', message: 'stand-in' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    restoreEnvironment = applyToProcessEnv({ ...infra.environment, AWS_ENDPOINT_URL_SFN: endpoint });
    const client = new SFNClient({ maxAttempts: 1 });
    try {
      await expect(client.send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:m:e' }))).rejects.toMatchObject({
        name: 'ExecutionDoesNotExist',
      });
      expect(requests).toEqual([{ url: '/', target: 'AWSStepFunctions.DescribeExecution' }]);
    } finally {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("functions' event sources from serverless.yml", () => {
  test("inventoryWorker's sqs event and notifySlack's sns event are wired with their settings", async () => {
    // The real handlers are someone else's work in progress: a recording sink stands in for
    // their invocation, the event sources under test are real.
    const invocations: Array<{ functionKey: string; event: any }> = [];
    const lambda = createLambdaRuntime({ service: infra.service, root: REPO_ROOT, environment: infra.environment, resolve: infra.resolve, faults: '' });
    const sources = await startFunctionEventSources({
      service: infra.service,
      resolve: infra.resolve,
      sqs: infra.clients.sqs,
      sns: infra.clients.sns,
      lambda: {
        arnOf: lambda.arnOf,
        invoke: async (functionKey, event) => {
          invocations.push({ functionKey, event });
          return { batchItemFailures: [] };
        },
      },
    });
    try {
      expect(sources.sqs.map((source) => [source.functionKey, source.queueArn])).toEqual([
        ['inventoryWorker', 'arn:aws:sqs:us-east-1:000000000000:checkout-saga-local-inventory-updates'],
      ]);
      expect(sources.sns.subscriptions.map((subscription) => [subscription.functionKey, subscription.topicArn, subscription.timeoutSeconds])).toEqual([
        ['notifySlack', infra.environment.OPS_ALERTS_TOPIC_ARN, 10],
      ]);
      await infra.clients.sqs.send(new SendMessageCommand({ QueueUrl: infra.environment.INVENTORY_UPDATES_QUEUE_URL, MessageBody: '{"type":"COMMIT"}' }));
      await infra.clients.sns.send(new PublishCommand({ TopicArn: infra.environment.OPS_ALERTS_TOPIC_ARN, Message: 'alert' }));
      await pollUntil('both functions invoked', () => (invocations.length >= 2 ? true : undefined));
      const byFunction = Object.fromEntries(invocations.map(({ functionKey, event }) => [functionKey, event.Records[0]]));
      expect(byFunction.inventoryWorker).toMatchObject({ body: '{"type":"COMMIT"}', eventSource: 'aws:sqs' });
      expect(byFunction.notifySlack).toMatchObject({ EventSource: 'aws:sns', Sns: { Message: 'alert' } });
    } finally {
      await sources.stop();
      lambda.close();
    }
  });

  test("the real functions' environments merge without conflicts", () => {
    const lambda = createLambdaRuntime({ service: infra.service, root: REPO_ROOT, environment: infra.environment, resolve: infra.resolve, faults: '' });
    try {
      expect(lambda.environment).toMatchObject({
        STRIPE_SECRET_KEY_PARAMETER: '/checkout-saga/local/stripe-secret-key',
        ADMIN_API_KEY_PARAMETER: '/checkout-saga/local/admin-api-key',
        ORDERS_TABLE: 'checkout-saga-local-orders',
      });
      expect(lambda.arnOf('reserveInventory')).toBe(infra.resolve({ 'Fn::GetAtt': ['ReserveInventoryLambdaFunction', 'Arn'] }));
    } finally {
      lambda.close();
    }
  });
});

describe('shutdown', () => {
  test('close() stops DynamoDB Local and fauxqs (checked last, by process id)', async () => {
    const { dynamodb, fauxqs } = infra.pids;
    expect(isRunning(dynamodb)).toBe(true);
    expect(isRunning(fauxqs)).toBe(true);
    await infra.close();
    expect(isRunning(dynamodb)).toBe(false);
    expect(isRunning(fauxqs)).toBe(false);
    infra = undefined as never;
  });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its parent) still answers signal 0: ask ps for its state.
  const state = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  return state !== '' && !state.startsWith('Z');
}
