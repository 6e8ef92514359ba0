/**
 * One SDK client per service per process, each in its own module: adapters import only the one they
 * use, since loading an SDK client package costs a cold start 10-40 ms (bench/: "Cold-start
 * proxies"). Endpoints come from the SDK's standard configuration (AWS_ENDPOINT_URL_<SERVICE>),
 * which is how the local cloud points them at its stand-ins; nothing here knows where it runs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Created at load so warm invocations reuse connections. */
export const dynamoDb = new DynamoDBClient({});
export const documentClient = DynamoDBDocumentClient.from(dynamoDb, {
  marshallOptions: { removeUndefinedValues: true },
});
