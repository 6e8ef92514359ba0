/** Signed, asynchronous, retried webhook delivery, and the knobs for adversarial tests. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '../../../local/stripe-emulator/server';
import { WEBHOOK_SECRET, rawRequest, startWebhookReceiver, stripeFor, waitFor, type WebhookReceiver } from './helpers';

let receiver: WebhookReceiver;
let emulator: StripeEmulator;
let stripe: Stripe;
const logLines: string[] = [];

beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.close());

beforeEach(async () => {
  receiver.received.length = 0;
  receiver.respondWith(() => 200);
  logLines.length = 0;
  emulator = await startStripeEmulator({
    webhookSecret: WEBHOOK_SECRET,
    webhookUrl: receiver.url,
    delivery: { retryBaseDelayMs: 10, maxAttempts: 4 },
    log: (line) => logLines.push(line),
  });
  stripe = stripeFor(emulator);
});
afterEach(async () => {
  jest.restoreAllMocks();
  await emulator.close();
});

const cardOnly = { automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const } };

function payWithVisa() {
  return stripe.paymentIntents.create({ amount: 1999, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, ...cardOnly });
}

it('delivers every event signed so that stripe.webhooks.constructEvent accepts it', async () => {
  const intent = await payWithVisa();
  await waitFor('three deliveries', () => receiver.received.length === 3);

  for (const delivery of receiver.received) {
    expect(delivery.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(delivery.headers['stripe-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = stripe.webhooks.constructEvent(delivery.rawBody, delivery.headers['stripe-signature'] as string, WEBHOOK_SECRET);
    expect(event.id).toBe(delivery.eventId);
    expect(event.data.object).toMatchObject({ object: expect.stringMatching(/^(payment_intent|charge)$/) });
  }
  expect(receiver.received.map((d) => d.eventType)).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
  const succeeded = JSON.parse(receiver.received[2].rawBody);
  expect(succeeded.data.object).toMatchObject({ id: intent.id, status: 'succeeded', latest_charge: intent.latest_charge });
  expect(succeeded.pending_webhooks).toBe(1);

  // A wrong secret or a tampered body must not verify: the signature really covers both.
  const first = receiver.received[0];
  const header = first.headers['stripe-signature'] as string;
  expect(() => stripe.webhooks.constructEvent(first.rawBody, header, 'whsec_someone_else')).toThrow(Stripe.errors.StripeSignatureVerificationError);
  expect(() => stripe.webhooks.constructEvent(first.rawBody.replace('1999', '1'), header, WEBHOOK_SECRET)).toThrow(Stripe.errors.StripeSignatureVerificationError);

  // Once delivered, the stored event has no pending webhooks left.
  await waitFor('pending_webhooks to reach 0', () => emulator.events().every((e) => e.pending_webhooks === 0));
  expect((await stripe.events.retrieve(succeeded.id)).pending_webhooks).toBe(0);
  // The log names events, never secrets.
  expect(logLines.join('\n')).not.toContain(WEBHOOK_SECRET);
  expect(logLines.join('\n')).not.toContain(intent.client_secret as string);
});

it('answers the API call without waiting for delivery', async () => {
  let release!: () => void;
  const held = new Promise<number>((resolve) => (release = () => resolve(200)));
  receiver.respondWith(() => held);

  const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
  expect(intent.status).toBe('requires_payment_method');
  expect(emulator.pendingDeliveries()).toBeGreaterThan(0);
  expect(emulator.deliveries()).toHaveLength(0);

  release();
  await waitFor('the held delivery to complete', () => emulator.deliveries().length === 1);
  expect(emulator.deliveries()[0]).toMatchObject({ statusCode: 200, attempt: 1, type: 'payment_intent.created' });
});

it('retries after a 500 with a fresh timestamp and signature, and records every attempt', async () => {
  const realNow = Date.now.bind(Date);
  // Between the attempts the wall clock jumps two minutes: the retry must be signed anew.
  const clock = jest.spyOn(Date, 'now');
  receiver.respondWith(({ index }) => {
    if (index === 0) clock.mockImplementation(() => realNow() + 120_000);
    return index === 0 ? 500 : 200;
  });
  const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
  await waitFor('a successful retry', () => emulator.deliveries().some((a) => a.statusCode === 200));

  expect(receiver.received.map((d) => d.status)).toEqual([500, 200]);
  expect(receiver.received[0].eventId).toBe(receiver.received[1].eventId);
  const [firstStamp, retryStamp] = receiver.received.map((d) => Number(/^t=(\d+),/.exec(d.headers['stripe-signature'] as string)![1]));
  expect(retryStamp - firstStamp).toBeGreaterThanOrEqual(119);
  expect(receiver.received[1].headers['stripe-signature']).not.toBe(receiver.received[0].headers['stripe-signature']);
  const retry = receiver.received[1];
  expect(() => stripe.webhooks.constructEvent(retry.rawBody, retry.headers['stripe-signature'] as string, WEBHOOK_SECRET)).not.toThrow();
  const attempts = emulator.deliveries();
  expect(attempts).toEqual([
    expect.objectContaining({ attempt: 1, statusCode: 500, nextRetryInMs: 10, type: 'payment_intent.created', url: receiver.url, responseBody: 'nope' }),
    expect.objectContaining({ attempt: 2, statusCode: 200, nextRetryInMs: null, responseBody: 'ok' }),
  ]);
  expect(attempts[0].deliveryId).toBe(attempts[1].deliveryId);
  const listed = await rawRequest(emulator, 'GET', `/_emulator/deliveries?event_id=${attempts[0].eventId}`, { apiKey: null });
  expect(listed.json.data).toHaveLength(2);
  expect((await stripe.events.retrieve(attempts[0].eventId)).data.object).toMatchObject({ id: intent.id });
});

it("records each attempt's latency and response body, the body cut at 2 KB", async () => {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'BAD', message: 'x'.repeat(5000) } })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    emulator.setConfig({ webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`, maxAttempts: 1 });
    await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    const [attempt] = await waitFor('the attempt', () => emulator.deliveries().length === 1 && emulator.deliveries());
    expect(attempt).toMatchObject({ statusCode: 400, durationMs: expect.any(Number) });
    expect(attempt.responseBody).toMatch(/^\{"error":\{"code":"BAD","message":"x+/);
    expect(Buffer.byteLength(attempt.responseBody!)).toBeLessThanOrEqual(2048 + '… (truncated)'.length * 3);
    expect(attempt.responseBody).toMatch(/… \(truncated\)$/);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

it('backs off exponentially and gives up after maxAttempts when the endpoint is down', async () => {
  const down = await startWebhookReceiver();
  const downUrl = down.url;
  await down.close(); // nothing listens there any more: connection refused
  emulator.setConfig({ webhookUrl: downUrl, maxAttempts: 3, retryBaseDelayMs: 5 });

  await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
  await waitFor('three failed attempts', () => emulator.deliveries().length === 3 && emulator.pendingDeliveries() === 0);
  const attempts = emulator.deliveries();
  expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
  expect(attempts.map((a) => a.nextRetryInMs)).toEqual([5, 10, null]);
  expect(attempts.every((a) => a.statusCode === null && a.error !== null)).toBe(true);
  expect(emulator.events()[0].pending_webhooks).toBe(1);
});

it('delivers each event N extra times with the duplicateDeliveries knob', async () => {
  const config = await rawRequest(emulator, 'POST', '/_emulator/config', {
    body: JSON.stringify({ duplicateDeliveries: 2 }),
    headers: { 'Content-Type': 'application/json' },
    apiKey: null,
  });
  expect(config.json.duplicateDeliveries).toBe(2);

  await payWithVisa();
  await waitFor('nine deliveries', () => emulator.deliveries().length === 9);
  const byEvent = new Map<string, number>();
  for (const d of receiver.received) byEvent.set(d.eventId, (byEvent.get(d.eventId) ?? 0) + 1);
  expect([...byEvent.values()]).toEqual([3, 3, 3]);
  expect(emulator.deliveries().map((a) => a.copy).sort()).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
});

it('holds events and delivers them newest first with the reorderDeliveries knob', async () => {
  emulator.setConfig({ reorderDeliveries: true, reorderWindowMs: 50 });
  await payWithVisa();
  await waitFor('three deliveries', () => receiver.received.length === 3);
  expect(receiver.received.map((d) => d.eventType)).toEqual(['payment_intent.succeeded', 'charge.succeeded', 'payment_intent.created']);
});

it('stores events without delivering them when no webhook URL is configured', async () => {
  emulator.setConfig({ webhookUrl: null });
  await payWithVisa();
  expect(emulator.events()).toHaveLength(3);
  expect(emulator.events().every((e) => e.pending_webhooks === 0)).toBe(true);
  expect(emulator.pendingDeliveries()).toBe(0);
  expect(emulator.deliveries()).toHaveLength(0);
  expect(receiver.received).toHaveLength(0);
});

it('sends only the enabled event types, recording the others with pending_webhooks 0 (the enabledEvents knob)', async () => {
  emulator.setConfig({ enabledEvents: ['payment_intent.succeeded', 'charge.failed'] });
  await payWithVisa();
  await waitFor('the one subscribed delivery', () => receiver.received.length === 1 && emulator.pendingDeliveries() === 0);
  expect(receiver.received.map((d) => d.eventType)).toEqual(['payment_intent.succeeded']);
  expect(emulator.events().map((e) => [e.type, e.pending_webhooks])).toEqual([
    ['payment_intent.created', 0],
    ['charge.succeeded', 0],
    ['payment_intent.succeeded', 0],
  ]);

  // From a form, as a comma-separated list; malformed lists are refused and change nothing.
  const form = await rawRequest(emulator, 'POST', '/_emulator/config', {
    body: 'enabledEvents=payment_intent.created%2C*',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    apiKey: null,
  });
  expect(form.json.enabledEvents).toEqual(['payment_intent.created', '*']);
  for (const bad of [[], 'not an event', [42]]) {
    expect(() => emulator.setConfig({ enabledEvents: bad as never })).toThrow(/enabledEvents/);
  }
  expect(emulator.getConfig().enabledEvents).toEqual(['payment_intent.created', '*']);
});

it('resends an event on request', async () => {
  const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
  await waitFor('the first delivery', () => receiver.received.length === 1);
  const eventId = receiver.received[0].eventId;

  const resent = await rawRequest(emulator, 'POST', `/_emulator/events/${eventId}/resend`, { apiKey: null });
  expect(resent.status).toBe(200);
  await waitFor('the resent delivery', () => emulator.deliveries().length === 2);
  expect(receiver.received[1].eventId).toBe(eventId);
  expect(JSON.parse(receiver.received[1].rawBody).data.object.id).toBe(intent.id);
  expect(emulator.deliveries().map((a) => a.resend)).toEqual([false, true]);
  expect((await rawRequest(emulator, 'POST', '/_emulator/events/evt_nope/resend', { apiKey: null })).status).toBe(404);
});

it('reports health and validates configuration changes', async () => {
  const health = await rawRequest(emulator, 'GET', '/_emulator/health', { apiKey: null });
  expect(health.json).toMatchObject({ status: 'ok', webhookUrlConfigured: true, events: 0 });
  const bad = await rawRequest(emulator, 'POST', '/_emulator/config', {
    body: JSON.stringify({ maxAttempts: 0 }),
    headers: { 'Content-Type': 'application/json' },
    apiKey: null,
  });
  expect(bad.status).toBe(400);
  expect(() => emulator.setConfig({ webhookUrl: 'ftp://example.com' })).toThrow(/http/);
  const current = await rawRequest(emulator, 'GET', '/_emulator/config', { apiKey: null });
  expect(current.json).toEqual(emulator.getConfig());
  expect(JSON.stringify(current.json)).not.toContain(WEBHOOK_SECRET);
});

it('stops pending retries on close', async () => {
  receiver.respondWith(() => 500);
  emulator.setConfig({ retryBaseDelayMs: 60_000, maxAttempts: 5 });
  await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
  await waitFor('the first failed attempt', () => emulator.deliveries().length === 1);
  expect(emulator.pendingDeliveries()).toBe(1);
  await emulator.close();
  expect(emulator.pendingDeliveries()).toBe(0);
  // close() is idempotent, so afterEach may call it again.
});

describe('webhook outage knob', () => {
  it('fails every attempt while the outage lasts, as a refused connection, then the scheduled retries deliver', async () => {
    emulator.setConfig({ retryBaseDelayMs: 50, maxAttempts: 10 });
    const started = await rawRequest(emulator, 'POST', '/_emulator/webhooks/outage', {
      body: JSON.stringify({ forSeconds: 60 }),
      headers: { 'Content-Type': 'application/json' },
      apiKey: null,
    });
    expect(started.status).toBe(200);
    expect(started.json).toMatchObject({ active: true, droppedAttempts: 0, endsAt: expect.any(String) });

    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    // Two attempts dropped while the outage lasts, then the endpoint comes back (the outage ends).
    await waitFor('two dropped attempts', () => emulator.webhookOutage().droppedAttempts >= 2, 5000);
    expect(receiver.received).toHaveLength(0);
    emulator.endWebhookOutage();
    await waitFor('a delivery after the outage, recorded', () => receiver.received.length === 1 && emulator.deliveries().some((a) => a.statusCode === 200), 5000);

    // Nothing reached the endpoint during the outage; the attempts made then failed with no status.
    const attempts = emulator.deliveries();
    const dropped = attempts.filter((a) => a.statusCode === null);
    expect(dropped.length).toBeGreaterThanOrEqual(2);
    expect(dropped.every((a) => a.error === 'connect ECONNREFUSED (emulated webhook outage)' && a.nextRetryInMs !== null)).toBe(true);
    expect(attempts[attempts.length - 1]).toMatchObject({ statusCode: 200, attempt: dropped.length + 1 });
    expect(receiver.received[0].eventId).toBe(emulator.events()[0].id);
    expect((emulator.events()[0].data.object as { id: string }).id).toBe(intent.id);
    const state = await rawRequest(emulator, 'GET', '/_emulator/webhooks/outage', { apiKey: null });
    expect(state.json).toMatchObject({ active: false, droppedAttempts: dropped.length });
  });

  it('ends by itself after forSeconds', async () => {
    emulator.startWebhookOutage(0.2);
    expect(emulator.webhookOutage().active).toBe(true);
    await waitFor('the outage to end by itself', () => !emulator.webhookOutage().active, 5000);
  });

  it('ends early on DELETE, and refuses a bad duration with a 400 naming the parameter', async () => {
    emulator.startWebhookOutage(60);
    expect(emulator.webhookOutage().active).toBe(true);
    const ended = await rawRequest(emulator, 'DELETE', '/_emulator/webhooks/outage', { apiKey: null });
    expect(ended.json).toMatchObject({ active: false });
    await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    // The emulator records an attempt once the endpoint's answer is read, after the receiver saw it.
    await waitFor('the delivery, recorded', () => receiver.received.length === 1 && emulator.deliveries().length === 1);
    expect(emulator.deliveries()).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200 })]);

    for (const body of [{}, { forSeconds: 0 }, { forSeconds: -5 }, { forSeconds: 'soon' }, { forSeconds: 86_401 }]) {
      const refused = await rawRequest(emulator, 'POST', '/_emulator/webhooks/outage', {
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json' },
        apiKey: null,
      });
      expect(refused.status).toBe(400);
      expect(refused.json.error).toMatchObject({ code: 'parameter_invalid', param: 'forSeconds', message: expect.stringContaining('forSeconds') });
    }
    expect(emulator.webhookOutage().active).toBe(false);
  });
});
