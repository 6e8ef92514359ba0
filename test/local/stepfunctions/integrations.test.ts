import { LambdaServiceError } from '../../../local/shared/lambda-service-error';
import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import { QueueDoesNotExist, SendMessageCommand } from '@aws-sdk/client-sqs';
import { LocalStepFunctions } from '../../../local/stepfunctions/engine';
import { awsServiceIntegrations, type CommandSender } from '../../../local/stepfunctions/integrations';
import { detailsOf, eventually, historyTypes } from './helpers';

/** A fake AWS SDK client: records commands and answers through `respond`. */
class FakeClient implements CommandSender {
  readonly commands: { name: string; input: any }[] = [];
  constructor(private readonly respond: (command: { constructor: { name: string }; input: any }) => unknown) {}

  async send(command: unknown): Promise<unknown> {
    const typed = command as { constructor: { name: string }; input: unknown };
    this.commands.push({ name: typed.constructor.name, input: typed.input });
    return this.respond(typed as never);
  }
}

const metadata = { httpStatusCode: 200, requestId: 'req-1', attempts: 1, totalRetryDelay: 0 };

function singleTask(resource: string, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    StartAt: 'Call',
    States: {
      Call: { Type: 'Task', Resource: resource, Parameters: parameters, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], End: true, ...extra },
      Caught: { Type: 'Pass', End: true },
    },
  };
}

async function runOnce(engine: LocalStepFunctions, definition: object, input: object = {}) {
  const { stateMachineArn } = engine.createStateMachine({ name: `m-${Math.random().toString(36).slice(2)}`, definition });
  const { executionArn } = engine.startExecution({ stateMachineArn, input });
  const final = await engine.waitForExecution(executionArn);
  return { final, output: JSON.parse(final.output ?? 'null'), events: engine.getExecutionHistory(executionArn).events, executionArn };
}

