/**
 * `stripe listen` against the emulator, with the real Stripe CLI binary (v1.52.0): sessions, the
 * websocket, signing, `--events`, concurrent sessions, `-a` with the Webhook Endpoints API,
 * `stripe events resend`, reconnects and expiry, and what a forged session id gets.
 * One emulator for the file; each test starts its own CLIs and receivers and stops them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { printListenSecret, startStripeListen, type RunningStripeListen } from '../../../local/stripe-cli/listen';
import { ListenSessions } from '../../../local/stripe-emulator/listen-sessions';
import { startStripeEmulator, type ListenDelivery, type StripeEmulator } from '../../../local/stripe-emulator/server';
import { pollUntil } from '../../support/poll';
import { stripeCliPath } from '../../support/stripe-cli';
import { API_KEY, WEBHOOK_SECRET, rawRequest, startWebhookReceiver, stripeFor, type WebhookReceiver } from './helpers';

const CLI = stripeCliPath() ?? '';
if (!CLI && `${process.platform}-${process.arch}` === 'linux-x64') throw new Error('Stripe CLI binary missing: run npm ci');

let emulator: StripeEmulator;
let cliHome: string;
const running: Array<RunningStripeListen | WebhookReceiver> = [];

beforeAll(async () => {
  emulator = await startStripeEmulator({ webhookSecret: WEBHOOK_SECRET });
  cliHome = await mkdtemp(path.join(tmpdir(), 'stripe-listen-test-'));
});
afterAll(async () => {
  await emulator?.close();
  if (cliHome) await rm(cliHome, { recursive: true, force: true });
});
afterEach(async () => {
  for (const started of running.splice(0).reverse()) await started.close();
});

async function receiver(): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver();
  running.push(started);
  return started;
}

async function listen(forwardTo: string, events: string[], options: { useConfiguredWebhooks?: boolean; apiKey?: string } = {}): Promise<RunningStripeListen> {
  const cli = await startStripeListen({
    binary: CLI,
    apiKey: options.apiKey ?? API_KEY,
    apiBase: emulator.url,
    events,
    forwardTo,
    useConfiguredWebhooks: options.useConfiguredWebhooks,
    log: () => undefined,
  });
  running.push(cli);
  return cli;
}

/** A PaymentIntent paid with visa: payment_intent.created, charge.succeeded, payment_intent.succeeded. */
async function paidIntent(): Promise<string> {
  const intent = await stripeFor(emulator).paymentIntents.create({
    amount: 2000,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    confirm: true,
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
  });
  return intent.id;
}

function eventsOf(paymentIntentId: string) {
  return emulator.events().filter((event) => {
    const object = event.data.object as { id: string; payment_intent?: string };
    return object.id === paymentIntentId || object.payment_intent === paymentIntentId;
  });
}

function sentTo(sessionId: string, eventIds: string[]): ListenDelivery[] {
  return emulator.listen.deliveries().filter((d) => d.sessionId === sessionId && eventIds.includes(d.eventId));
}

function liveSessionIds(): string[] {
  return emulator.listen.sessions().filter((s) => s.state === 'live' && s.connected).map((s) => s.id);
}

