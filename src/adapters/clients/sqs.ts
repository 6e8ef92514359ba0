import { SQSClient } from '@aws-sdk/client-sqs';

/** Created at load so warm invocations reuse connections (see ../aws-clients.ts). */
export const sqs = new SQSClient({});
