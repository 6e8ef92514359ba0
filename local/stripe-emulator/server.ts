/**
 * Stripe emulator: an HTTP server on 127.0.0.1 that the real Stripe SDK and the Stripe CLI talk
 * to, with PaymentIntents, events and signed webhook delivery. See docs/stripe-emulator.md.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StripeApiRoutes } from './api-routes';
import { DEFAULT_DELIVERY, applyConfigPatch, isSubscribed, type EmulatorConfig, type EmulatorConfigPatch } from './config';
import { handleControl } from './control-routes';
import { EventLog } from './events';
import { stripeFaultReply, stripeOperationOf, type StripeFaultHook } from './faults';
import { BodyTooLargeError, jsonReply, readBody, sendReply, type HttpReply } from './http-io';
import { IdempotencyStore } from './idempotency';
import { newId } from './ids';
import { handleListenControl, listenApiRoutes } from './listen-routes';
import { ListenSessions, type ListenDelivery, type ListenSessionView, type ListenSettings } from './listen-sessions';
import { ListenWebsocket } from './listen-websocket';
import { PaymentIntentService } from './payment-intents';
import { StripeStore } from './store';
import type { PaymentIntent, StripeEvent } from './types';
import { WebhookDispatcher, type DeliveryAttempt, type WebhookOutage } from './webhook-delivery';
import { WebhookEndpoints } from './webhook-endpoints';

export { LOCAL_WEBHOOK_SECRET } from './config';
export type { EmulatorConfig, EmulatorConfigPatch, ReorderMode, DeliverySettings } from './config';
export type { DeliveryAttempt, WebhookOutage } from './webhook-delivery';
export type { ListenDelivery, ListenResponse, ListenSessionView, ListenSettings } from './listen-sessions';
export type { WebhookEndpoint } from './webhook-endpoints';
export type { StripeFaultHook, StripeFaultDecision } from './faults';
export type { PaymentIntent, StripeEvent, Charge, PaymentMethod } from './types';

/** The API version of the pinned `stripe` SDK (23.1.0): events are rendered as if the account were on it. */
export const DEFAULT_API_VERSION = '2026-10-28.endive';

export interface StripeEmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Where events are POSTed; without it events are stored but not delivered. */
  webhookUrl?: string;
  /** The endpoint's signing secret (`whsec_...`), used whole as the HMAC key. */
  webhookSecret: string;
  delivery?: Omit<EmulatorConfigPatch, 'webhookUrl'>;
  /** `api_version` of events, and the version assumed for requests without a Stripe-Version header. */
  apiVersion?: string;
  /** `stripe listen` sessions (docs/stripe-emulator.md, "Stripe CLI"). */
  listen?: Partial<ListenSettings>;
  /** One line per request and per delivery attempt; secrets are never part of it. */
  log?: (line: string) => void;
  /** Asked for each /v1 request whether to fail, drop or slow it (the local cloud's service faults, faults.ts). */
  faults?: StripeFaultHook;
}

/** What the emulator holds of the `stripe listen` CLIs connected to it. */
export interface ListenSupport {
  sessions(): ListenSessionView[];
  /** Every event sent to a session: the CLI's ack and the responses it reported (status, body, latency). */
  deliveries(): ListenDelivery[];
  /** Drops a session's websocket (the CLI reconnects with the same session). */
  disconnect(sessionId: string): boolean;
  /** Expires a session (the CLI is refused at its next connection and creates a new session). */
  expire(sessionId: string): boolean;
}

export interface StripeEmulator {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  getConfig(): EmulatorConfig;
  /** Changes webhook URL and delivery knobs at run time (same as POST /_emulator/config). */
  setConfig(patch: EmulatorConfigPatch): EmulatorConfig;
  /** All events, oldest first. */
  events(): StripeEvent[];
  /** Every delivery attempt so far, oldest first. */
  deliveries(): DeliveryAttempt[];
  /** Deliveries queued, held, in flight or waiting for a retry. */
  pendingDeliveries(): number;
  /** Every webhook delivery attempt fails for `forSeconds`, as if the endpoint were down (POST /_emulator/webhooks/outage). */
  startWebhookOutage(forSeconds: number): WebhookOutage;
  endWebhookOutage(): WebhookOutage;
  webhookOutage(): WebhookOutage;
  /** Completes or fails the 3DS challenge of a PaymentIntent in requires_action. */
  authenticate(paymentIntentId: string, outcome: 'succeed' | 'fail'): PaymentIntent;
  /** `stripe listen` sessions and what was sent to them. */
  readonly listen: ListenSupport;
  /** Forgets all objects, events, idempotency keys and deliveries; keeps the configuration. */
  reset(): void;
  /** Stops the server, pending retries and in-flight deliveries. */
  close(): Promise<void>;
}

