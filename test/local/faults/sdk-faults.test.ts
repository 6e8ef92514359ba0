/**
 * Service faults reach the caller as the real service's errors: built by the SDK's own deserializer
 * from the wire answer (error class, name, $fault, $retryable) and retried by its own strategy, as
 * in production. A stand-in server counts the requests that really arrive.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, type TransactWriteItem, ProvisionedThroughputExceededException, ThrottlingException, TransactionCanceledException, UpdateItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, RequestThrottled, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { installSdkFaults } from '../../../local/faults/sdk-faults';
import { createProductionLimits } from '../../../local/faults/production-limits';
import { ServiceFaults } from '../../../local/faults/service-faults';
import { runAsCaller } from '../../../local/sdk-interception';

let server: Server;
let endpoint: string;
let arrived: string[] = [];
const faults = new ServiceFaults();
let uninstall: () => void;

beforeAll(async () => {
  server = createServer((request, response) => {
    arrived.push(String(request.headers['x-amz-target'] ?? request.url));
    request.resume();
    request.on('end', () => {
      const sns = String(request.headers['content-type']).includes('x-www-form-urlencoded');
      response.writeHead(200, { 'content-type': sns ? 'text/xml' : 'application/x-amz-json-1.0' });
      response.end(sns ? '<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult></PublishResponse>' : '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  uninstall = installSdkFaults({ faults, callerOfInvocation: () => undefined, tableArn: (name) => `arn:aws:dynamodb:us-east-1:000000000000:table/${name}` });
});
afterAll(async () => {
  uninstall();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  faults.clear();
  arrived = [];
});

const config = () => ({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, retryStrategy: undefined, maxAttempts: 3 });
const asFunction = <T>(work: () => Promise<T>) => runAsCaller('reserveInventory', work);
const update = new UpdateItemCommand({ TableName: 'inventory', Key: { sku: { S: 'A' } }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '1' } } });

async function failure(work: () => Promise<unknown>): Promise<any> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

test('DynamoDB ThrottlingException: the modeled class, a throttling error the SDK retried 3 times; nothing reached the table', async () => {
  faults.set('dynamodb', { error: 'ThrottlingException' });
  const error = await failure(() => asFunction(() => new DynamoDBClient(config()).send(update)));
  expect(error).toBeInstanceOf(ThrottlingException);
  expect(error).toMatchObject({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400, attempts: 3 } });
  expect(arrived).toEqual([]);
});

test('DynamoDB hot key: ProvisionedThroughputExceededException with the throttling reason and table ARN; a retry that finds capacity succeeds', async () => {
  faults.set('dynamodb', { error: 'ProvisionedThroughputExceededException', times: 1 });
  await asFunction(() => new DynamoDBClient(config()).send(update));
  expect(arrived).toEqual(['DynamoDB_20120810.UpdateItem']);
  faults.set('dynamodb', { error: 'ProvisionedThroughputExceededException' });
  const error = await failure(() => asFunction(() => new DynamoDBClient({ ...config(), maxAttempts: 1 }).send(update)));
  expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
  expect(error.ThrottlingReasons).toEqual([{ reason: 'TableWriteKeyRangeThroughputExceeded', resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/inventory' }]);
});

test('DynamoDB TransactionConflict: TransactionCanceledException, the named table\'s items conflict, the others None; not retried by the SDK', async () => {
  faults.set('dynamodb', { error: 'TransactionCanceledException', resources: ['inventory'] });
  const items: TransactWriteItem[] = [
    { Update: { TableName: 'inventory', Key: { sku: { S: 'A' } }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '1' } } } },
    { Update: { TableName: 'orders', Key: { orderId: { S: 'o' } }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '1' } } } },
  ];
  const error = await failure(() => asFunction(() => new DynamoDBClient(config()).send(new TransactWriteItemsCommand({ TransactItems: items }))));
  expect(error).toBeInstanceOf(TransactionCanceledException);
  expect(error.CancellationReasons).toEqual([{ Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }, { Code: 'None' }]);
  expect(error.$metadata.attempts).toBe(1);
});

test('DynamoDB InternalServerError after the work: the write arrived, its answer is a 500, and the SDK retries it', async () => {
  faults.set('dynamodb', { error: 'InternalServerError', when: 'after', times: 1 });
  await asFunction(() => new DynamoDBClient(config()).send(update));
  expect(arrived).toEqual(['DynamoDB_20120810.UpdateItem', 'DynamoDB_20120810.UpdateItem']);
});

test('a call without a caller (the local cloud\'s plumbing, a test) is never struck', async () => {
  faults.set('dynamodb', { error: 'ThrottlingException' });
  await new DynamoDBClient(config()).send(update);
  expect(arrived).toHaveLength(1);
});

test('SQS RequestThrottled (JSON protocol, query-compatible code): the modeled class, retried', async () => {
  faults.set('sqs', { error: 'RequestThrottled', times: 2 });
  await asFunction(() => new SQSClient(config()).send(new DeleteMessageCommand({ QueueUrl: `${endpoint}/000000000000/updates`, ReceiptHandle: 'r' })));
  expect(arrived).toHaveLength(1);
  faults.set('sqs', { error: 'RequestThrottled' });
  const error = await failure(() => asFunction(() => new SQSClient(config()).send(new DeleteMessageCommand({ QueueUrl: `${endpoint}/000000000000/updates`, ReceiptHandle: 'r' }))));
  expect(error).toBeInstanceOf(RequestThrottled);
  expect(error.$metadata.attempts).toBe(3);
});

test('SQS ServiceUnavailable: a 503 server fault', async () => {
  faults.set('sqs', { error: 'ServiceUnavailable' });
  const error = await failure(() => asFunction(() => new SQSClient({ ...config(), maxAttempts: 1 }).send(new SendMessageCommand({ QueueUrl: `${endpoint}/000000000000/updates`, MessageBody: 'x' }))));
  expect(error).toMatchObject({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 } });
});

test('SNS Throttled (query XML, 429): ThrottledException', async () => {
  faults.set('sns', { error: 'Throttled' });
  const error = await failure(() => asFunction(() => new SNSClient({ ...config(), maxAttempts: 1 }).send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:ops', Message: 'x' }))));
  expect(error).toBeInstanceOf(ThrottledException);
  expect(error.$metadata.httpStatusCode).toBe(429);
});

test('Step Functions: SendTaskSuccess throttled; a ConnectionReset after the work is retried by the SDK (the callback arrived twice)', async () => {
  faults.set('stepfunctions', { error: 'ThrottlingException', operations: ['SendTaskSuccess'] });
  const client = new SFNClient(config());
  const error = await failure(() => asFunction(() => client.send(new SendTaskSuccessCommand({ taskToken: 't', output: '{}' }))));
  expect(error).toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400, attempts: 3 } });
  await asFunction(() => client.send(new StartExecutionCommand({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:checkout', input: '{}' })));
  expect(arrived).toEqual(['AWSStepFunctions.StartExecution']);

  arrived = [];
  faults.set('stepfunctions', { error: 'ConnectionReset', when: 'after', times: 1, operations: ['SendTaskSuccess'] });
  await asFunction(() => client.send(new SendTaskSuccessCommand({ taskToken: 't', output: '{}' })));
  expect(arrived).toEqual(['AWSStepFunctions.SendTaskSuccess', 'AWSStepFunctions.SendTaskSuccess']);
});

test('production limits: StartExecution beyond its bucket is a ThrottlingException; a hot item beyond 1,000 write units/s is ProvisionedThroughputExceeded', async () => {
  let now = 0;
  const limits = createProductionLimits(() => now);
  const allowed = Array.from({ length: 1400 }, () => limits.stepFunctions('StartExecution')).filter(Boolean).length;
  expect(allowed).toBe(1300);
  now += 1000; // one second refills 300
  expect(Array.from({ length: 400 }, () => limits.stepFunctions('StartExecution')).filter(Boolean).length).toBe(300);

  const reserve = { TransactItems: [{ Update: { TableName: 'inventory', Key: { sku: { S: 'HOT' } } } }, { Update: { TableName: 'orders', Key: { orderId: { S: 'o' } } } }] };
  const admitted = Array.from({ length: 600 }, () => limits.dynamoDbWrite('TransactWriteItems', reserve)).filter((key) => key === undefined).length;
  expect(admitted).toBe(500); // 2 units per transactional write of the hot item
  expect(limits.dynamoDbWrite('UpdateItem', { TableName: 'inventory', Key: { sku: { S: 'COLD' } } })).toBeUndefined();
});
