/** The denials' wire shapes, parsed by the real SDK clients: the error each service's caller gets on AWS. */
import { DynamoDBClient, DynamoDBServiceException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient, SFNServiceException } from '@aws-sdk/client-sfn';
import { AuthorizationErrorException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient, SQSServiceException } from '@aws-sdk/client-sqs';
import { accessDeniedMessage, accessDeniedResponse } from '../../../local/iam/access-denied';

// Port 9 (discard): nothing must be sent, the response comes from the middleware.
const config = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, endpoint: 'http://127.0.0.1:9', maxAttempts: 3 };
const message = accessDeniedMessage({ accountId: '000000000000', roleName: 'role', sessionName: 'fn', action: 'x:Y', resource: 'arn:z', decision: 'implicitDeny' });

async function deniedError(client: { middlewareStack: any; send(command: any): Promise<any> }, service: string, command: unknown): Promise<any> {
  client.middlewareStack.add(() => async () => ({ response: accessDeniedResponse(service, message, 'req-1') }), { step: 'deserialize', priority: 'low', name: 'deny' });
  return client.send(command).then(
    () => undefined,
    (error) => error,
  );
}

describe('access denied as the services send it', () => {
  test("AWS's wording names role, session, action and resource", () => {
    expect(message).toBe('User: arn:aws:sts::000000000000:assumed-role/role/fn is not authorized to perform: x:Y on resource: arn:z because no identity-based policy allows the x:Y action');
  });

  test('DynamoDB: AccessDeniedException (DynamoDBServiceException), 400, client fault, not retried', async () => {
    const error = await deniedError(new DynamoDBClient(config), 'dynamodb', new UpdateItemCommand({ TableName: 't', Key: {} }));
    expect(error).toBeInstanceOf(DynamoDBServiceException);
    expect({ name: error.name, message: error.message, status: error.$metadata.httpStatusCode, fault: error.$fault, attempts: error.$metadata.attempts }).toEqual({
      name: 'AccessDeniedException',
      message,
      status: 400,
      fault: 'client',
      attempts: 1,
    });
  });

  test('Step Functions: AccessDeniedException (SFNServiceException), 400', async () => {
    const error = await deniedError(new SFNClient(config), 'states', new SendTaskSuccessCommand({ taskToken: 't', output: '{}' }));
    expect(error).toBeInstanceOf(SFNServiceException);
    expect([error.name, error.$metadata.httpStatusCode, error.$fault]).toEqual(['AccessDeniedException', 400, 'client']);
  });

  test('SQS: the query-compatible AccessDenied code, 403', async () => {
    const error = await deniedError(new SQSClient(config), 'sqs', new SendMessageBatchCommand({ QueueUrl: 'http://127.0.0.1:9/000000000000/q', Entries: [] }));
    expect(error).toBeInstanceOf(SQSServiceException);
    expect([error.name, error.Code, error.$metadata.httpStatusCode, error.$fault, error.message]).toEqual(['AccessDenied', 'AccessDenied', 403, 'client', message]);
  });

  test('SNS: AuthorizationErrorException, 403', async () => {
    const error = await deniedError(new SNSClient(config), 'sns', new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:0:t', Message: 'm' }));
    expect(error).toBeInstanceOf(AuthorizationErrorException);
    expect([error.$metadata.httpStatusCode, error.$fault, error.message]).toEqual([403, 'client', message]);
  });
});
