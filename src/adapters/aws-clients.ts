import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/*
 * One client per service per process, created at load so warm invocations reuse connections.
 * Endpoints come from the SDK's standard configuration (AWS_ENDPOINT_URL_<SERVICE>), which is
 * how the local cloud points them at its stand-ins; nothing here knows where it runs.
 */
export const dynamoDb = new DynamoDBClient({});
export const documentClient = DynamoDBDocumentClient.from(dynamoDb, {
  marshallOptions: { removeUndefinedValues: true },
});
export const sqs = new SQSClient({});
export const sns = new SNSClient({});
export const stepFunctions = new SFNClient({});