function stripeCli(args: string[], target = emulator): Promise<{ exitCode: number; output: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: cliHome, XDG_CONFIG_HOME: cliHome, STRIPE_CLI_TELEMETRY_OPTOUT: '1' };
  return new Promise((resolve) => {
    execFile(CLI, [...args, '--api-base', target.url, '--api-key', API_KEY], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : -1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

test('--print-secret is stable per key, and is the secret the listening CLI reports and the emulator signs with', async () => {
  const first = await printListenSecret({ binary: CLI, apiKey: API_KEY, apiBase: emulator.url });
  const second = await printListenSecret({ binary: CLI, apiKey: API_KEY, apiBase: emulator.url });
  expect(first).toMatch(/^whsec_[0-9a-f]{64}$/);
  expect(second).toBe(first);
  expect(await printListenSecret({ binary: CLI, apiKey: 'sk_test_another_key_123456', apiBase: emulator.url })).not.toBe(first);

  const target = await receiver();
  const cli = await listen(target.url, ['payment_intent.succeeded']);
  expect(cli.secret).toBe(first);
  await paidIntent();
  const [delivery] = await pollUntil('one forwarded event', () => (target.received.length === 1 ? target.received : undefined));
  expect(stripeFor(emulator).webhooks.constructEvent(delivery.rawBody, delivery.headers['stripe-signature'] as string, first).id).toBe(delivery.eventId);
});

test('--events: only the listed types are forwarded; every event is acked; the responses are recorded with status, body and latency', async () => {
  const target = await receiver();
  const cli = await listen(target.url, ['payment_intent.succeeded', 'payment_intent.canceled']);
  const [sessionId] = liveSessionIds();
  const paid = await paidIntent();
  const canceled = (await stripeFor(emulator).paymentIntents.create({ amount: 1500, currency: 'usd', payment_method_types: ['card'] } as any)).id;
  await stripeFor(emulator).paymentIntents.cancel(canceled);
  const eventIds = [...eventsOf(paid), ...eventsOf(canceled)].map((event) => event.id);
  expect(eventIds).toHaveLength(5);

  const deliveries = await pollUntil('every event acked and the forwarded ones answered', () => sentTo(sessionId, eventIds), {
    accept: (ds) => ds.length === 5 && ds.every((d) => d.ackedAt !== null) && ds.filter((d) => d.responses.length > 0).length === 2,
  });
  expect(target.received.map((r) => r.eventType).sort()).toEqual(['payment_intent.canceled', 'payment_intent.succeeded']);
  for (const received of target.received) {
    // Signed by the emulator with the session's secret: the CLI signs nothing.
    expect(stripeFor(emulator).webhooks.constructEvent(received.rawBody, received.headers['stripe-signature'] as string, cli.secret).id).toBe(received.eventId);
    expect(received.headers['content-type']).toBe('application/json; charset=utf-8');
  }
  const answered = deliveries.filter((d) => d.responses.length > 0);
  for (const delivery of answered) {
    expect(delivery.responses).toEqual([{ forwardUrl: target.url, status: 200, body: 'ok', latencyMs: expect.any(Number), at: expect.any(String) }]);
  }
  // The same record over HTTP.
  const overHttp = await rawRequest(emulator, 'GET', `/_emulator/listen/deliveries?session_id=${sessionId}&type=payment_intent.succeeded`, { apiKey: null });
  expect(overHttp.json.data.map((d: ListenDelivery) => d.eventId)).toContain(answered.find((d) => d.type === 'payment_intent.succeeded')!.eventId);
});

test('a response other than 2xx is recorded as the CLI reports it', async () => {
  const target = await receiver();
  target.respondWith(() => 500);
  await listen(target.url, ['payment_intent.succeeded']);
  const paid = await paidIntent();
  const succeeded = eventsOf(paid).find((event) => event.type === 'payment_intent.succeeded')!;
  const [delivery] = await pollUntil('the 500 reported', () => emulator.listen.deliveries().filter((d) => d.eventId === succeeded.id && d.responses.length > 0), {
    accept: (ds) => ds.length === 1,
  });
  expect(delivery.responses[0]).toMatchObject({ status: 500, body: 'nope' });
});

test('two concurrent sessions each receive every event they asked for', async () => {
  const [first, second] = [await receiver(), await receiver()];
  await listen(first.url, ['payment_intent.succeeded']);
  await listen(second.url, ['payment_intent.created', 'payment_intent.succeeded']);
  expect(liveSessionIds()).toHaveLength(2);
  const paid = await paidIntent();
  const types = (r: WebhookReceiver) => r.received.filter((d) => eventsOf(paid).some((e) => e.id === d.eventId)).map((d) => d.eventType).sort();
  await pollUntil('both sessions forwarded their events', () => types(first).length === 1 && types(second).length === 2);
  expect(types(first)).toEqual(['payment_intent.succeeded']);
  expect(types(second)).toEqual(['payment_intent.created', 'payment_intent.succeeded']);
});

test('-a routes each event to the configured webhook endpoints that enable it (Webhook Endpoints API)', async () => {
  const stripe = stripeFor(emulator);
  const a = await stripe.webhookEndpoints.create({ url: 'https://shop.example/hooks/a?x=1', enabled_events: ['payment_intent.succeeded'] });
  const b = await stripe.webhookEndpoints.create({ url: 'https://shop.example/hooks/b', enabled_events: ['*'] });
  const c = await stripe.webhookEndpoints.create({ url: 'https://shop.example/hooks/c', enabled_events: ['*'] });
  await stripe.webhookEndpoints.update(c.id, { disabled: true });
  try {
    const target = await receiver();
    await listen(`${target.origin}/base`, ['payment_intent.created', 'payment_intent.succeeded'], { useConfiguredWebhooks: true });
    const paid = await paidIntent();
    const succeeded = eventsOf(paid).find((event) => event.type === 'payment_intent.succeeded')!;
    await pollUntil('three forwards', () => target.received.length === 3);
    expect(target.received.map((r) => `${r.path} ${r.eventType}`).sort()).toEqual([
      '/base/hooks/a?x=1 payment_intent.succeeded',
      '/base/hooks/b payment_intent.created',
      '/base/hooks/b payment_intent.succeeded',
    ]);
    // One event, two routes: two responses on one delivery.
    const [delivery] = await pollUntil('both responses recorded', () => emulator.listen.deliveries().filter((d) => d.eventId === succeeded.id), {
      accept: (ds) => ds.length === 1 && ds[0].responses.length === 2,
    });
    expect(delivery.responses.map((r) => r.forwardUrl).sort()).toEqual([`${target.origin}/base/hooks/a?x=1`, `${target.origin}/base/hooks/b`]);
  } finally {
    for (const endpoint of [a, b, c]) await stripe.webhookEndpoints.del(endpoint.id);
  }
});

test('stripe events resend <evt> re-delivers the event to the open sessions', async () => {
  const target = await receiver();
  await listen(target.url, ['payment_intent.succeeded']);
  const paid = await paidIntent();
  const succeeded = eventsOf(paid).find((event) => event.type === 'payment_intent.succeeded')!;
  await pollUntil('the first forward', () => target.received.length === 1);

  const result = await stripeCli(['events', 'resend', succeeded.id]);
  expect(result.exitCode).toBe(0);
  expect(JSON.parse(result.output.slice(result.output.indexOf('{')))).toMatchObject({ id: succeeded.id, object: 'event' });
  await pollUntil('the resent forward', () => target.received.length === 2);
  expect(target.received.map((r) => r.eventId)).toEqual([succeeded.id, succeeded.id]);
  expect(emulator.listen.deliveries().filter((d) => d.eventId === succeeded.id).map((d) => d.resend)).toEqual([false, true]);
});

test('stripe events resend with no session open is refused', async () => {
  // An emulator no CLI ever listened to (the sessions of the other tests stay open a while after their CLI stops).
  const quiet = await startStripeEmulator({ webhookSecret: WEBHOOK_SECRET });
  try {
    await stripeFor(quiet).paymentIntents.create({ amount: 2000, currency: 'usd' });
    const [event] = quiet.events();
    const result = await stripeCli(['events', 'resend', event.id], quiet);
    // The CLI prints the API's error (and exits 0, as for any API error of a resource command).
    expect(JSON.parse(result.output.slice(result.output.indexOf('{'))).error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('No `stripe listen` session is open') });
  } finally {
    await quiet.close();
  }
});

test('an event created while the CLI reconnects is kept and delivered once, on the new connection', async () => {
  const target = await receiver();
  await listen(target.url, ['payment_intent.succeeded']);
  const [sessionId] = liveSessionIds();
  const dropped = await rawRequest(emulator, 'POST', `/_emulator/listen/sessions/${sessionId}/disconnect`, { apiKey: null });
  expect(dropped.status).toBe(200);
  // The CLI redials about a second later with the same session.
  const paid = await paidIntent();
  const createdWhileAway = emulator.listen.sessions().find((s) => s.id === sessionId)!;
  const succeeded = eventsOf(paid).find((event) => event.type === 'payment_intent.succeeded')!;

  await pollUntil('the event forwarded after the reconnect', () => target.received.length === 1);
  const session = await pollUntil('the reconnected session', () => emulator.listen.sessions().find((s) => s.id === sessionId && s.connections === 2 && s.unacked === 0));
  expect(createdWhileAway.connected).toBe(false);
  const [delivery] = sentTo(sessionId, [succeeded.id]);
  expect(Date.parse(delivery.createdAt)).toBeLessThanOrEqual(Date.parse(session.lastConnectedAt!));
  expect(delivery).toMatchObject({ sends: 1, ackedAt: expect.any(String) });
  expect(target.received.map((r) => r.eventId)).toEqual([succeeded.id]);
  expect(liveSessionIds()).toEqual([sessionId]);
});

test('an expired session is refused with "Unknown WebSocket ID.": the CLI starts a new session and nothing is lost', async () => {
  const target = await receiver();
  await listen(target.url, ['payment_intent.succeeded']);
  const [expiredId] = liveSessionIds();
  expect((await rawRequest(emulator, 'POST', `/_emulator/listen/sessions/${expiredId}/expire`, { apiKey: null })).status).toBe(200);
  const paid = await paidIntent();
  const succeeded = eventsOf(paid).find((event) => event.type === 'payment_intent.succeeded')!;

  // The CLI waits 10 s after the refusal, then creates its new session.
  const [renewedId] = await pollUntil('a new live session', () => liveSessionIds().filter((id) => id !== expiredId), { timeoutMs: 30_000, accept: (ids) => ids.length === 1 });
  await pollUntil('the event forwarded by the new session', () => target.received.length === 1);
  expect(target.received[0].eventId).toBe(succeeded.id);
  expect(sentTo(renewedId, [succeeded.id])).toEqual([expect.objectContaining({ sends: 1, ackedAt: expect.any(String) })]);
  expect(emulator.listen.sessions().map((s) => s.id)).not.toContain(expiredId);
});

describe('the websocket refuses what is not a live session', () => {
  function dial(headers: Record<string, string>, pathname = '/stripecli/websocket'): Promise<{ status: number; body: string } | 'open'> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${emulator.url.replace('http', 'ws')}${pathname}?websocket_feature=webhooks`, 'stripecli-devproxy-v1', { headers });
      socket.on('open', () => {
        socket.close();
        resolve('open');
      });
      socket.on('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      socket.on('error', (error) => {
        if (!/Unexpected server response/.test(error.message)) reject(error);
      });
    });
  }

  test('a forged, missing or expired id gets the answer that makes the CLI start a new session; a live one connects', async () => {
    const refusal = { status: 400, body: JSON.stringify({ error: { message: 'Unknown WebSocket ID.' } }) };
    expect(await dial({ 'Websocket-Id': 'cliws_forged0000000000000000000' })).toEqual(refusal);
    expect(await dial({})).toEqual(refusal);

    const created = await rawRequest(emulator, 'POST', '/v1/stripecli/sessions', { body: 'device_name=test&websocket_features[]=webhooks' });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      websocket_url: `${emulator.url.replace('http', 'ws')}/stripecli/websocket`,
      websocket_id: expect.stringMatching(/^cliws_/),
      websocket_authorized_feature: 'webhooks',
      secret: ListenSessions.secretFor(API_KEY),
      reconnect_delay: 60,
    });
    expect(await dial({ 'Websocket-Id': created.json.websocket_id })).toBe('open');
    emulator.listen.expire(created.json.websocket_id);
    expect(await dial({ 'Websocket-Id': created.json.websocket_id })).toEqual(refusal);
    expect(await dial({ 'Websocket-Id': created.json.websocket_id }, '/elsewhere')).toMatchObject({ status: 404 });
  });

  test('sessions need a test key like every API call', async () => {
    const refused = await rawRequest(emulator, 'POST', '/v1/stripecli/sessions', { body: 'device_name=test', apiKey: 'sk_live_123456789012345' });
    expect(refused.status).toBe(401);
    const badFeature = await rawRequest(emulator, 'POST', '/v1/stripecli/sessions', { body: 'websocket_features[]=everything' });
    expect(badFeature.status).toBe(400);
  });
});

test('Webhook Endpoints API: create (with its secret), list, retrieve, update, delete', async () => {
  const stripe = stripeFor(emulator);
  const created = await stripe.webhookEndpoints.create({ url: 'https://shop.example/webhooks/stripe', enabled_events: ['payment_intent.succeeded'], description: 'shop' });
  expect(created).toMatchObject({ object: 'webhook_endpoint', status: 'enabled', enabled_events: ['payment_intent.succeeded'], secret: expect.stringMatching(/^whsec_/), application: null });
  const retrieved = await stripe.webhookEndpoints.retrieve(created.id);
  expect(retrieved.secret).toBeUndefined();
  const updated = await stripe.webhookEndpoints.update(created.id, { enabled_events: ['*'], disabled: true, url: 'https://shop.example/v2' });
  expect(updated).toMatchObject({ enabled_events: ['*'], status: 'disabled', url: 'https://shop.example/v2', description: 'shop' });
  expect((await stripe.webhookEndpoints.list({ limit: 30 })).data.map((e) => e.id)).toContain(created.id);
  expect(await stripe.webhookEndpoints.del(created.id)).toEqual({ id: created.id, object: 'webhook_endpoint', deleted: true });
  await expect(stripe.webhookEndpoints.retrieve(created.id)).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
  await expect(stripe.webhookEndpoints.create({ url: 'not a url', enabled_events: ['*'] })).rejects.toMatchObject({ statusCode: 400, param: 'url' });
  await expect(stripe.webhookEndpoints.create({ url: 'https://x.example', enabled_events: ['not an event' as any] })).rejects.toMatchObject({ statusCode: 400, param: 'enabled_events' });
});

test('listen control routes: bad input is a 4xx with a code and a message', async () => {
  const unknownSession = await rawRequest(emulator, 'POST', '/_emulator/listen/sessions/cliws_nope/expire', { apiKey: null });
  expect(unknownSession.status).toBe(404);
  expect(unknownSession.json.error).toMatchObject({ code: 'session_not_found', message: expect.stringContaining('cliws_nope') });
  const json = { 'Content-Type': 'application/json' };
  const badDelay = await rawRequest(emulator, 'POST', '/_emulator/listen/config', { body: JSON.stringify({ reconnectDelaySeconds: 0 }), headers: json, apiKey: null });
  expect(badDelay.status).toBe(400);
  expect(badDelay.json.error.code).toBe('invalid_setting');
  const unknownSetting = await rawRequest(emulator, 'POST', '/_emulator/listen/config', { body: JSON.stringify({ speed: 1 }), headers: json, apiKey: null });
  expect(unknownSetting.json.error.code).toBe('unknown_setting');
  const notJson = await rawRequest(emulator, 'POST', '/_emulator/listen/config', { body: '{', headers: json, apiKey: null });
  expect(notJson.status).toBe(400);
  const fine = await rawRequest(emulator, 'POST', '/_emulator/listen/config', { body: JSON.stringify({ reconnectDelaySeconds: 120 }), headers: json, apiKey: null });
  expect(fine.json.settings).toEqual({ reconnectDelaySeconds: 120 });
  await rawRequest(emulator, 'POST', '/_emulator/listen/config', { body: JSON.stringify({ reconnectDelaySeconds: 60 }), headers: json, apiKey: null });
});
