import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DomainError, InvalidCart, InvalidOrderState, UnknownSku, UnsupportedCountry } from '../domain/errors';
import { logger, withLogging } from './logger';
import * as z from 'zod/mini';
import { validate, ValidationFailure, type Schema } from './validation';

export type HttpResult = APIGatewayProxyStructuredResultV2;

/** An error the client can act on: it becomes `{"error": {"code", "message"}}` with this status. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const MAX_BODY_BYTES = 64 * 1024;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResult(statusCode: number, code: string, message: string, details?: unknown): HttpResult {
  return json(statusCode, { error: { code, message, ...(details === undefined ? {} : { details }) } });
}

/** The request body exactly as the client sent it (API Gateway base64-encodes non-text bodies). */
export function rawBody(event: APIGatewayProxyEventV2): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** Parses a JSON body and validates it against a schema; every failure is a 4xx. */
export function parseJsonBody<T>(event: APIGatewayProxyEventV2, schema: Schema<T>): T {
  const contentType = header(event, 'content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(contentType.trim())) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
  }
  const body = rawBody(event);
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) {
    throw new HttpError(413, 'BODY_TOO_LARGE', `The body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'MALFORMED_JSON', 'The body is not valid JSON');
  }
  const result = validate(schema, parsed);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

export function validationError(error: ValidationFailure): HttpError {
  const issues = error.issues.slice(0, 20).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const first = issues[0];
  return new HttpError(
    400,
    'VALIDATION_FAILED',
    first ? `${first.path || 'body'}: ${first.message}` : 'The request is not valid',
    issues,
  );
}

/**
 * Domain error class -> HTTP status and code, by class so that renaming an error cannot silently
 * change an answer. Anything else is a 500 that says nothing internal.
 */
const DOMAIN_ERRORS: ReadonlyArray<readonly [abstract new (...args: never[]) => DomainError, { status: number; code: string }]> = [
  [UnknownSku, { status: 400, code: 'UNKNOWN_SKU' }],
  [UnsupportedCountry, { status: 400, code: 'UNSUPPORTED_COUNTRY' }],
  [InvalidCart, { status: 400, code: 'INVALID_CART' }],
  [InvalidOrderState, { status: 409, code: 'INVALID_ORDER_STATE' }],
];

function httpMappingOf(error: DomainError): { status: number; code: string } | undefined {
  return DOMAIN_ERRORS.find(([type]) => error instanceof type)?.[1];
}

export function toErrorResult(error: unknown): HttpResult {
  if (error instanceof HttpError) return errorResult(error.statusCode, error.code, error.message, error.details);
  if (error instanceof ValidationFailure) return toErrorResult(validationError(error));
  const mapping = error instanceof DomainError ? httpMappingOf(error) : undefined;
  if (mapping) return errorResult(mapping.status, mapping.code, (error as DomainError).message, (error as DomainError).details);
  logger.error('Unhandled error', { error: error as Error });
  return errorResult(500, 'INTERNAL_ERROR', 'Something went wrong on our side; try again later');
}

/** An HTTP API handler: logging, and every error mapped to `{"error": {...}}`. */
export function httpHandler(handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>) {
  return withLogging(async (event: APIGatewayProxyEventV2, context: Context) => {
    try {
      return await handler(event, context);
    } catch (error) {
      return toErrorResult(error);
    }
  });
}

/** The `Idempotency-Key` header, as Stripe limits its own: 1-255 printable ASCII characters. */
export const IdempotencyKeySchema = z.string().check(z.minLength(1), z.maxLength(255), z.regex(/^[\x21-\x7e]+$/, 'printable ASCII only'));

/** The request's Idempotency-Key, undefined if none was sent; a malformed one is a 400, never silently replaced. */
export function idempotencyKey(event: APIGatewayProxyEventV2): string | undefined {
  const raw = header(event, 'idempotency-key');
  if (raw === undefined) return undefined;
  const key = IdempotencyKeySchema.safeParse(raw);
  if (!key.success) throw new HttpError(400, 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1-255 printable characters');
  return key.data;
}

export function pathParameter(event: APIGatewayProxyEventV2, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value) throw new HttpError(400, 'MISSING_PATH_PARAMETER', `Missing ${name} in the path`);
  return value;
}
