/**
 * End-to-end for the Stripe webhook endpoint of the local cloud: forged or damaged deliveries are
 * refused and change nothing, and the official Stripe CLI's trigger fixtures (events of
 * PaymentIntents that belong to no order) are accepted with 2xx and ignored.
 * The scenarios run one after the other: the CLI check counts events created during its run.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startE2e, type E2e, type HttpReply, type OrderView } from './support/harness';
import { pollUntil } from '../support/poll';

import { stripeCliPath } from '../support/stripe-cli';
import { paymentIntentEventEnvelope } from '../support/stripe-events';
import { HANDLED_EVENT_TYPES } from '../../src/domain/webhook-decision';

const CLI = stripeCliPath() ?? '';
if (!CLI && `${process.platform}-${process.arch}` === 'linux-x64') throw new Error('Stripe CLI binary missing: run npm ci');
let e2e: E2e;
let cliHome: string;

beforeAll(async () => {
  e2e = await startE2e();
  cliHome = await mkdtemp(path.join(tmpdir(), 'e2e-stripe-cli-home-'));
});
afterAll(async () => {
  await e2e?.close();
  if (cliHome) await rm(cliHome, { recursive: true, force: true });
});

const statuses = (order: OrderView) => order.history.map((entry) => entry.status);

function postWebhook(body: string, signature?: string): Promise<HttpReply> {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (signature !== undefined) headers['stripe-signature'] = signature;
  return e2e.request('POST', '/webhooks/stripe', { body, headers });
}

/** An event as Stripe would send it for the order's PaymentIntent. */
function paymentIntentEvent(type: string, intent: Record<string, unknown>): string {
  return JSON.stringify(paymentIntentEventEnvelope(type, intent));
}

test('unsigned, tampered, wrongly signed or stale webhooks are refused with 400 and change nothing', async () => {
  const { order, paymentIntentId } = await e2e.checkoutAwaitingPayment([{ sku: 'TSHIRT-BLUE-M', quantity: 1 }]);
  const executionsBefore = await e2e.executionCount();
  const secret = e2e.cloud.stripe.webhookSecret;
  const sign = (payload: string, options: { secret?: string; timestamp?: number } = {}) =>
    e2e.stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? secret, timestamp: options.timestamp });

  // The forgery that matters: "the order's payment succeeded".
  const succeeded = paymentIntentEvent('payment_intent.succeeded', {
    id: paymentIntentId,
    amount: order.amounts.total,
    amount_received: order.amounts.total,
    currency: order.amounts.currency,
    status: 'succeeded',
    metadata: { orderId: order.orderId },
  });
  const cheap = succeeded.replace(`"amount_received":${order.amounts.total}`, '"amount_received":1');
  expect(cheap).not.toBe(succeeded);

  const attempts: Array<[string, Promise<HttpReply>]> = [
    ['unsigned', postWebhook(succeeded)],
    ['empty signature', postWebhook(succeeded, '')],
    ['garbage signature', postWebhook(succeeded, 't=1,v1=deadbeef')],
    ['wrong secret', postWebhook(succeeded, sign(succeeded, { secret: 'whsec_not_the_right_secret' }))],
    ['tampered body (signature of another body)', postWebhook(succeeded, sign(cheap))],
    ['stale timestamp (10 minutes old)', postWebhook(succeeded, sign(succeeded, { timestamp: Math.floor(Date.now() / 1000) - 600 }))],
    ['not JSON, unsigned', postWebhook('not json at all')],
  ];
  for (const [what, reply] of attempts) {
    const { status, body } = await reply;
    expect({ what, status, code: body?.error?.code }).toEqual({ what, status: 400, code: 'INVALID_SIGNATURE' });
  }

  // Nothing moved: same status and history, the wait still open, no alert, no new execution.
  const after = await e2e.order(order.orderId);
  expect(after.status).toBe('AWAITING_PAYMENT');
  expect(after.history).toEqual(order.history);
  expect(after.payment).toEqual(order.payment);
  expect((await e2e.stripe.paymentIntents.retrieve(paymentIntentId)).status).toBe('requires_payment_method');
  expect(await e2e.opsAlerts(order.orderId)).toEqual([]);
  expect(await e2e.executionCount()).toBe(executionsBefore);

  // Only POST exists.
  expect((await e2e.request('GET', '/webhooks/stripe')).status).toBe(404);

  // Control: the same route with a valid signature is processed (here a harmless decline), so the
  // 400s above came from the signature check.
  const declined = paymentIntentEvent('payment_intent.payment_failed', {
    id: paymentIntentId,
    amount: order.amounts.total,
    currency: order.amounts.currency,
    status: 'requires_payment_method',
    last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
    metadata: { orderId: order.orderId },
  });
  const accepted = await postWebhook(declined, sign(declined));
  expect(accepted.status).toBe(200);
  expect(accepted.body).toMatchObject({ received: true, action: 'RECORD_DECLINE' });
  const recorded = await e2e.order(order.orderId);
  expect(recorded.status).toBe('AWAITING_PAYMENT');
  expect(recorded.payment.lastError).toMatchObject({ code: 'card_declined', declineCode: 'insufficient_funds' });
  expect(statuses(recorded)).toEqual(['PENDING', 'AWAITING_PAYMENT']);

  // Leave nothing waiting.
  expect((await e2e.cancel(order.orderId)).status).toBe(202);
  await e2e.waitForStatus(order.orderId, 'CANCELED');
});

