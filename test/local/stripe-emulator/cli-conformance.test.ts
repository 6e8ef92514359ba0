/**
 * The official Stripe CLI (`@stripe/cli`, real binary) runs its trigger fixtures against the
 * emulator: `stripe trigger <event> --api-base http://127.0.0.1:PORT --api-key sk_test_...`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '../../../local/stripe-emulator/server';
import { API_KEY, WEBHOOK_SECRET, startWebhookReceiver, waitFor, type WebhookReceiver } from './helpers';

import { stripeCliPath } from '../../support/stripe-cli';

// The CLI's npm package ships a linux-x64 binary only here; on that platform it must be present.
const CLI = stripeCliPath() ?? '';
if (!CLI && `${process.platform}-${process.arch}` === 'linux-x64') throw new Error('Stripe CLI binary missing: run npm ci');

let emulator: StripeEmulator;
let receiver: WebhookReceiver;
let cliHome: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  emulator = await startStripeEmulator({ webhookSecret: WEBHOOK_SECRET, webhookUrl: receiver.url });
  // The CLI writes a config file under HOME: give it a throwaway one.
  cliHome = await mkdtemp(path.join(tmpdir(), 'stripe-cli-home-'));
});
afterAll(async () => {
  await emulator.close();
  await receiver.close();
  await rm(cliHome, { recursive: true, force: true });
});
beforeEach(() => {
  emulator.reset();
  receiver.received.length = 0;
});

interface CliResult {
  exitCode: number;
  output: string;
}

/** Asynchronous on purpose: the emulator runs in this process and must keep answering. */
function stripeCli(args: string[], apiKey = API_KEY): Promise<CliResult> {
  const env = { PATH: process.env.PATH ?? '', HOME: cliHome, XDG_CONFIG_HOME: cliHome, STRIPE_CLI_TELEMETRY_OPTOUT: '1' };
  return new Promise((resolve) => {
    execFile(CLI, [...args, '--api-base', emulator.url, '--api-key', apiKey], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ exitCode, output: `${stdout}${stderr}` });
    });
  });
}

function types(): string[] {
  return emulator.events().map((e) => e.type);
}

it('stripe trigger payment_intent.succeeded', async () => {
  const result = await stripeCli(['trigger', 'payment_intent.succeeded']);
  expect(result).toMatchObject({ exitCode: 0, output: expect.stringContaining('Trigger succeeded!') });
  expect(types()).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
  const intent = emulator.events()[2].data.object as unknown as Stripe.PaymentIntent;
  expect(intent).toMatchObject({ status: 'succeeded', amount: 2000, currency: 'usd', description: '(created by Stripe CLI)', payment_method_types: ['card'] });
  expect(intent.shipping?.name).toBe('Jenny Rosen');

  // The CLI's events reach the webhook endpoint like any other.
  await waitFor('three deliveries', () => receiver.received.length === 3);
  const stripe = new Stripe(API_KEY);
  for (const delivery of receiver.received) {
    expect(stripe.webhooks.constructEvent(delivery.rawBody, delivery.headers['stripe-signature'] as string, WEBHOOK_SECRET).id).toBe(delivery.eventId);
  }
});

it('stripe trigger payment_intent.payment_failed', async () => {
  const result = await stripeCli(['trigger', 'payment_intent.payment_failed']);
  // The fixture expects the 402 that a declined confirmation answers.
  expect(result.exitCode).toBe(0);
  expect(types()).toEqual(['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed']);
  const failed = emulator.events()[2].data.object as unknown as Stripe.PaymentIntent;
  expect(failed.status).toBe('requires_payment_method');
  expect(failed.last_payment_error).toMatchObject({ code: 'card_declined', decline_code: 'generic_decline' });
});

it('stripe trigger payment_intent.canceled', async () => {
  const result = await stripeCli(['trigger', 'payment_intent.canceled']);
  expect(result.exitCode).toBe(0);
  expect(types()).toEqual(['payment_intent.created', 'payment_intent.canceled']);
  expect(emulator.events()[1].data.object).toMatchObject({ status: 'canceled', cancellation_reason: 'requested_by_customer' });
});

it('fails when the emulator refuses the API key', async () => {
  const result = await stripeCli(['trigger', 'payment_intent.succeeded'], 'sk_live_123456789012');
  expect(result.exitCode).not.toBe(0);
  expect(result.output).toContain('status=401');
  expect(emulator.events()).toHaveLength(0);
});
