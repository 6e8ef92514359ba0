import { SFNClient } from '@aws-sdk/client-sfn';

/** Created at load so warm invocations reuse connections; endpoint from AWS_ENDPOINT_URL_<SERVICE> (see dynamodb.ts). */
export const stepFunctions = new SFNClient({});
