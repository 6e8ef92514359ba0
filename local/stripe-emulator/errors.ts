/**
 * Stripe's error objects and the HTTP statuses that carry them. The Stripe SDK picks its error
 * class from the status (402 StripeCardError, 400/404 StripeInvalidRequestError or
 * StripeIdempotencyError, 401 StripeAuthenticationError), so status and `type` must agree.
 */

export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
  request_log_url?: string;
}

/**
 * `phase` follows Stripe's idempotency rule: a request that fails parameter validation never
 * started executing, so its result is not saved under the idempotency key; anything later is.
 */
export type ErrorPhase = 'validation' | 'execution';

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    readonly phase: ErrorPhase = 'execution',
  ) {
    super(body.message);
  }
}

export function docUrlFor(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;
}

/** Bad or missing parameters: 400, not saved for idempotent replay. */
export function parameterError(message: string, param?: string, code?: string): StripeApiError {
  return new StripeApiError(
    400,
    { type: 'invalid_request_error', message, ...(code ? { code, doc_url: docUrlFor(code) } : {}), ...(param ? { param } : {}) },
    'validation',
  );
}

export function missingParam(param: string): StripeApiError {
  return parameterError(`Missing required param: ${param}.`, param, 'parameter_missing');
}

export function unknownParam(param: string): StripeApiError {
  return parameterError(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
}

/** The URL names an object that does not exist: 404 resource_missing. */
export function noSuchObject(objectName: string, id: string, param: string): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    doc_url: docUrlFor('resource_missing'),
    message: `No such ${objectName}: '${id}'`,
    param,
  });
}

/** A parameter references an object that does not exist: Stripe answers 400, not 404. */
export function noSuchReferencedObject(objectName: string, id: string, param: string): StripeApiError {
  return new StripeApiError(400, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    doc_url: docUrlFor('resource_missing'),
    message: `No such ${objectName}: '${id}'`,
    param,
  });
}

export function unexpectedState(message: string, paymentIntent: unknown): StripeApiError {
  return new StripeApiError(400, {
    type: 'invalid_request_error',
    code: 'payment_intent_unexpected_state',
    doc_url: docUrlFor('payment_intent_unexpected_state'),
    message,
    payment_intent: paymentIntent,
  });
}

export function invalidRequest(message: string, param?: string): StripeApiError {
  return new StripeApiError(400, { type: 'invalid_request_error', message, ...(param ? { param } : {}) });
}

export function authenticationError(message: string): StripeApiError {
  return new StripeApiError(401, { type: 'invalid_request_error', message });
}

export function unrecognizedUrl(method: string, path: string): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}
