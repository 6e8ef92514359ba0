/**
 * Plays a customer: creates an order, waits for AWAITING_PAYMENT, pays with a Stripe test card
 * through the Stripe SDK, and follows the order to its end, printing each status with its time.
 *
 *   npm run checkout -- --sku TSHIRT-BLUE-M --qty 1 --card visa
 *   npm run checkout -- --api https://<api-id>.execute-api.<region>.amazonaws.com --card visa
 *
 * Cards: visa, declined, insufficient_funds, expired, 3ds (authenticated through the emulator's
 * control endpoint), 3ds-fail. `--then visa` pays again with another card after a decline.
 * Against real Stripe set STRIPE_SECRET_KEY (a test key); locally the emulator is used.
 */
import Stripe from 'stripe';
import { parseArgs } from 'node:util';
import { stripeHostOptions, STRIPE_API_VERSION } from '../src/adapters/payments';
import { LOCAL_DEFAULTS } from '../local/defaults';

const CARDS: Record<string, string> = {
  visa: 'pm_card_visa',
  declined: 'pm_card_chargeDeclined',
  insufficient_funds: 'pm_card_chargeDeclinedInsufficientFunds',
  expired: 'pm_card_chargeDeclinedExpiredCard',
  '3ds': 'pm_card_authenticationRequired',
  '3ds-fail': 'pm_card_authenticationRequired',
};
const FINAL = new Set(['COMPLETED', 'REJECTED', 'CANCELED', 'EXPIRED', 'NEEDS_ATTENTION']);

const { values } = parseArgs({
  options: {
    api: { type: 'string', default: process.env.CHECKOUT_API_URL ?? `http://127.0.0.1:${process.env.PORT ?? LOCAL_DEFAULTS.port}` },
    sku: { type: 'string', default: LOCAL_DEFAULTS.demoSku },
    qty: { type: 'string', default: '1' },
    card: { type: 'string', default: 'visa' },
    then: { type: 'string' },
    country: { type: 'string', default: 'US' },
    email: { type: 'string', default: 'customer@example.com' },
    timeout: { type: 'string', default: '120' },
  },
});

const started = Date.now();
const stamp = () => `+${((Date.now() - started) / 1000).toFixed(2)}s`;
const say = (line: string) => console.log(`${new Date().toISOString()} ${stamp().padStart(8)}  ${line}`);

async function api(path: string, init?: RequestInit): Promise<any> {
  const response = await fetch(new URL(path, values.api), init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${path} -> ${response.status} ${JSON.stringify(body)}`);
  return body;
}

function stripeClient(): { stripe: Stripe; emulatorBase?: string } {
  const realKey = process.env.STRIPE_SECRET_KEY;
  const emulatorBase =
    process.env.STRIPE_API_BASE || (realKey ? undefined : `http://127.0.0.1:${process.env.STRIPE_EMULATOR_PORT ?? LOCAL_DEFAULTS.stripeEmulatorPort}`);
  const stripe = new Stripe(realKey ?? LOCAL_DEFAULTS.stripeSecretKey, {
    apiVersion: STRIPE_API_VERSION as Stripe.LatestApiVersion,
    ...stripeHostOptions(emulatorBase ?? ''),
  });
  return { stripe, emulatorBase };
}

async function waitForStatus(orderId: string, done: (order: any) => boolean, seen: Set<string>, deadline: number) {
  for (;;) {
    const order = await api(`/orders/${orderId}`);
    for (const entry of order.history) {
      const key = `${entry.status}@${entry.at}`;
      if (!seen.has(key)) {
        seen.add(key);
        say(`order ${entry.status.padEnd(16)} (at ${entry.at})${entry.status === order.status && order.failureReason ? `: ${order.failureReason}` : ''}`);
      }
    }
    if (done(order)) return order;
    if (Date.now() > deadline) throw new Error(`Timed out waiting; order is ${order.status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function pay(stripe: Stripe, emulatorBase: string | undefined, paymentIntentId: string, card: string) {
  const paymentMethod = CARDS[card];
  if (!paymentMethod) throw new Error(`Unknown card ${card}; use one of ${Object.keys(CARDS).join(', ')}`);
  try {
    const intent = await stripe.paymentIntents.confirm(paymentIntentId, { payment_method: paymentMethod });
    say(`payment ${intent.status} with ${card}`);
    if (intent.status === 'requires_action') {
      if (!emulatorBase) return say('3-D Secure required: complete it in the browser (real Stripe)');
      const outcome = card === '3ds-fail' ? 'fail' : 'succeed';
      const response = await fetch(`${emulatorBase}/_emulator/payment_intents/${paymentIntentId}/authenticate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outcome }),
      });
      say(`3-D Secure ${outcome === 'succeed' ? 'authenticated' : 'failed'} (${response.status})`);
    }
  } catch (error) {
    if (error instanceof Stripe.errors.StripeCardError) return say(`payment declined with ${card}: ${error.code} ${error.decline_code ?? ''}`);
    throw error;
  }
}

async function main() {
  const deadline = Date.now() + Number(values.timeout) * 1000;
  const seen = new Set<string>();
  say(`checkout ${values.qty} x ${values.sku} at ${values.api}`);
  const accepted = await api('/checkout', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `cli-${Date.now()}-${process.pid}` },
    body: JSON.stringify({
      items: [{ sku: values.sku, quantity: Number(values.qty) }],
      customer: { email: values.email },
      shippingAddress: { name: 'Ada Customer', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: values.country },
    }),
  });
  say(`order ${accepted.orderId}: total ${accepted.amounts.total} ${accepted.amounts.currency}`);

  const awaiting = await waitForStatus(accepted.orderId, (o) => o.status === 'AWAITING_PAYMENT' || FINAL.has(o.status), seen, deadline);
  if (awaiting.status === 'AWAITING_PAYMENT') {
    const { stripe, emulatorBase } = stripeClient();
    await pay(stripe, emulatorBase, awaiting.payment.paymentIntentId, values.card);
    if (values.then) {
      await waitForStatus(accepted.orderId, (o) => Boolean(o.payment.lastError) || o.status !== 'AWAITING_PAYMENT', seen, deadline);
      await pay(stripe, emulatorBase, awaiting.payment.paymentIntentId, values.then);
    }
  }
  const final = await waitForStatus(accepted.orderId, (o) => FINAL.has(o.status), seen, deadline);
  say(`done: ${final.status}${final.payment.lastError ? ` (last payment error: ${final.payment.lastError.code})` : ''}`);
  process.exitCode = final.status === 'COMPLETED' ? 0 : 2;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
