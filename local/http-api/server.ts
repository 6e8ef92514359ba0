/**
 * The local API Gateway HTTP API: receives HTTP on 127.0.0.1, selects the route, invokes the
 * route's Lambda handler with a payload format 2.0 event and answers as API Gateway would.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { buildHttpApiEvent, decodeRawPath, type ReceivedRequest } from './event';
import { createRequestId } from './ids';
import { INTEGRATION_TIMEOUT_MS, REQUEST_BODY_LIMIT_BYTES, REQUEST_LINE_AND_HEADER_VALUES_LIMIT_BYTES } from './limits';
import { gatewayErrorResponse, responseFromLambdaResult, type GatewayResponse } from './response';
import { matchRoute, type HttpApiRoute, type RouteMatch } from './routes';

export type InvokeFunction = (functionName: string, event: APIGatewayProxyEventV2) => Promise<unknown>;

export interface HttpApiOptions {
  /** 0 picks a free port. */
  port: number;
  routes: readonly HttpApiRoute[];
  /** Runs the function's handler; a rejection is a function error (500), as a Lambda error or timeout is on AWS. */
  invoke: InvokeFunction;
  /** One line per request, for the local cloud's log. */
  onRequest?: (line: string) => void;
  /** How long the gateway waits for the function before answering 503. Default 30 s, as deployed. */
  integrationTimeoutMs?: number;
  /** requestContext.accountId; default 000000000000. */
  accountId?: string;
  /** requestContext.apiId; default "local". */
  apiId?: string;
  /**
   * Routes of the local cloud itself (not API Gateway's), tried before route selection, e.g.
   * `/_local/...`: return true if the request was answered. The body is the raw bytes.
   */
  localRoutes?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<boolean>;
}

export interface RunningHttpApi {
  url: string;
  port: number;
  /** Stops listening and ends every open connection, keep-alive and in-flight ones included. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startHttpApi(options: HttpApiOptions): Promise<RunningHttpApi> {
  const integrationTimers = new Set<NodeJS.Timeout>();
  // Node's own header limit (16 KiB) would cut requests off before the HTTP API quota check runs.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    handleRequest(req, res, options, integrationTimers).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${HOST}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of integrationTimers) clearTimeout(timer);
        integrationTimers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function handleRequest(req: IncomingMessage, res: ServerResponse, options: HttpApiOptions, integrationTimers: Set<NodeJS.Timeout>): Promise<void> {
  const startedAt = performance.now();
  const receivedAt = new Date();
  const requestId = createRequestId();
  const method = req.method ?? 'GET';
  const target = req.url ?? '/';
  // The query string stays out of the log: a client may put a key or token in it.
  const loggedTarget = target.includes('?') ? `${target.split('?', 1)[0]}?<query>` : target;
  const log = (status: number, match?: RouteMatch, note?: string) =>
    options.onRequest?.(
      [`${method} ${loggedTarget}`, match ? `${match.route.routeKey} -> ${match.route.functionName}` : '(no route)', status, `${Math.round(performance.now() - startedAt)}ms`, requestId, note]
        .filter((part) => part !== undefined)
        .join(' '),
    );

  const headersTooLarge = requestLineAndHeaderValuesSize(req) > REQUEST_LINE_AND_HEADER_VALUES_LIMIT_BYTES;
  const body = await readBodyWithin(req, REQUEST_BODY_LIMIT_BYTES);
  if (headersTooLarge || body === undefined) {
    const response = gatewayErrorResponse(headersTooLarge ? 'requestHeaderFieldsTooLarge' : 'requestEntityTooLarge');
    send(res, response, requestId);
    return log(response.statusCode);
  }

  if (options.localRoutes && (await options.localRoutes(req, res, body))) return log(res.statusCode, undefined, 'local control route');

  const match = matchRoute(options.routes, method, decodeRawPath(target.split('?', 1)[0]));
  if (!match) {
    send(res, gatewayErrorResponse('notFound'), requestId);
    return log(404);
  }

  const request: ReceivedRequest = {
    method,
    target,
    rawHeaders: req.rawHeaders,
    body,
    sourceIp: (req.socket.remoteAddress ?? HOST).replace(/^::ffff:/, ''),
    protocol: `HTTP/${req.httpVersion}`,
    localPort: req.socket.localPort ?? 0,
  };
  const event = buildHttpApiEvent(request, { routeKey: match.route.routeKey, pathParameters: match.pathParameters }, {
    accountId: options.accountId ?? '000000000000',
    apiId: options.apiId ?? 'local',
    requestId,
    receivedAt,
  });

  const outcome = await invokeWithin(options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS, integrationTimers, () => options.invoke(match.route.functionName, event));
  // The client never sees why the function failed; the local log does.
  const response =
    outcome.kind === 'result'
      ? responseFromLambdaResult(outcome.value)
      : gatewayErrorResponse(outcome.kind === 'timeout' ? 'serviceUnavailable' : 'internalServerError');
  send(res, response, requestId);
  log(response.statusCode, match, outcome.kind === 'error' ? `error: ${describe(outcome.error)}` : outcome.kind === 'timeout' ? 'integration timeout' : undefined);
}

type InvokeOutcome = { kind: 'result'; value: unknown } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

function invokeWithin(timeoutMs: number, timers: Set<NodeJS.Timeout>, invoke: () => Promise<unknown>): Promise<InvokeOutcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve({ kind: 'timeout' });
    }, timeoutMs);
    timers.add(timer);
    const settle = (outcome: InvokeOutcome) => {
      clearTimeout(timer);
      timers.delete(timer);
      resolve(outcome);
    };
    // As on AWS, the function keeps running after the gateway gave up on it; its result is dropped.
    Promise.resolve()
      .then(invoke)
      .then(
        (value) => settle({ kind: 'result', value }),
        (error: unknown) => settle({ kind: 'error', error }),
      );
  });
}

/**
 * The request body, or undefined when it is over the limit. An oversized body is still read to
 * its end (and dropped) so that the client, still uploading, gets to read the 413.
 */
function readBodyWithin(req: IncomingMessage, limitBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => resolve(size <= limitBytes ? Buffer.concat(chunks, size) : undefined));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('client aborted the request'));
    });
  });
}

function requestLineAndHeaderValuesSize(req: IncomingMessage): number {
  let size = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}`);
  for (let index = 1; index < req.rawHeaders.length; index += 2) size += Buffer.byteLength(req.rawHeaders[index]);
  return size;
}

function send(res: ServerResponse, response: GatewayResponse, requestId: string): void {
  // The connection may already be gone: the client left, or close() ended it mid-invocation.
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(response.statusCode, {
    ...response.headers,
    'content-length': String(response.body.length),
    'apigw-requestid': requestId,
  });
  res.end(response.body);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
