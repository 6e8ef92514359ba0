import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalStepFunctions } from './engine';
import { SfnApiError } from './errors';
import { BodyTooLargeError, readBody } from '../shared/http-body';

/**
 * The Step Functions API over HTTP (awsJson1_0: POST /, `X-Amz-Target: AWSStepFunctions.<Operation>`),
 * so that the real @aws-sdk/client-sfn and Lambda code using it can talk to the local engine.
 */

export interface StepFunctionsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

// Request members are passed through untyped: the engine validates them and answers AWS errors.
type RequestBody = { [member: string]: any };
type Operation = (engine: LocalStepFunctions, body: RequestBody) => unknown;

const OPERATIONS: Record<string, Operation> = {
  CreateStateMachine: (engine, body) =>
    engine.createStateMachine({ name: body.name, definition: String(body.definition ?? ''), roleArn: body.roleArn, type: body.type }),
  ListStateMachines: (engine) => engine.listStateMachines(),
  DescribeStateMachine: (engine, body) => engine.describeStateMachine(body.stateMachineArn),
  StartExecution: (engine, body) => engine.startExecution({ stateMachineArn: body.stateMachineArn, name: body.name, input: body.input ?? '{}' }),
  DescribeExecution: (engine, body) => engine.describeExecution(body.executionArn),
  GetExecutionHistory: (engine, body) =>
    engine.getExecutionHistory(body.executionArn, {
      reverseOrder: body.reverseOrder,
      maxResults: body.maxResults,
      nextToken: body.nextToken,
      includeExecutionData: body.includeExecutionData,
    }),
  ListExecutions: (engine, body) =>
    engine.listExecutions({ stateMachineArn: body.stateMachineArn, statusFilter: body.statusFilter, maxResults: body.maxResults, nextToken: body.nextToken }),
  StopExecution: (engine, body) => engine.stopExecution(body.executionArn, { error: body.error, cause: body.cause }),
  SendTaskSuccess: (engine, body) => (engine.sendTaskSuccess(body.taskToken, body.output), {}),
  SendTaskFailure: (engine, body) => (engine.sendTaskFailure(body.taskToken, body.error, body.cause), {}),
  SendTaskHeartbeat: (engine, body) => (engine.sendTaskHeartbeat(body.taskToken), {}),
};

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

export async function startStepFunctionsServer(options: { engine: LocalStepFunctions; port?: number }): Promise<StepFunctionsServer> {
  const server = createServer((request, response) => {
    handle(options.engine, request, response).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, 500, 'InternalFailure', (error as Error).message);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Step Functions' largest request is a CreateStateMachine with a 1 MB definition. */
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

async function handle(engine: LocalStepFunctions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  let raw: string;
  try {
    raw = await readBody(request, MAX_REQUEST_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    sendError(response, 413, 'RequestEntityTooLargeException', error.message);
    return;
  }
  const target = String(request.headers['x-amz-target'] ?? '');
  const operationName = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const operation = request.method === 'POST' ? OPERATIONS[operationName] : undefined;
  if (!operation) {
    const supported = Object.keys(OPERATIONS).join(', ');
    sendError(response, 400, 'UnknownOperationException', `The local Step Functions server does not support '${target || `${request.method} ${request.url}`}'. Supported: ${supported}`);
    return;
  }
  let body: RequestBody;
  try {
    body = raw.length === 0 ? {} : (JSON.parse(raw) as RequestBody);
  } catch {
    sendError(response, 400, 'SerializationException', 'The request body is not valid JSON');
    return;
  }
  try {
    const result = operation(engine, body ?? {});
    send(response, 200, toWire(result));
  } catch (error) {
    if (error instanceof SfnApiError) sendError(response, 400, error.code, error.message);
    else sendError(response, 500, 'InternalFailure', (error as Error).message);
  }
}

/** The JSON protocol carries timestamps as epoch seconds (fractional). */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toWire(item)]));
  return value;
}

function send(response: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  response.writeHead(status, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, type: string, message: string): void {
  response.setHeader('x-amzn-ErrorType', type);
  send(response, status, { __type: type, message });
}


