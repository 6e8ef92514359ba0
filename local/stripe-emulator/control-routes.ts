/**
 * `/_emulator/*`: endpoints that do not exist on Stripe. They stand in for what happens outside the
 * API (a customer completing 3DS) and let tests inspect and steer webhook delivery. JSON in and
 * out (form bodies are accepted too); no API key needed.
 */
import { ConfigError, applyConfigPatch, type EmulatorConfig } from './config';
import { StripeApiError } from './errors';
import type { EventLog } from './events';
import { decodeForm } from './form';
import { jsonReply, type HttpReply } from './http-io';
import type { PaymentIntentService } from './payment-intents';
import type { WebhookDispatcher } from './webhook-delivery';

/** A day: longer than any test needs, short enough that a typo does not silence webhooks for good. */
const MAX_OUTAGE_SECONDS = 86_400;

export interface ControlDeps {
  paymentIntents: PaymentIntentService;
  events: EventLog;
  dispatcher: WebhookDispatcher;
  getConfig(): EmulatorConfig;
  setConfig(config: EmulatorConfig): void;
  reset(): void;
  startedAt: number;
}

export function handleControl(deps: ControlDeps, method: string, url: URL, contentType: string | undefined, rawBody: string): HttpReply {
  const path = url.pathname;
  let body: Record<string, unknown>;
  try {
    body = parseBody(contentType, rawBody);
  } catch {
    return controlError(400, 'request body is not valid JSON or form data');
  }

  if (method === 'GET' && path === '/_emulator/health') {
    return jsonReply(200, {
      status: 'ok',
      uptimeMs: Date.now() - deps.startedAt,
      events: deps.events.count(),
      pendingDeliveries: deps.dispatcher.pendingCount(),
      webhookUrlConfigured: deps.getConfig().webhookUrl !== null,
    });
  }
  if (path === '/_emulator/config' && method === 'GET') return jsonReply(200, deps.getConfig());
  if (path === '/_emulator/config' && method === 'POST') {
    try {
      deps.setConfig(applyConfigPatch(deps.getConfig(), body));
    } catch (error) {
      if (error instanceof ConfigError) return controlError(400, error.message);
      throw error;
    }
    return jsonReply(200, deps.getConfig());
  }
  if (method === 'GET' && path === '/_emulator/deliveries') {
    const eventId = url.searchParams.get('event_id');
    const type = url.searchParams.get('type');
    const data = deps.dispatcher.attemptsLog().filter((a) => (!eventId || a.eventId === eventId) && (!type || a.type === type));
    return jsonReply(200, { data });
  }
  if (method === 'POST' && path === '/_emulator/reset') {
    deps.reset();
    return jsonReply(200, { reset: true });
  }

  if (path === '/_emulator/webhooks/outage') {
    if (method === 'GET') return jsonReply(200, deps.dispatcher.outage());
    if (method === 'DELETE') return jsonReply(200, deps.dispatcher.endOutage());
    if (method === 'POST') {
      const forSeconds = typeof body.forSeconds === 'string' && body.forSeconds.trim() !== '' ? Number(body.forSeconds) : body.forSeconds;
      if (typeof forSeconds !== 'number' || !Number.isFinite(forSeconds) || forSeconds <= 0 || forSeconds > MAX_OUTAGE_SECONDS) {
        return controlError(400, `forSeconds must be a number of seconds above 0 and at most ${MAX_OUTAGE_SECONDS}`, 'parameter_invalid', 'forSeconds');
      }
      return jsonReply(200, deps.dispatcher.startOutage(forSeconds * 1000));
    }
  }

  const resend = /^\/_emulator\/events\/([^/]+)\/resend$/.exec(path);
  if (method === 'POST' && resend) {
    const event = deps.events.get(resend[1]);
    if (!event) return controlError(404, `No such event: '${resend[1]}'`);
    if (!deps.dispatcher.enqueue(event, true)) return controlError(409, 'No webhook URL is configured; nothing to resend to.');
    return jsonReply(200, { resent: true, eventId: event.id });
  }

  const authenticate = /^\/_emulator\/payment_intents\/([^/]+)\/authenticate$/.exec(path);
  if (method === 'POST' && authenticate) {
    const outcome = body.outcome ?? url.searchParams.get('outcome');
    if (outcome !== 'succeed' && outcome !== 'fail') return controlError(400, "outcome must be 'succeed' or 'fail'");
    try {
      return jsonReply(200, deps.paymentIntents.authenticate(authenticate[1], outcome));
    } catch (error) {
      if (error instanceof StripeApiError) return jsonReply(error.status, { error: error.body });
      throw error;
    }
  }

  return controlError(404, `Unknown emulator endpoint (${method}: ${path}).`);
}

export function parseBody(contentType: string | undefined, rawBody: string): Record<string, unknown> {
  if (rawBody.trim() === '') return {};
  if (contentType?.includes('application/json')) {
    const parsed: unknown = JSON.parse(rawBody);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  }
  return decodeForm(rawBody);
}

function controlError(status: number, message: string, code?: string, param?: string): HttpReply {
  return jsonReply(status, { error: { type: 'invalid_request_error', message, ...(code ? { code } : {}), ...(param ? { param } : {}) } });
}
