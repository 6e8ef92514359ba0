import { authorizationsFor, serviceAndOperation, UnmappedOperationError } from '../../../local/iam/sdk-authorization';

const at = { region: 'us-east-1', accountId: '000000000000' };
const table = (name: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;

describe('SDK operation -> IAM action and resource', () => {
  test('client and command names give the IAM service prefix and the operation (DocumentClient commands are the same operations)', () => {
    expect(serviceAndOperation('DynamoDBClient', 'UpdateItemCommand')).toEqual({ service: 'dynamodb', operation: 'UpdateItem' });
    expect(serviceAndOperation('SFNClient', 'SendTaskSuccessCommand')).toEqual({ service: 'states', operation: 'SendTaskSuccess' });
    expect(serviceAndOperation('SQSClient', 'SendMessageBatchCommand')).toEqual({ service: 'sqs', operation: 'SendMessageBatch' });
  });

  test('TransactWriteItems: one authorization per item, its single-item action on its own table', () => {
    const input = {
      TransactItems: [
        { ConditionCheck: { TableName: 'orders', Key: {} } },
        { Update: { TableName: 'inventory', Key: {} } },
        { Put: { TableName: 'ledger', Item: {} } },
        { Delete: { TableName: 'orders', Key: {} } },
      ],
    };
    expect(authorizationsFor('dynamodb', 'TransactWriteItems', input, at)).toEqual([
      { action: 'dynamodb:ConditionCheckItem', resource: table('orders') },
      { action: 'dynamodb:UpdateItem', resource: table('inventory') },
      { action: 'dynamodb:PutItem', resource: table('ledger') },
      { action: 'dynamodb:DeleteItem', resource: table('orders') },
    ]);
  });

  test('BatchGetItem: dynamodb:BatchGetItem on each table; Query on an index: the index ARN', () => {
    expect(authorizationsFor('dynamodb', 'BatchGetItem', { RequestItems: { inventory: {}, orders: {} } }, at)).toEqual([
      { action: 'dynamodb:BatchGetItem', resource: table('inventory') },
      { action: 'dynamodb:BatchGetItem', resource: table('orders') },
    ]);
    expect(authorizationsFor('dynamodb', 'Query', { TableName: 'orders', IndexName: 'byEmail' }, at)).toEqual([{ action: 'dynamodb:Query', resource: `${table('orders')}/index/byEmail` }]);
    expect(authorizationsFor('dynamodb', 'Query', { TableName: 'orders' }, at)).toEqual([{ action: 'dynamodb:Query', resource: table('orders') }]);
  });

  test('the stand-ins physical ARNs are used when known', () => {
    const local = { ...at, physicalArns: { tables: new Map([['orders', 'arn:local:orders']]), queues: new Map([['http://127.0.0.1:9/q', 'arn:local:q']]) } };
    expect(authorizationsFor('dynamodb', 'GetItem', { TableName: 'orders' }, local)[0].resource).toBe('arn:local:orders');
    expect(authorizationsFor('sqs', 'SendMessage', { QueueUrl: 'http://127.0.0.1:9/q' }, local)[0].resource).toBe('arn:local:q');
  });

  test('SQS: the queue URL becomes the queue ARN; SendMessageBatch needs sqs:SendMessage', () => {
    const QueueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/inventory-updates';
    expect(authorizationsFor('sqs', 'SendMessageBatch', { QueueUrl, Entries: [] }, at)).toEqual([{ action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:123456789012:inventory-updates' }]);
    expect(authorizationsFor('sqs', 'DeleteMessageBatch', { QueueUrl }, at)[0].action).toBe('sqs:DeleteMessage');
  });

  test('SNS Publish on the topic; Step Functions task callbacks on *, StartExecution on the machine; SSM on the parameter ARN', () => {
    const topic = 'arn:aws:sns:us-east-1:000000000000:ops-alerts';
    expect(authorizationsFor('sns', 'Publish', { TopicArn: topic, Message: 'x' }, at)).toEqual([{ action: 'sns:Publish', resource: topic }]);
    for (const operation of ['SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat']) {
      expect(authorizationsFor('states', operation, { taskToken: 't' }, at)).toEqual([{ action: `states:${operation}`, resource: '*' }]);
    }
    const machine = 'arn:aws:states:us-east-1:000000000000:stateMachine:checkout';
    expect(authorizationsFor('states', 'StartExecution', { stateMachineArn: machine }, at)).toEqual([{ action: 'states:StartExecution', resource: machine }]);
    expect(authorizationsFor('ssm', 'GetParameter', { Name: '/checkout-saga/dev/stripe-secret-key' }, at)).toEqual([
      { action: 'ssm:GetParameter', resource: 'arn:aws:ssm:us-east-1:000000000000:parameter/checkout-saga/dev/stripe-secret-key' },
    ]);
    expect(authorizationsFor('lambda', 'Invoke', { FunctionName: 'f' }, at)).toEqual([{ action: 'lambda:InvokeFunction', resource: 'arn:aws:lambda:us-east-1:000000000000:function:f' }]);
  });

  test('an operation without a mapping is refused loudly, never passed unchecked', () => {
    expect(() => authorizationsFor('dynamodb', 'ExecuteStatement', { Statement: 'SELECT * FROM orders' }, at)).toThrow(UnmappedOperationError);
    expect(() => authorizationsFor('s3', 'GetObject', {}, at)).toThrow(/no IAM mapping for s3:GetObject/);
  });
});
