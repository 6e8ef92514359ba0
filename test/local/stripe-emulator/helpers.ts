import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import type { StripeEmulator } from '../../../local/stripe-emulator/server';

export const API_KEY = 'sk_test_emulator_suite_key';
export const WEBHOOK_SECRET = 'whsec_test_emulator_suite_secret';

export function stripeFor(emulator: StripeEmulator, apiKey = API_KEY): Stripe {
  // No SDK retries: a test must see exactly what the emulator answered.
  return new Stripe(apiKey, { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
}

/** Polls until `probe` returns something truthy; fails with `what` after the deadline. */
export async function waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 3000): Promise<T> {
  // performance.now, not Date.now: some tests move the wall clock.
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface ReceivedWebhook {
  /** Path and query the delivery was POSTed to. */
  path: string;
  rawBody: string;
  headers: http.IncomingHttpHeaders;
  eventId: string;
  eventType: string;
  status: number;
}

/** Answers a delivery: a status code, or a promise of one (to hold the response open). */
export type Responder = (delivery: { eventId: string; eventType: string; index: number }) => number | Promise<number>;

export interface WebhookReceiver {
  url: string;
  /** `http://127.0.0.1:<port>`: deliveries to any path are received. */
  origin: string;
  received: ReceivedWebhook[];
  respondWith(responder: Responder): void;
  close(): Promise<void>;
}

/** A tiny HTTP server standing in for the saga's webhook endpoint; keeps the raw bytes. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let responder: Responder = () => 200;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const event = JSON.parse(rawBody) as { id: string; type: string };
      const index = received.length;
      void Promise.resolve(responder({ eventId: event.id, eventType: event.type, index })).then((status) => {
        received.push({ path: request.url ?? '/', rawBody, headers: request.headers, eventId: event.id, eventType: event.type, status });
        response.writeHead(status, { 'Content-Type': 'text/plain' });
        response.end(status < 300 ? 'ok' : 'nope');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    origin: `http://127.0.0.1:${port}`,
    received,
    respondWith: (next) => {
      responder = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Raw HTTP against the emulator, for what the SDK hides (headers, wire encoding, control endpoints). */
export async function rawRequest(
  emulator: StripeEmulator,
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string>; apiKey?: string | null } = {},
): Promise<{ status: number; headers: Headers; json: any }> {
  const headers: Record<string, string> = { ...options.headers };
  const apiKey = options.apiKey === undefined ? API_KEY : options.apiKey;
  if (apiKey !== null) headers.Authorization = `Bearer ${apiKey}`;
  if (options.body !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(`${emulator.url}${path}`, { method, headers, body: options.body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

export async function authenticate3ds(emulator: StripeEmulator, paymentIntentId: string, outcome: 'succeed' | 'fail') {
  return rawRequest(emulator, 'POST', `/_emulator/payment_intents/${paymentIntentId}/authenticate`, {
    body: JSON.stringify({ outcome }),
    headers: { 'Content-Type': 'application/json' },
    apiKey: null,
  });
}