interface CliResult {
  exitCode: number;
  output: string;
}

/** Asynchronous on purpose: the emulator and the local cloud run in this process and must keep answering. */
function stripeCli(args: string[]): Promise<CliResult> {
  const env = { PATH: process.env.PATH ?? '', HOME: cliHome, XDG_CONFIG_HOME: cliHome, STRIPE_CLI_TELEMETRY_OPTOUT: '1' };
  return new Promise((resolve) => {
    execFile(
      CLI,
      [...args, '--api-base', e2e.stripeApiBase, '--api-key', e2e.cloud.stripe.secretKey],
      { env, timeout: 30_000 },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ exitCode, output: `${stdout}${stderr}` });
      },
    );
  });
}

async function allEventIds(): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const event of e2e.stripe.events.list({ limit: 100 })) ids.add(event.id);
  return ids;
}

describe('Stripe CLI trigger fixtures against the local cloud', () => {
  test.each([
    ['payment_intent.succeeded', ['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']],
    ['payment_intent.payment_failed', ['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed']],
    ['payment_intent.canceled', ['payment_intent.created', 'payment_intent.canceled']],
  ])('stripe trigger %s: exits 0, its events reach the webhook and are answered 2xx', async (trigger, expectedTypes) => {
    const known = await allEventIds();
    const executionsBefore = await e2e.executionCount();
    const alertsBefore = (await e2e.opsAlerts()).length;

    const result = await stripeCli(['trigger', trigger]);
    expect({ exitCode: result.exitCode, output: result.output }).toEqual({ exitCode: 0, output: expect.stringContaining('Trigger succeeded!') });

    const created = [...(await allEventIds())].filter((id) => !known.has(id));
    const events = await Promise.all(created.map((id) => e2e.stripe.events.retrieve(id)));
    expect(events.map((event) => event.type).sort()).toEqual([...expectedTypes].sort());

    // The handled types are delivered to the local cloud's webhook and answered 2xx (first attempt,
    // no retries); the others are recorded but not sent, as the deployed endpoint is subscribed.
    const handled = (type: string) => (HANDLED_EVENT_TYPES as readonly string[]).includes(type);
    expect(events.filter((event) => handled(event.type))).toHaveLength(1);
    for (const event of events.filter((event) => handled(event.type))) {
      const attempts = await pollUntil(`a finished delivery of ${event.type} ${event.id}`, async () => (await e2e.deliveries(`?event_id=${event.id}`)).filter((d) => d.statusCode !== null || d.error !== null), { accept: (list) => list.length > 0 });
      expect(attempts.map((a) => ({ type: a.type, url: a.url, statusCode: a.statusCode, attempt: a.attempt }))).toEqual([
        { type: event.type, url: `${e2e.apiUrl}/webhooks/stripe`, statusCode: 200, attempt: 1 },
      ]);
    }
    for (const event of events.filter((event) => !handled(event.type))) {
      expect({ type: event.type, pending: event.pending_webhooks, deliveries: await e2e.deliveries(`?event_id=${event.id}`) }).toEqual({ type: event.type, pending: 0, deliveries: [] });
    }
    // Ignored: they belong to no order, so nothing starts and nobody is alerted.
    expect(await e2e.executionCount()).toBe(executionsBefore);
    expect(await e2e.opsAlerts()).toHaveLength(alertsBefore);
  });
});
