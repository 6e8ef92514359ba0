/**
 * The `/v1` surface: authentication, form decoding, idempotency, routing and Stripe's response
 * conventions (Request-Id, Stripe-Version, error envelope).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { StripeApiError, authenticationError, parameterError, unrecognizedUrl } from './errors';
import type { EventLog } from './events';
import { checkExpandPaths, expandResponse, type ExpansionLookup, type ResponseType } from './expand';
import { ParamReader, canonicalParams, decodeForm, type FormObject } from './form';
import { jsonReply, type HttpReply } from './http-io';
import { IdempotencyStore, MAX_IDEMPOTENCY_KEY_LENGTH, mismatchError } from './idempotency';
import { unixSeconds } from './ids';
import type { PaymentIntentService } from './payment-intents';
import type { RequestContext } from './types';

export interface RouteInput {
  ids: string[];
  params: ParamReader;
  ctx: RequestContext;
  apiVersion: string;
  /** The caller's key (already checked): `stripe listen` sessions derive their secret from it. */
  apiKey: string;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  responds: ResponseType;
  run: (input: RouteInput) => object;
}

export interface ApiRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  rawBody: string;
  requestId: string;
}

export interface ApiOutcome {
  reply: HttpReply;
  replayed: boolean;
}

/** `'/v1/payment_intents/:id/confirm'` -> a matcher capturing the id. */
export function route(method: Route['method'], template: string, responds: ResponseType, run: Route['run']): Route {
  const pattern = new RegExp(`^${template.replace(/:id/g, '([^/]+)')}$`);
  return { method, pattern, responds, run };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export class StripeApiRoutes {
  private readonly routes: Route[];
  private readonly lookup: ExpansionLookup;

  constructor(
    pi: PaymentIntentService,
    events: EventLog,
    private readonly idempotency: IdempotencyStore,
    private readonly defaultApiVersion: string,
    /** Routes of other modules (the CLI's sessions, webhook endpoints). */
    extraRoutes: Route[] = [],
  ) {
    this.routes = [
      route('POST', '/v1/payment_intents', 'payment_intent', ({ params, ctx, apiVersion }) => pi.create(params, ctx, apiVersion)),
      route('GET', '/v1/payment_intents', 'list:payment_intent', ({ params }) => pi.list(params)),
      route('GET', '/v1/payment_intents/:id', 'payment_intent', ({ ids, params }) => pi.retrieve(ids[0], params)),
      route('POST', '/v1/payment_intents/:id', 'payment_intent', ({ ids, params }) => pi.update(ids[0], params)),
      route('POST', '/v1/payment_intents/:id/confirm', 'payment_intent', ({ ids, params, ctx }) => pi.confirm(ids[0], params, ctx)),
      route('POST', '/v1/payment_intents/:id/cancel', 'payment_intent', ({ ids, params, ctx }) => pi.cancel(ids[0], params, ctx)),
      route('GET', '/v1/charges/:id', 'charge', ({ ids, params }) => (params.rejectUnknown(['expand']), pi.retrieveCharge(ids[0]))),
      route('GET', '/v1/payment_methods/:id', 'payment_method', ({ ids, params }) => (params.rejectUnknown(['expand']), pi.retrievePaymentMethod(ids[0]))),
      route('GET', '/v1/events', 'list:event', ({ params }) => events.list(params)),
      route('GET', '/v1/events/:id', 'event', ({ ids, params }) => (params.rejectUnknown(['expand']), events.retrieve(ids[0]))),
      ...extraRoutes,
    ];
    this.lookup = {
      charge: (id) => pi.retrieveCharge(id),
      paymentIntent: (id) => pi.retrieve(id, new ParamReader({})),
      paymentMethod: (id) => pi.retrievePaymentMethod(id),
    };
  }

  handle(request: ApiRequest): ApiOutcome {
    const apiVersion = headerValue(request.headers['stripe-version']) ?? this.defaultApiVersion;
    const baseHeaders: Record<string, string> = { 'Request-Id': request.requestId, 'Stripe-Version': apiVersion, 'Cache-Control': 'no-cache, no-store' };
    const fail = (error: StripeApiError, extraHeaders: Record<string, string> = {}): ApiOutcome => ({
      reply: errorReply(error, request.requestId, { ...baseHeaders, ...extraHeaders }),
      replayed: false,
    });

    const apiKey = readApiKey(request.headers);
    if (apiKey instanceof StripeApiError) return fail(apiKey, { 'WWW-Authenticate': 'Basic realm="Stripe"' });

    const path = request.url.pathname;
    const route = this.routes.find((r) => r.method === request.method && r.pattern.test(path));
    if (!route) return fail(unrecognizedUrl(request.method, path));
    const ids = (route.pattern.exec(path) ?? []).slice(1).map(safeDecode);

    let params: FormObject;
    try {
      const query = decodeForm(request.url.search.slice(1));
      params = request.method === 'POST' ? { ...query, ...decodeForm(request.rawBody) } : query;
    } catch (error) {
      if (error instanceof StripeApiError) return fail(error);
      throw error;
    }

    // Stripe ignores idempotency keys on GET: reads are idempotent anyway.
    const idempotencyKey = request.method === 'POST' ? (headerValue(request.headers['idempotency-key']) ?? null) : null;
    const keyHeaders: Record<string, string> = idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {};
    const endpoint = `${request.method} ${path}`;
    const fingerprint = canonicalParams(params);
    if (idempotencyKey !== null) {
      if (idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
        return fail(parameterError(`Invalid idempotency key: keys can be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters long.`), keyHeaders);
      }
      const saved = this.idempotency.lookup(apiKey, idempotencyKey);
      if (saved) {
        const mismatch = mismatchError(idempotencyKey, saved, endpoint, fingerprint);
        if (mismatch) return fail(mismatch, keyHeaders);
        return {
          reply: {
            status: saved.status,
            headers: { 'Content-Type': 'application/json', ...baseHeaders, ...keyHeaders, 'Idempotent-Replayed': 'true', 'Original-Request': saved.requestId },
            body: saved.body,
          },
          replayed: true,
        };
      }
    }

    const ctx: RequestContext = { requestId: request.requestId, idempotencyKey };
    let reply: HttpReply;
    let saveForReplay: boolean;
    try {
      const reader = new ParamReader(params);
      const expand = reader.stringArray('expand') ?? [];
      checkExpandPaths(route.responds, expand);
      const result = route.run({ ids, params: reader, ctx, apiVersion, apiKey });
      reply = jsonReply(200, expandResponse(result, expand, this.lookup), { ...baseHeaders, ...keyHeaders });
      saveForReplay = true;
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      reply = errorReply(error, request.requestId, { ...baseHeaders, ...keyHeaders });
      // Requests rejected by parameter validation never executed: Stripe does not save them.
      saveForReplay = error.phase === 'execution';
    }
    if (idempotencyKey !== null && saveForReplay) {
      this.idempotency.save(apiKey, idempotencyKey, {
        status: reply.status,
        body: reply.body,
        requestId: request.requestId,
        endpoint,
        fingerprint,
        savedAt: Date.now(),
      });
    }
    return { reply, replayed: false };
  }
}

function errorReply(error: StripeApiError, requestId: string, headers: Record<string, string>): HttpReply {
  const body = error.status === 401 ? error.body : { ...error.body, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}?t=${unixSeconds()}` };
  return jsonReply(error.status, { error: body }, headers);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `Authorization: Bearer sk_test_...` (or HTTP Basic with the key as user name, which Stripe also accepts). */
function readApiKey(headers: IncomingHttpHeaders): string | StripeApiError {
  const authorization = headers.authorization;
  if (!authorization) {
    return authenticationError(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  const [scheme, credentials = ''] = authorization.trim().split(/\s+/, 2);
  let key = '';
  if (/^bearer$/i.test(scheme)) key = credentials;
  else if (/^basic$/i.test(scheme)) key = Buffer.from(credentials, 'base64').toString('utf8').split(':')[0];
  if (key.startsWith('sk_test_') && key.length >= 12 && !/\s/.test(key)) return key;
  if (key.startsWith('sk_live_')) return authenticationError('The Stripe emulator only accepts test mode keys (sk_test_...).');
  return authenticationError(`Invalid API Key provided: ${maskKey(key)}`);
}

/** Like Stripe: the prefix and the last four characters, never the whole key. */
function maskKey(key: string): string {
  if (key.length <= 12) return '*'.repeat(key.length);
  const prefix = /^[a-z]{2}_(test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}${'*'.repeat(key.length - prefix.length - 4)}${key.slice(-4)}`;
}
