import { SNSClient } from '@aws-sdk/client-sns';

/** Created at load so warm invocations reuse connections; endpoint from AWS_ENDPOINT_URL_<SERVICE> (see dynamodb.ts). */
export const sns = new SNSClient({});
