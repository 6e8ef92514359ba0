import { SNSClient } from '@aws-sdk/client-sns';

/** Created at load so warm invocations reuse connections (see ../aws-clients.ts). */
export const sns = new SNSClient({});
