import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { startHttpApi, type HttpApiOptions, type RunningHttpApi } from '../../../local/http-api/server';
import type { HttpApiRoute } from '../../../local/http-api/routes';

export interface Invocation {
  functionName: string;
  event: APIGatewayProxyEventV2;
}

export type Respond = (functionName: string, event: APIGatewayProxyEventV2) => unknown;

/** The HTTP API on a free port with a fake invoke that records every event it is given. */
export async function startRecordingApi(
  routes: readonly HttpApiRoute[],
  respond: Respond = () => ({ statusCode: 200, body: 'ok' }),
  options: Partial<HttpApiOptions> = {},
): Promise<{ api: RunningHttpApi; invocations: Invocation[] }> {
  const invocations: Invocation[] = [];
  const api = await startHttpApi({
    port: 0,
    routes,
    invoke: async (functionName, event) => {
      invocations.push({ functionName, event });
      return respond(functionName, event);
    },
    ...options,
  });
  return { api, invocations };
}

/**
 * A raw request with node:http, for what fetch cannot send: repeated header lines (fetch folds
 * them into one) and request-targets it would normalise.
 */
export function rawRequest(
  url: string,
  init: { method?: string; path: string; headers?: OutgoingHttpHeaders; body?: Buffer | string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = httpRequest({ hostname, port, method: init.method ?? 'GET', path: init.path, headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A promise with its resolve function, to let a test wait for an event instead of a delay. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
