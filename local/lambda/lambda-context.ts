/** The `context` argument of a Node.js Lambda handler, shaped as the AWS runtime builds it. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface LambdaContextInput {
  functionName: string;
  functionArn: string;
  memorySizeMb: number;
  deadline: number;
  awsRequestId?: string;
}

function logStreamName(now: Date): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '/');
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

export function createLambdaContext({ functionName, functionArn, memorySizeMb, deadline, awsRequestId = randomUUID() }: LambdaContextInput): Context {
  const unsupported = (method: string) => () => {
    throw new Error(`context.${method}() is the pre-Node-8 callback API; return a value or a promise instead`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: String(memorySizeMb),
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: logStreamName(new Date()),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}
