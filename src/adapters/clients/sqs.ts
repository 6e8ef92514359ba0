import { SQSClient } from '@aws-sdk/client-sqs';

/** Created at load so warm invocations reuse connections; endpoint from AWS_ENDPOINT_URL_<SERVICE> (see dynamodb.ts). */
export const sqs = new SQSClient({});
