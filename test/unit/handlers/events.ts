import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { logger } from '../../../src/commons/logger';

// Handlers that build their idempotency store at load read the table name then, as in Lambda.
process.env.IDEMPOTENCY_TABLE ??= 'checkout-saga-test-idempotency';

/** Handlers log JSON lines; the tests assert on responses and adapter calls instead. */
logger.setLogLevel('SILENT');

export interface EventOptions {
  method?: string;
  path?: string;
  routeKey?: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  base64?: boolean;
  pathParameters?: Record<string, string>;
}

/** An API Gateway HTTP API (payload 2.0) event, as API Gateway would build it. */
export function httpEvent(options: EventOptions = {}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'POST';
  const path = options.path ?? '/';
  const text = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const body = text !== undefined && options.base64 ? Buffer.from(text, 'utf8').toString('base64') : text;
  return {
    version: '2.0',
    routeKey: options.routeKey ?? `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.example.test', 'user-agent': 'unit-test', ...(options.headers ?? {}) },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-id',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'unit-test' },
      requestId: 'request-id',
      routeKey: options.routeKey ?? `${method} ${path}`,
      stage: '$default',
      time: '01/Jan/2030:00:00:00 +0000',
      timeEpoch: 1893456000000,
    },
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: Boolean(options.base64),
  };
}

export const JSON_HEADERS = { 'content-type': 'application/json' };

export function lambdaContext(functionName = 'checkout-saga-dev-unit'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'aws-request-id',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface Response {
  statusCode: number;
  headers: Record<string, string | number | boolean>;
  body: any;
  raw: string;
}

export async function invoke(handler: HttpHandler, event: APIGatewayProxyEventV2): Promise<Response> {
  const result = await handler(event, lambdaContext());
  const raw = result.body ?? '';
  return {
    statusCode: result.statusCode ?? 200,
    headers: result.headers ?? {},
    body: raw ? JSON.parse(raw) : undefined,
    raw,
  };
}

/** The `{"error": {...}}` shape every 4xx/5xx has. */
export function expectError(response: Response, statusCode: number, code: string): void {
  expect({ statusCode: response.statusCode, code: response.body?.error?.code }).toEqual({ statusCode, code });
  expect(typeof response.body.error.message).toBe('string');
  expect(response.headers['content-type']).toBe('application/json');
}
