import { LambdaServiceError } from '../shared/lambda-service-error';
import { randomUUID } from 'node:crypto';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as sns from '@aws-sdk/client-sns';
import * as sqs from '@aws-sdk/client-sqs';
import { StatesRuntimeError, TaskError } from './errors';
import { modeledIn, serviceTaskError, type ServiceErrorNaming } from './sdk-errors';
import type { JSONObject, TaskCall, TaskHandlerRegistration } from './types';

/**
 * Handlers for the AWS service integrations used by the saga, built on caller-supplied clients so that
 * they talk to whatever endpoint the caller configured (local emulators or fakes).
 */

/** Invokes a Lambda function and returns its result; rejects with the function's error (err.name = errorType). */
export type InvokeFunction = (functionNameOrArn: string, payload: unknown) => Promise<unknown>;

/** The one method of an AWS SDK v3 client the integrations use (so that tests can pass fakes). */
export interface CommandSender {
  send(command: unknown): Promise<unknown>;
}

export interface AwsIntegrationClients {
  invokeFunction?: InvokeFunction;
  dynamodb?: CommandSender;
  sqs?: CommandSender;
  sns?: CommandSender;
}

export function awsServiceIntegrations(clients: AwsIntegrationClients): TaskHandlerRegistration[] {
  return [
    ...(clients.invokeFunction ? lambdaIntegration(clients.invokeFunction) : []),
    ...(clients.dynamodb ? dynamoDbIntegration(clients.dynamodb) : []),
    ...(clients.sqs ? sqsIntegration(clients.sqs) : []),
    ...(clients.sns ? snsIntegration(clients.sns) : []),
  ];
}

// ---------------------------------------------------------------- Lambda

const LAMBDA_NAMING: ServiceErrorNaming = {
  prefix: 'Lambda',
  serviceLabel: 'AWSLambda',
  unmodeledName: 'AWSLambdaException',
  // Service errors (function not found, throttling...) carry their SDK name; function errors never reach here (LambdaServiceError).
  // An access denial is not modeled by the Java SDK Step Functions uses: AWS reports it as
  // Lambda.AWSLambdaException, "... (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; ...)"
  // (as seen in awslabs/aws-deployment-framework#460 and aws-samples/lambda-refarch-imagerecognition#19).
  isModeled: (name) => name !== 'AccessDeniedException',
};

const LAMBDA_INVOKE_PARAMETERS = ['FunctionName', 'Payload', 'InvocationType', 'Qualifier', 'ClientContext', 'LogType'];

export function lambdaIntegration(invokeFunction: InvokeFunction): TaskHandlerRegistration[] {
  return [
    {
      matches: (resource) => /^arn:aws[a-z-]*:states:::lambda:invoke(\.waitForTaskToken)?$/.test(resource),
      handle: (call) => invokeOptimized(invokeFunction, call),
    },
    {
      // The legacy form: the Lambda ARN as Resource, the effective input as payload, the bare result as output.
      matches: (resource) => /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:/.test(resource),
      handle: async (call) => invokeCatching(invokeFunction, call.resource, call.parameters),
    },
  ];
}

async function invokeOptimized(invokeFunction: InvokeFunction, call: TaskCall): Promise<unknown> {
  const parameters = objectParameters(call, LAMBDA_INVOKE_PARAMETERS);
  if (typeof parameters.FunctionName !== 'string') throw new StatesRuntimeError(`${call.stateName}: lambda:invoke needs a FunctionName string`);
  const functionName = typeof parameters.Qualifier === 'string' ? `${parameters.FunctionName}:${parameters.Qualifier}` : parameters.FunctionName;
  const payload = lambdaPayload(parameters.Payload);
  const requestId = randomUUID();
  if (parameters.InvocationType === 'Event') {
    // Asynchronous invocation: Lambda accepts (202) and the function's outcome is not the task's.
    invokeFunction(functionName, payload).catch(() => undefined);
    return { Payload: '', StatusCode: 202, ...sdkMetadata(requestId, 'application/json', 202) };
  }
  const result = await invokeCatching(invokeFunction, functionName, payload);
  return {
    ExecutedVersion: '$LATEST',
    Payload: result === undefined ? null : result,
    ...sdkMetadata(requestId, 'application/json', 200, { 'X-Amz-Executed-Version': '$LATEST' }),
    StatusCode: 200,
  };
}

