/**
 * The Lambda event API Gateway HTTP APIs send with payload format 2.0
 * ("Working with AWS Lambda proxy integrations for HTTP APIs" in the developer guide).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createTraceId } from './ids';

/** What the server received, before any interpretation. */
export interface ReceivedRequest {
  method: string;
  /** The request-target exactly as sent: "/orders/o%201?expand=1". */
  target: string;
  /** Node's `rawHeaders`: [name, value, name, value, ...], repeats and case kept. */
  rawHeaders: readonly string[];
  body: Buffer;
  sourceIp: string;
  /** "HTTP/1.1" */
  protocol: string;
  /** The port the client connected to, for x-forwarded-port. */
  localPort: number;
}

export interface SelectedRoute {
  routeKey: string;
  pathParameters: Record<string, string> | undefined;
}

export interface GatewayIdentity {
  accountId: string;
  apiId: string;
  requestId: string;
  receivedAt: Date;
}

// Hop-by-hop headers of the client's connection to the gateway; they never reach the function.
const HOP_BY_HOP_HEADERS = new Set(['connection', 'keep-alive']);

export function buildHttpApiEvent(request: ReceivedRequest, route: SelectedRoute, gateway: GatewayIdentity): APIGatewayProxyEventV2 {
  const { path, rawQueryString } = splitTarget(request.target);
  const rawPath = decodeRawPath(path);
  const { headers, cookies } = collectHeaders(request, gateway.receivedAt);
  const queryStringParameters = parseQueryString(rawQueryString);
  const body = encodeBody(request.body, headers['content-type']);
  const domainName = (headers.host ?? '127.0.0.1').replace(/:\d+$/, '');

  // Optional fields are left out rather than set to null or {}, as API Gateway does.
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: gateway.accountId,
      apiId: gateway.apiId,
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: {
        method: request.method,
        path: rawPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: gateway.requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: formatRequestTime(gateway.receivedAt),
      timeEpoch: gateway.receivedAt.getTime(),
    },
    ...(body ? { body: body.text } : {}),
    ...(route.pathParameters ? { pathParameters: route.pathParameters } : {}),
    isBase64Encoded: body?.isBase64Encoded ?? false,
  };
}

/**
 * Whether API Gateway hands a body with this content type to the function as text. HTTP APIs
 * have no binaryMediaTypes setting; observed on AWS, only text/* and JSON, XML and JavaScript
 * arrive as text. Everything else, including no content type and form-urlencoded, is base64.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  const mediaType = (contentType ?? '').split(';', 1)[0].trim().toLowerCase();
  return mediaType.startsWith('text/') || TEXT_MEDIA_TYPES.has(mediaType);
}

const TEXT_MEDIA_TYPES = new Set(['application/json', 'application/xml', 'application/javascript']);

/**
 * rawPath as API Gateway builds it: percent-escapes decoded (as UTF-8), except %25, which stays
 * encoded so the path cannot be decoded twice into something else.
 */
export function decodeRawPath(path: string): string {
  return percentDecode(path, { keepEncodedPercent: true });
}

/**
 * queryStringParameters: decoded names and values ('+' is a space), a name without '=' has the
 * value "", repeated names are joined with commas; undefined when there are none.
 */
export function parseQueryString(rawQueryString: string): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    const name = decodeQueryComponent(separator === -1 ? pair : pair.slice(0, separator));
    const value = separator === -1 ? '' : decodeQueryComponent(pair.slice(separator + 1));
    parameters[name] = Object.prototype.hasOwnProperty.call(parameters, name) ? `${parameters[name]},${value}` : value;
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

/** "12/Mar/2020:19:03:58 +0000", requestContext.time's format. */
export function formatRequestTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function splitTarget(target: string): { path: string; rawQueryString: string } {
  const queryStart = target.indexOf('?');
  // rawQueryString is what the client sent after '?', still percent-encoded.
  return queryStart === -1 ? { path: target, rawQueryString: '' } : { path: target.slice(0, queryStart), rawQueryString: target.slice(queryStart + 1) };
}

function collectHeaders(request: ReceivedRequest, receivedAt: Date): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index].toLowerCase();
    const value = request.rawHeaders[index + 1];
    if (name === 'cookie') {
      // Format 2.0 moves cookies out of the headers into `cookies`, one entry per cookie.
      cookies.push(...value.split(';').map((cookie) => cookie.trim()).filter((cookie) => cookie !== ''));
    } else if (!HOP_BY_HOP_HEADERS.has(name)) {
      // "Duplicate headers are combined with commas and included in the headers field."
      headers[name] = name in headers ? `${headers[name]},${value}` : value;
    }
  }
  // Headers API Gateway adds for the function. Locally the client speaks plain HTTP.
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${request.sourceIp}` : request.sourceIp;
  headers['x-forwarded-port'] = String(request.localPort);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??= createTraceId(receivedAt);
  return { headers, cookies };
}

function encodeBody(body: Buffer, contentType: string | undefined): { text: string; isBase64Encoded: boolean } | undefined {
  // No body at all: API Gateway leaves `body` out of the event.
  if (body.length === 0) return undefined;
  // Buffer#toString keeps every byte of valid UTF-8, a leading BOM included (TextDecoder would
  // drop it), so a signature computed over the raw body still verifies against the event's body.
  if (isTextContentType(contentType)) return { text: body.toString('utf8'), isBase64Encoded: false };
  return { text: body.toString('base64'), isBase64Encoded: true };
}

function decodeQueryComponent(component: string): string {
  return percentDecode(component.replace(/\+/g, ' '), { keepEncodedPercent: false });
}

/** Decodes runs of %XX escapes as UTF-8 bytes; malformed escapes are kept as they are. */
function percentDecode(text: string, options: { keepEncodedPercent: boolean }): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    let decoded = '';
    let pendingBytes: number[] = [];
    const flush = () => {
      decoded += Buffer.from(pendingBytes).toString('utf8');
      pendingBytes = [];
    };
    for (let index = 0; index < run.length; index += 3) {
      const escape = run.slice(index, index + 3);
      const byte = parseInt(escape.slice(1), 16);
      if (options.keepEncodedPercent && byte === 0x25) {
        flush();
        decoded += escape;
      } else {
        pendingBytes.push(byte);
      }
    }
    flush();
    return decoded;
  });
}