describe('AWS service integrations', () => {
  let engine: LocalStepFunctions | undefined;
  afterEach(() => engine?.shutdown());

  describe('dynamodb', () => {
    it('sends getItem with AttributeValue JSON and returns the item with the SDK HTTP metadata', async () => {
      const dynamodb = new FakeClient(() => ({ Item: { orderId: { S: 'o-1' }, total: { N: '42' }, blob: { B: new Uint8Array([1, 2]) } }, $metadata: metadata }));
      engine = new LocalStepFunctions({ taskHandlers: awsServiceIntegrations({ dynamodb }) });

      const { output } = await runOnce(engine, singleTask('arn:aws:states:::dynamodb:getItem', { TableName: 'orders', Key: { orderId: { 'S.$': '$.orderId' } } }), { orderId: 'o-1' });

      expect(dynamodb.commands).toEqual([{ name: GetItemCommand.name, input: { TableName: 'orders', Key: { orderId: { S: 'o-1' } } } }]);
      expect(output.Item).toEqual({ orderId: { S: 'o-1' }, total: { N: '42' }, blob: { B: 'AQI=' } });
      expect(output.SdkResponseMetadata).toEqual({ RequestId: 'req-1' });
      expect(output.SdkHttpMetadata).toMatchObject({ HttpStatusCode: 200, HttpHeaders: { 'x-amzn-RequestId': 'req-1' } });
      expect(output).not.toHaveProperty('$metadata');
    });

    it('sends putItem and updateItem unchanged (binary values decoded from base64)', async () => {
      const dynamodb = new FakeClient(() => ({ $metadata: metadata }));
      engine = new LocalStepFunctions({ taskHandlers: awsServiceIntegrations({ dynamodb }) });
      const update = { TableName: 'stock', Key: { sku: { S: 'sku-1' } }, UpdateExpression: 'SET #q = #q - :one', ConditionExpression: '#q >= :one', ExpressionAttributeNames: { '#q': 'quantity' }, ExpressionAttributeValues: { ':one': { N: '1' } }, ReturnValues: 'UPDATED_NEW' };

      await runOnce(engine, singleTask('arn:aws:states:::dynamodb:putItem', { TableName: 'orders', Item: { orderId: { S: 'o-1' }, raw: { B: 'AQI=' } } }));
      await runOnce(engine, singleTask('arn:aws:states:::dynamodb:updateItem', update));

      expect(dynamodb.commands[0].name).toBe(PutItemCommand.name);
      expect(Buffer.from(dynamodb.commands[0].input.Item.raw.B)).toEqual(Buffer.from([1, 2]));
      expect(dynamodb.commands[1]).toEqual({ name: UpdateItemCommand.name, input: update });
    });

    it('names errors the way Step Functions does', async () => {
      const conditional = new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400, requestId: 'req-9' } });
      const validation = new DynamoDBServiceException({ name: 'ValidationException', $fault: 'client', message: 'Invalid UpdateExpression', $metadata: { httpStatusCode: 400, requestId: 'req-8' } });
      const network = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { name: 'TimeoutError' });
      const failures = [conditional, validation, network];
      const dynamodb = new FakeClient(() => {
        throw failures.shift();
      });
      engine = new LocalStepFunctions({ taskHandlers: awsServiceIntegrations({ dynamodb }) });
      const definition = singleTask('arn:aws:states:::dynamodb:updateItem', { TableName: 'stock', Key: { sku: { S: 'a' } }, UpdateExpression: 'SET q = :v' });

      const errors = [];
      for (let i = 0; i < 3; i++) errors.push((await runOnce(engine, definition)).output);

      expect(errors[0]).toEqual({
        Error: 'DynamoDB.ConditionalCheckFailedException',
        Cause: 'The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; Request ID: req-9; Proxy: null)',
      });
      expect(errors[1]).toMatchObject({ Error: 'DynamoDB.AmazonDynamoDBException', Cause: expect.stringContaining('Error Code: ValidationException') });
      expect(errors[2]).toEqual({ Error: 'DynamoDB.SdkClientException', Cause: 'connect ECONNREFUSED 127.0.0.1:8000' });
    });

    it('fails with States.Runtime on a parameter Step Functions does not accept', async () => {
      engine = new LocalStepFunctions({ taskHandlers: awsServiceIntegrations({ dynamodb: new FakeClient(() => ({})) }) });
      const { final } = await runOnce(engine, singleTask('arn:aws:states:::dynamodb:getItem', { TableName: 't', Key: {}, Limit: 1 }));
      expect(final).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: expect.stringContaining('Limit') });
    });
  });

  describe('sqs', () => {
    it('serialises an object MessageBody to JSON and passes FIFO fields through', async () => {
      const sqs = new FakeClient(() => ({ MessageId: 'm-1', MD5OfMessageBody: 'abc', SequenceNumber: '1', $metadata: metadata }));
      engine = new LocalStepFunctions({ taskHandlers: awsServiceIntegrations({ sqs }) });

      const { output } = await runOnce(
        engine,
        singleTask('arn:aws:states:::sqs:sendMessage', {
          QueueUrl: 'http://127.0.0.1:4566/000000000000/orders.fifo',
          MessageBody: { 'orderId.$': '$.orderId', kind: 'OrderPlaced' },
          MessageGroupId: 'o-1',
          'MessageDeduplicationId.$': '$.orderId',
        }),
        { orderId: 'o-1' },
      );

      expect(sqs.commands).toEqual([
        {
          name: SendMessageCommand.name,
          input: { QueueUrl: 'http://127.0.0.1:4566/000000000000/orders.fifo', MessageBody: '{"orderId":"o-1","kind":"OrderPlaced"}', MessageGroupId: 'o-1', MessageDeduplicationId: 'o-1' },
        },
      ]);
      expect(output).toMatchObject({ MessageId: 'm-1', MD5OfMessageBody: 'abc', SequenceNumber: '1', SdkResponseMetadata: { RequestId: 'req-1' } });
    });

    it('supports .waitForTaskToken: the send result is the TaskSubmitted output, the callback the result', async () => {
      const sqs = new FakeClient(() => ({ MessageId: 'm-2', $metadata: metadata }));
      engine = new LocalStepFunctions({ taskHandlers: awsServiceIntegrations({ sqs }) });
      const { stateMachineArn } = engine.createStateMachine({
        name: 'sqs-callback',
        definition: singleTask('arn:aws:states:::sqs:sendMessage.waitForTaskToken', { QueueUrl: 'q', MessageBody: { 'token.$': '$$.Task.Token' } }),
      });
      const { executionArn } = engine.startExecution({ stateMachineArn });
      const sent = await eventually(() => sqs.commands[0], 'the message to be sent');

      engine.sendTaskSuccess(JSON.parse(sent.input.MessageBody).token, '{"done":true}');
      const final = await engine.waitForExecution(executionArn);

      expect(JSON.parse(final.output as string)).toEqual({ done: true });
      const submitted = engine.getExecutionHistory(executionArn).events.find((event) => event.type === 'TaskSubmitted');
      expect(JSON.parse(detailsOf(submitted).output)).toMatchObject({ MessageId: 'm-2' });
    });

    it('names a modeled SQS error SQS.<Name>Exception', async () => {
      const sqs = new FakeClient(() => {
        throw new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: { httpStatusCode: 400, requestId: 'r' } });
      });
      engine = new LocalStepFunctions({ taskHandlers: awsServiceIntegrations({ sqs }) });
      const { output } = await runOnce(engine, singleTask('arn:aws:states:::sqs:sendMessage', { QueueUrl: 'q', MessageBody: 'x' }));
      expect(output.Error).toBe('SQS.QueueDoesNotExistException');
      expect(output.Cause).toContain('(Service: AmazonSQS; Status Code: 400; Error Code: QueueDoesNotExist;');
    });
  });

  describe('sns', () => {
    it('serialises an object Message to JSON and passes Subject and MessageAttributes', async () => {
      const sns = new FakeClient(() => ({ MessageId: 'n-1', $metadata: metadata }));
      engine = new LocalStepFunctions({ taskHandlers: awsServiceIntegrations({ sns }) });
      const attributes = { eventType: { DataType: 'String', StringValue: 'OrderPaid' } };

      const { output, events } = await runOnce(
        engine,
        singleTask('arn:aws:states:::sns:publish', { TopicArn: 'arn:aws:sns:us-east-1:123456789012:orders', Subject: 'Order paid', Message: { 'orderId.$': '$.orderId' }, MessageAttributes: attributes }),
        { orderId: 'o-5' },
      );

      expect(sns.commands).toEqual([
        { name: PublishCommand.name, input: { TopicArn: 'arn:aws:sns:us-east-1:123456789012:orders', Subject: 'Order paid', Message: '{"orderId":"o-5"}', MessageAttributes: attributes } },
      ]);
      expect(output).toMatchObject({ MessageId: 'n-1', SdkHttpMetadata: { HttpStatusCode: 200 } });
      expect(detailsOf(events.find((event) => event.type === 'TaskScheduled'))).toMatchObject({ resourceType: 'sns', resource: 'publish' });
    });
  });

  describe('lambda', () => {
    it('passes Payload strings that hold JSON as JSON and reports an SDK error as Lambda.<Name>', async () => {
      const payloads: unknown[] = [];
      const missing = new LambdaServiceError('ResourceNotFoundException', 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:gone', 404, 'l-1');
      const invokeFunction = async (name: string, payload: unknown) => {
        payloads.push(payload);
        if (name === 'gone') throw missing;
        return 'ok';
      };
      engine = new LocalStepFunctions({ taskHandlers: awsServiceIntegrations({ invokeFunction }) });

      const ok = await runOnce(engine, singleTask('arn:aws:states:::lambda:invoke', { FunctionName: 'f', Payload: '{"a":1}' }));
      const gone = await runOnce(engine, singleTask('arn:aws:states:::lambda:invoke', { FunctionName: 'gone' }));

      expect(payloads).toEqual([{ a: 1 }, {}]);
      expect(ok.output).toMatchObject({ Payload: 'ok', StatusCode: 200, ExecutedVersion: '$LATEST' });
      expect(gone.output).toEqual({
        Error: 'Lambda.ResourceNotFoundException',
        Cause: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:gone (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: l-1; Proxy: null)',
      });
      expect(historyTypes(gone.events)).toContain('TaskFailed');
    });

    it('reports an access denial as AWS does: Lambda.AWSLambdaException with the 403 AccessDeniedException in the Cause', async () => {
      const message = 'User: arn:aws:sts::123456789012:assumed-role/sm-role/session is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:f because no identity-based policy allows the lambda:InvokeFunction action';
      const denied = new LambdaServiceError('AccessDeniedException', message, 403, 'l-2');
      engine = new LocalStepFunctions({ taskHandlers: awsServiceIntegrations({ invokeFunction: async () => Promise.reject(denied) }) });

      const run = await runOnce(engine, singleTask('arn:aws:states:::lambda:invoke', { FunctionName: 'f' }));

      expect(run.output).toEqual({
        Error: 'Lambda.AWSLambdaException',
        Cause: `${message} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: l-2; Proxy: null)`,
      });
    });
  });
});