export async function startStripeEmulator(options: StripeEmulatorOptions): Promise<StripeEmulator> {
  if (!options.webhookSecret) throw new Error('startStripeEmulator: webhookSecret is required');
  const log = options.log ?? (() => {});
  const apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
  let config: EmulatorConfig = applyConfigPatch({ ...DEFAULT_DELIVERY, webhookUrl: null, enabledEvents: ['*'] }, { ...options.delivery, webhookUrl: options.webhookUrl ?? null });
  let baseUrl = '';

  const store = new StripeStore();
  const listenSessions = new ListenSessions((line) => log(line), options.listen);
  const listenWebsocket = new ListenWebsocket(listenSessions, (line) => log(line));
  const webhookEndpoints = new WebhookEndpoints();
  const dispatcher = new WebhookDispatcher({
    secret: options.webhookSecret,
    config: () => config,
    log,
    onDelivered: (event) => {
      event.pending_webhooks = Math.max(0, event.pending_webhooks - 1);
    },
  });
  const events = new EventLog(
    apiVersion,
    (eventType) => (isSubscribed(config, eventType) ? 1 : 0),
    (event) => {
      if (isSubscribed(config, event.type)) dispatcher.enqueue(event);
      listenSessions.publish(event);
    },
  );
  const paymentIntents = new PaymentIntentService(store, events, () => baseUrl);
  const idempotency = new IdempotencyStore();
  const api = new StripeApiRoutes(
    paymentIntents,
    events,
    idempotency,
    apiVersion,
    listenApiRoutes({ sessions: listenSessions, events, endpoints: webhookEndpoints, apiVersion, baseUrl: () => baseUrl }),
  );
  const startedAt = Date.now();

  const reset = () => {
    store.clear();
    events.clear();
    idempotency.clear();
    dispatcher.reset();
    webhookEndpoints.clear();
    listenSessions.clearHistory();
  };
  const setConfig = (next: EmulatorConfig) => {
    config = next;
  };

  const server = http.createServer((request, response) => {
    const started = Date.now();
    const requestId = newId('req');
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const operation = stripeOperationOf(method, url.pathname);
    const fault = operation ? options.faults?.({ operation, method, path: url.pathname }) : undefined;
    const dropConnection = () => {
      request.socket.destroy();
      log(`${method} ${url.pathname} connection dropped ${fault!.when === 'after' ? 'after the request ran' : 'before the request ran'} (fault) ${requestId}`);
    };
    readBody(request)
      .then(async (rawBody) => {
        if (url.pathname === '/_emulator/listen' || url.pathname.startsWith('/_emulator/listen/')) {
          return { reply: handleListenControl(listenSessions, method, url, request.headers['content-type'], rawBody), replayed: false };
        }
        if (fault?.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
        if (fault?.error && fault.when === 'before') {
          if (fault.error === 'connection_dropped') return { reply: null, replayed: false };
          return { reply: stripeFaultReply(fault.error, requestId), replayed: false };
        }
        if (url.pathname.startsWith('/_emulator/')) {
          return { reply: handleControl({ paymentIntents, events, dispatcher, getConfig: () => config, setConfig, reset, startedAt }, method, url, request.headers['content-type'], rawBody), replayed: false };
        }
        const outcome = api.handle({ method, url, headers: request.headers, rawBody, requestId });
        // After the work: the answer is lost (or replaced); an idempotent retry replays the saved one.
        if (fault?.error === 'connection_dropped') return { reply: null, replayed: outcome.replayed };
        if (fault?.error === 'api_error') return { reply: stripeFaultReply('api_error', requestId), replayed: outcome.replayed };
        return outcome;
      })
      .catch((error: unknown): { reply: HttpReply; replayed: boolean } => {
        if (error instanceof BodyTooLargeError) {
          return { reply: jsonReply(413, { error: { type: 'invalid_request_error', message: error.message } }, { 'Request-Id': requestId }), replayed: false };
        }
        log(`internal error on ${method} ${url.pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        return {
          reply: jsonReply(500, { error: { type: 'api_error', message: 'An unknown error occurred in the Stripe emulator.' } }, { 'Request-Id': requestId }),
          replayed: false,
        };
      })
      .then(({ reply, replayed }: { reply: HttpReply | null; replayed: boolean }) => {
        if (!reply) return dropConnection();
        sendReply(response, reply);
        // Path only: query strings can carry a client_secret.
        log(`${method} ${url.pathname} ${reply.status} ${requestId}${replayed ? ' (idempotent replay)' : ''}${fault?.error ? ` (fault ${fault.error})` : ''} ${Date.now() - started}ms`);
      });
  });

  server.on('upgrade', (request, socket, head) => listenWebsocket.handleUpgrade(request, socket, head));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
  log(`Stripe emulator listening on ${baseUrl}; webhooks ${config.webhookUrl ? `to ${new URL(config.webhookUrl).origin}` : 'not delivered (no URL)'}`);

  let closing: Promise<void> | null = null;
  return {
    url: baseUrl,
    port,
    getConfig: () => ({ ...config }),
    setConfig: (patch) => {
      config = applyConfigPatch(config, patch as Record<string, unknown>);
      return { ...config };
    },
    events: () => events.all(),
    deliveries: () => dispatcher.attemptsLog(),
    pendingDeliveries: () => dispatcher.pendingCount(),
    startWebhookOutage: (forSeconds) => dispatcher.startOutage(forSeconds * 1000),
    endWebhookOutage: () => dispatcher.endOutage(),
    webhookOutage: () => dispatcher.outage(),
    authenticate: (id, outcome) => paymentIntents.authenticate(id, outcome),
    listen: {
      sessions: () => listenSessions.list(),
      deliveries: () => listenSessions.history(),
      disconnect: (id) => listenSessions.disconnect(id),
      expire: (id) => listenSessions.expire(id),
    },
    reset,
    close: () => {
      closing ??= (async () => {
        listenWebsocket.close();
        listenSessions.close();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        // Keep-alive sockets of SDK clients would otherwise hold close() open.
        server.closeAllConnections();
        await Promise.all([stopped, dispatcher.close()]);
      })();
      return closing;
    },
  };
}
