/**
 * The HTTP side of `stripe listen` support: Stripe's routes the CLI calls (its session, the
 * endpoints `-a` routes by, `stripe events resend`) and the emulator's control routes that show
 * and steer the sessions (`/_emulator/listen...`). The websocket is in listen-websocket.ts.
 */
import { parseBody } from './control-routes';
import { invalidRequest, parameterError } from './errors';
import type { EventLog } from './events';
import { jsonReply, type HttpReply } from './http-io';
import { route, type Route } from './api-routes';
import { ListenSessions, type ListenFeature } from './listen-sessions';
import { LISTEN_WEBSOCKET_PATH } from './listen-websocket';
import type { WebhookEndpoints } from './webhook-endpoints';

const FEATURES: readonly ListenFeature[] = ['webhooks', 'v2_events'];

export interface ListenRouteDeps {
  sessions: ListenSessions;
  events: EventLog;
  endpoints: WebhookEndpoints;
  apiVersion: string;
  /** `http://127.0.0.1:<port>`, known once the server listens. */
  baseUrl: () => string;
}

export function listenApiRoutes(deps: ListenRouteDeps): Route[] {
  const { sessions, events, endpoints } = deps;
  return [
    route('POST', '/v1/stripecli/sessions', 'stripecli_session', ({ params, apiKey }) => {
      // The forward URLs are informational (Stripe shows them in the Dashboard); the CLI forwards itself.
      params.rejectUnknown(['device_name', 'websocket_features', 'forward_to_url', 'forward_connect_to_url', 'forward_thin_to_url', 'forward_thin_connect_to_url', 'filters']);
      const requested = params.stringArray('websocket_features') ?? ['webhooks'];
      const unknown = requested.find((feature) => !(FEATURES as readonly string[]).includes(feature));
      if (unknown !== undefined) throw parameterError(`Invalid websocket_features: '${unknown}' is not one of ${FEATURES.join(', ')}.`, 'websocket_features');
      const features = [...new Set(requested)] as ListenFeature[];
      const session = sessions.create(apiKey, params.string('device_name') || 'unknown', features);
      const websocketUrl = `${deps.baseUrl().replace(/^http/, 'ws')}${LISTEN_WEBSOCKET_PATH}`;
      return {
        websocket_url: websocketUrl,
        websocket_id: session.id,
        websocket_authorized_feature: features.join(','),
        secret: session.secret,
        reconnect_delay: sessions.settings.reconnectDelaySeconds,
        display_connect_filter_warning: false,
        default_version: deps.apiVersion,
        latest_version: deps.apiVersion,
        device_token: `dtok_${session.id.slice('cliws_'.length)}`,
      };
    }),
    route('POST', '/v1/events/:id/retry', 'event', ({ ids, params }) => {
      params.rejectUnknown(['for_stripecli', 'account', 'webhook_endpoint', 'expand']);
      const event = events.retrieve(ids[0]);
      if (params.has('webhook_endpoint')) {
        throw invalidRequest('The emulator resends events to `stripe listen` sessions only (for_stripecli=true); POST /_emulator/events/:id/resend re-delivers to its webhook URL.', 'webhook_endpoint');
      }
      if (params.boolean('for_stripecli') !== true) throw invalidRequest('Specify webhook_endpoint or for_stripecli=true.', 'for_stripecli');
      if (sessions.publish(event, true) === 0) throw invalidRequest('No `stripe listen` session is open to resend this event to.');
      return event;
    }),
    route('POST', '/v1/webhook_endpoints', 'webhook_endpoint', ({ params }) => endpoints.create(params)),
    route('GET', '/v1/webhook_endpoints', 'list:webhook_endpoint', ({ params }) => endpoints.list(params)),
    route('GET', '/v1/webhook_endpoints/:id', 'webhook_endpoint', ({ ids, params }) => (params.rejectUnknown(['expand']), endpoints.retrieve(ids[0]))),
    route('POST', '/v1/webhook_endpoints/:id', 'webhook_endpoint', ({ ids, params }) => endpoints.update(ids[0], params)),
    route('DELETE', '/v1/webhook_endpoints/:id', 'webhook_endpoint', ({ ids }) => endpoints.delete(ids[0])),
  ];
}

/**
 * `/_emulator/listen` control routes (no API key):
 *   GET  /_emulator/listen                               sessions and settings
 *   POST /_emulator/listen/config                        {"reconnectDelaySeconds": N} for sessions created from now on
 *   GET  /_emulator/listen/deliveries[?event_id=&type=&session_id=]   events sent to sessions, acks, reported responses
 *   POST /_emulator/listen/sessions/:id/disconnect       drop its websocket (the CLI reconnects with the same id)
 *   POST /_emulator/listen/sessions/:id/expire           expire it (the CLI creates a new session)
 */
export function handleListenControl(sessions: ListenSessions, method: string, url: URL, contentType: string | undefined, rawBody: string): HttpReply {
  let body: Record<string, unknown>;
  try {
    body = parseBody(contentType, rawBody);
  } catch {
    return controlError(400, 'invalid_body', 'request body is not a JSON object or form data');
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (method === 'GET' && path === '/_emulator/listen') {
    return jsonReply(200, { settings: sessions.settings, sessions: sessions.list() });
  }
  if (method === 'POST' && path === '/_emulator/listen/config') {
    const unknown = Object.keys(body).find((key) => key !== 'reconnectDelaySeconds');
    if (unknown !== undefined) return controlError(400, 'unknown_setting', `unknown setting '${unknown}'; the only one is reconnectDelaySeconds`);
    if ('reconnectDelaySeconds' in body) {
      const raw = body.reconnectDelaySeconds;
      const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 3600) {
        return controlError(400, 'invalid_setting', 'reconnectDelaySeconds must be an integer between 1 and 3600');
      }
      sessions.settings = { ...sessions.settings, reconnectDelaySeconds: value };
    }
    return jsonReply(200, { settings: sessions.settings });
  }
  if (method === 'GET' && path === '/_emulator/listen/deliveries') {
    const eventId = url.searchParams.get('event_id');
    const type = url.searchParams.get('type');
    const sessionId = url.searchParams.get('session_id');
    const data = sessions
      .history()
      .filter((d) => (!eventId || d.eventId === eventId) && (!type || d.type === type) && (!sessionId || d.sessionId === sessionId));
    return jsonReply(200, { data });
  }
  const action = /^\/_emulator\/listen\/sessions\/([^/]+)\/(disconnect|expire)$/.exec(path);
  if (method === 'POST' && action) {
    const [, id, verb] = action;
    const found = verb === 'disconnect' ? sessions.disconnect(id) : sessions.expire(id);
    if (!found) return controlError(404, 'session_not_found', `No stripe listen session '${id}'`);
    return jsonReply(200, { session: sessions.list().find((session) => session.id === id) ?? { id, state: 'expired' } });
  }
  return controlError(404, 'unknown_route', `Unknown emulator endpoint (${method}: ${url.pathname}).`);
}

function controlError(status: number, code: string, message: string): HttpReply {
  return jsonReply(status, { error: { type: 'invalid_request_error', code, message } });
}
