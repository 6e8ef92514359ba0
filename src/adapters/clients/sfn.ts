import { SFNClient } from '@aws-sdk/client-sfn';

/** Created at load so warm invocations reuse connections (see ../aws-clients.ts). */
export const stepFunctions = new SFNClient({});