/** Step Functions sends a JSON string Payload as that JSON, anything else JSON-encoded; no Payload is `{}`. */
function lambdaPayload(payload: unknown): unknown {
  if (payload === undefined) return {};
  if (typeof payload !== 'string') return payload;
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

async function invokeCatching(invokeFunction: InvokeFunction, functionName: string, payload: unknown): Promise<unknown> {
  try {
    return await invokeFunction(functionName, payload);
  } catch (thrown) {
    // Only the Lambda service's own errors are Lambda.*: an SDK error the function let through
    // (it carries $metadata too) is the function's error, named by its errorType, as on AWS.
    if (thrown instanceof LambdaServiceError) throw serviceTaskError(thrown, LAMBDA_NAMING);
    throw functionError(thrown);
  }
}

/** A function error as Step Functions reports it: Error = errorType, Cause = the runtime's error JSON. */
export function functionError(thrown: unknown): TaskError {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const errorType = error.name || 'Error';
  const trace = (error.stack ?? `${errorType}: ${error.message}`).split('\n');
  return new TaskError(errorType, JSON.stringify({ errorType, errorMessage: error.message, trace }));
}

// ---------------------------------------------------------------- DynamoDB

const DYNAMODB_NAMING: ServiceErrorNaming = {
  prefix: 'DynamoDB',
  serviceLabel: 'AmazonDynamoDBv2',
  unmodeledName: 'AmazonDynamoDBException',
  isModeled: modeledIn(dynamodb as unknown as Record<string, unknown>, dynamodb.DynamoDBServiceException),
};

const DYNAMODB_COMMON = ['TableName', 'ConditionExpression', 'ConditionalOperator', 'Expected', 'ExpressionAttributeNames', 'ExpressionAttributeValues', 'ReturnConsumedCapacity', 'ReturnItemCollectionMetrics', 'ReturnValues', 'ReturnValuesOnConditionCheckFailure'];

const DYNAMODB_ACTIONS = {
  getItem: { command: dynamodb.GetItemCommand, parameters: ['TableName', 'Key', 'AttributesToGet', 'ConsistentRead', 'ExpressionAttributeNames', 'ProjectionExpression', 'ReturnConsumedCapacity'] },
  putItem: { command: dynamodb.PutItemCommand, parameters: [...DYNAMODB_COMMON, 'Item'] },
  updateItem: { command: dynamodb.UpdateItemCommand, parameters: [...DYNAMODB_COMMON, 'Key', 'AttributeUpdates', 'UpdateExpression'] },
  deleteItem: { command: dynamodb.DeleteItemCommand, parameters: [...DYNAMODB_COMMON, 'Key'] },
} as const;

export function dynamoDbIntegration(client: CommandSender): TaskHandlerRegistration[] {
  return Object.entries(DYNAMODB_ACTIONS).map(([action, { command, parameters }]) => ({
    matches: (resource: string) => resource === `arn:aws:states:::dynamodb:${action}`,
    handle: async (call: TaskCall) => {
      // Parameters are low-level AttributeValue JSON, as on AWS; binary values arrive base64-encoded.
      const input = decodeBinaryAttributes(objectParameters(call, parameters as readonly string[]));
      const output = await sendCatching(client, new (command as new (input: never) => unknown)(input as never), DYNAMODB_NAMING);
      return withSdkMetadata(encodeBinaryAttributes(output), 'application/x-amz-json-1.0');
    },
  }));
}

// ---------------------------------------------------------------- SQS

const SQS_NAMING: ServiceErrorNaming = {
  prefix: 'SQS',
  serviceLabel: 'AmazonSQS',
  unmodeledName: 'AmazonSQSException',
  isModeled: modeledIn(sqs as unknown as Record<string, unknown>, sqs.SQSServiceException),
};

const SQS_SEND_PARAMETERS = ['QueueUrl', 'MessageBody', 'DelaySeconds', 'MessageAttributes', 'MessageDeduplicationId', 'MessageGroupId'];

export function sqsIntegration(client: CommandSender): TaskHandlerRegistration[] {
  return [
    {
      matches: (resource) => /^arn:aws[a-z-]*:states:::sqs:sendMessage(\.waitForTaskToken)?$/.test(resource),
      handle: async (call) => {
        const input = objectParameters(call, SQS_SEND_PARAMETERS);
        // Step Functions serialises a non-string MessageBody to JSON.
        if (input.MessageBody !== undefined && typeof input.MessageBody !== 'string') input.MessageBody = JSON.stringify(input.MessageBody);
        const output = await sendCatching(client, new sqs.SendMessageCommand(input as never), SQS_NAMING);
        return withSdkMetadata(output, 'application/x-amz-json-1.0');
      },
    },
  ];
}

// ---------------------------------------------------------------- SNS

const SNS_NAMING: ServiceErrorNaming = {
  prefix: 'SNS',
  serviceLabel: 'AmazonSNS',
  unmodeledName: 'AmazonSNSException',
  isModeled: modeledIn(sns as unknown as Record<string, unknown>, sns.SNSServiceException),
};

const SNS_PUBLISH_PARAMETERS = ['TopicArn', 'TargetArn', 'PhoneNumber', 'Message', 'Subject', 'MessageAttributes', 'MessageStructure', 'MessageDeduplicationId', 'MessageGroupId'];

export function snsIntegration(client: CommandSender): TaskHandlerRegistration[] {
  return [
    {
      matches: (resource) => /^arn:aws[a-z-]*:states:::sns:publish(\.waitForTaskToken)?$/.test(resource),
      handle: async (call) => {
        const input = objectParameters(call, SNS_PUBLISH_PARAMETERS);
        // Step Functions serialises a non-string Message to JSON.
        if (input.Message !== undefined && typeof input.Message !== 'string') input.Message = JSON.stringify(input.Message);
        const output = await sendCatching(client, new sns.PublishCommand(input as never), SNS_NAMING);
        return withSdkMetadata(output, 'text/xml');
      },
    },
  ];
}

// ---------------------------------------------------------------- shared

/** The task's Parameters as the API request, refusing fields Step Functions would not accept. */
function objectParameters(call: TaskCall, allowed: readonly string[]): JSONObject {
  const parameters = call.parameters;
  if (!parameters || typeof parameters !== 'object' || Array.isArray(parameters)) {
    throw new StatesRuntimeError(`${call.stateName}: ${call.resource} needs an object of Parameters`);
  }
  const unknown = Object.keys(parameters).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new StatesRuntimeError(`${call.stateName}: field(s) ${unknown.join(', ')} not supported by ${call.resource}`);
  return { ...parameters };
}

async function sendCatching(client: CommandSender, command: unknown, naming: ServiceErrorNaming): Promise<Record<string, unknown>> {
  try {
    return ((await client.send(command)) ?? {}) as Record<string, unknown>;
  } catch (thrown) {
    throw serviceTaskError(thrown, naming);
  }
}

/** Step Functions returns the SDK response plus the Java SDK's HTTP metadata. */
function withSdkMetadata(output: Record<string, unknown>, contentType: string): Record<string, unknown> {
  const { $metadata, ...fields } = output as { $metadata?: { requestId?: string } };
  return { ...fields, ...sdkMetadata($metadata?.requestId ?? randomUUID(), contentType, 200) };
}

function sdkMetadata(requestId: string, contentType: string, status: number, extraHeaders: Record<string, string> = {}) {
  const headers: Record<string, string> = { 'Content-Type': contentType, Date: new Date().toUTCString(), 'x-amzn-RequestId': requestId, ...extraHeaders };
  return {
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
      HttpHeaders: headers,
      HttpStatusCode: status,
    },
    SdkResponseMetadata: { RequestId: requestId },
  };
}

const BINARY_TYPES = new Set(['B', 'BS']);

/** AttributeValue JSON carries binary as base64 text; the SDK wants bytes (and returns bytes). */
function decodeBinaryAttributes(value: unknown, key?: string): unknown {
  if (key === 'B' && typeof value === 'string') return Buffer.from(value, 'base64');
  if (key === 'BS' && Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? Buffer.from(item, 'base64') : item));
  if (Array.isArray(value)) return value.map((item) => decodeBinaryAttributes(item));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeBinaryAttributes(v, k)]));
  return value;
}

function encodeBinaryAttributes(value: Record<string, unknown>): Record<string, unknown> {
  const encode = (item: unknown, key?: string): unknown => {
    if (item instanceof Uint8Array) return Buffer.from(item).toString('base64');
    if (key && BINARY_TYPES.has(key) && Array.isArray(item)) return item.map((entry) => encode(entry));
    if (Array.isArray(item)) return item.map((entry) => encode(entry));
    if (item && typeof item === 'object') return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, encode(v, k)]));
    return item;
  };
  return encode(value) as Record<string, unknown>;
}
