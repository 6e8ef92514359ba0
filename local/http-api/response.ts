/**
 * How API Gateway HTTP APIs turn a Lambda result (payload format 2.0) into the HTTP response,
 * and the gateway's own error answers.
 */
import { LAMBDA_RESPONSE_PAYLOAD_LIMIT_BYTES } from './limits';

export interface GatewayResponse {
  statusCode: number;
  /** Lower-case names; an array value is sent as repeated header lines (set-cookie). */
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** The gateway's own answers, with the bodies HTTP APIs send. */
export const GATEWAY_ERRORS = {
  notFound: { statusCode: 404, message: 'Not Found' },
  requestEntityTooLarge: { statusCode: 413, message: 'Request Entity Too Large' },
  requestHeaderFieldsTooLarge: { statusCode: 431, message: 'Request Header Fields Too Large' },
  internalServerError: { statusCode: 500, message: 'Internal Server Error' },
  serviceUnavailable: { statusCode: 503, message: 'Service Unavailable' },
} as const;

export type GatewayErrorKind = keyof typeof GATEWAY_ERRORS;

export function gatewayErrorResponse(kind: GatewayErrorKind): GatewayResponse {
  const { statusCode, message } = GATEWAY_ERRORS[kind];
  return { statusCode, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ message })) };
}

/**
 * Maps what the handler returned. A JSON object with a `statusCode` is a structured response;
 * anything else is "inferred": 200, application/json, the function's JSON output as the body.
 * A structured response API Gateway cannot use is a 500, as on AWS.
 */
export function responseFromLambdaResult(result: unknown): GatewayResponse {
  // Lambda hands API Gateway the JSON serialisation of the result, not the JS value:
  // undefined becomes null, Dates become strings, undefined properties disappear.
  let payload: string;
  try {
    payload = JSON.stringify(result) ?? 'null';
  } catch {
    return gatewayErrorResponse('internalServerError');
  }
  if (Buffer.byteLength(payload) > LAMBDA_RESPONSE_PAYLOAD_LIMIT_BYTES) return gatewayErrorResponse('internalServerError');

  const output: unknown = JSON.parse(payload);
  if (!isPlainObject(output) || !('statusCode' in output)) {
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(payload) };
  }
  return structuredResponse(output) ?? gatewayErrorResponse('internalServerError');
}

// Format 2.0 responses have no multiValueHeaders: API Gateway ignores the field, and so does this.
function structuredResponse(output: Record<string, unknown>): GatewayResponse | undefined {
  const { statusCode, headers = {}, cookies = [], body = '', isBase64Encoded = false } = output;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  if (!isPlainObject(headers) || !Array.isArray(cookies) || !cookies.every((cookie) => typeof cookie === 'string')) return undefined;
  if ((body !== null && typeof body !== 'string') || typeof isBase64Encoded !== 'boolean') return undefined;

  const responseHeaders: Record<string, string | string[]> = {};
  const headerSetCookies: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === null) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
    const lowerName = name.toLowerCase();
    if (GATEWAY_OWNED_HEADERS.has(lowerName)) continue;
    if (lowerName === 'set-cookie') headerSetCookies.push(String(value));
    else responseHeaders[lowerName] = String(value);
  }
  // Each entry of `cookies` becomes its own set-cookie line; a set-cookie in `headers` still
  // ships, after them (observed AWS behaviour).
  const setCookies = [...(cookies as string[]), ...headerSetCookies];
  if (setCookies.length > 0) responseHeaders['set-cookie'] = setCookies;
  // Without a content-type of its own, an HTTP API response is sent as UTF-8 text.
  responseHeaders['content-type'] ??= 'text/plain; charset=utf-8';

  const text = body ?? '';
  return {
    statusCode,
    headers: responseHeaders,
    body: isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
  };
}

// Framing headers belong to the gateway's own connection with the client; it computes them.
const GATEWAY_OWNED_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
