/**
 * What the console can do, each with the command a person would type for the same effect. The
 * product's own routes for orders (checkout, cancel, resume), the Stripe SDK for payments, SQS for
 * redrive; the local cloud's control routes for faults and the emulator's for webhooks and 3-D Secure.
 */
import type Stripe from 'stripe';
import { redrive } from './data/queues';
import type { ConsoleTarget } from './target';

export class ActionError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const TEST_CARDS: Record<string, { paymentMethod: string; label: string }> = {
  visa: { paymentMethod: 'pm_card_visa', label: 'succeeds' },
  declined: { paymentMethod: 'pm_card_chargeDeclined', label: 'declined' },
  insufficient_funds: { paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds', label: 'insufficient funds' },
  '3ds': { paymentMethod: 'pm_card_authenticationRequired', label: '3-D Secure' },
};

export interface ActionResult {
  ok: boolean;
  message: string;
  command: string;
  [extra: string]: unknown;
}

const q = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

function requireApi(target: ConsoleTarget): string {
  if (!target.apiUrl) throw new ActionError(400, 'NO_API_URL', 'This console was started without the API URL (--api-url): order actions are unavailable');
  return target.apiUrl;
}

function requireLocal(target: ConsoleTarget) {
  if (!target.local) throw new ActionError(404, 'LOCAL_ONLY', 'This action exists only against the local cloud');
  return target.local;
}

async function call(url: string, init: RequestInit): Promise<{ status: number; body: any; text: string }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

/** The equivalent commands, shown beside each button (secrets as variables, never their values). */
export function commands(target: ConsoleTarget) {
  const api = target.apiUrl ?? '$API_URL';
  const stripeBase = target.stripe.apiBase ?? 'https://api.stripe.com';
  const endpoint = (service: 'sqs') => (target.endpoints ? ` --endpoint-url ${target.endpoints[service]}` : '');
  return {
    newOrder: (sku: string, quantity: number) =>
      `curl -X POST ${api}/checkout -H 'content-type: application/json' -d ${q(JSON.stringify({ items: [{ sku, quantity }], customer: { email: 'console@example.com' }, shippingAddress: SHIPPING }))}`,
    pay: (paymentIntentId: string, card: string) =>
      `curl ${stripeBase}/v1/payment_intents/${paymentIntentId}/confirm -u "$STRIPE_SECRET_KEY:" -d payment_method=${TEST_CARDS[card]?.paymentMethod ?? card}`,
    authenticate: (paymentIntentId: string, outcome: string) =>
      `curl -X POST ${target.local?.stripeEmulatorUrl ?? '$STRIPE_EMULATOR'}/_emulator/payment_intents/${paymentIntentId}/authenticate -H 'content-type: application/json' -d '{"outcome":"${outcome}"}'`,
    cancel: (orderId: string) => `curl -X POST ${api}/orders/${orderId}/cancel`,
    resume: (orderId: string) => `curl -X POST ${api}/admin/orders/${orderId}/resume -H "x-api-key: $ADMIN_API_KEY"`,
    redrive: (queue: string, source: string) =>
      `aws sqs receive-message --queue-url $(aws sqs get-queue-url --queue-name ${target.names.queueName(queue)}${endpoint('sqs')} --query QueueUrl --output text)${endpoint('sqs')}  # then send-message to ${target.names.queueName(source)} and delete-message from the DLQ`,
    breakStep: (fn: string) => `curl -X PUT ${target.local?.controlUrl ?? '$API_URL'}/_local/faults/${fn} -H 'content-type: application/json' -d '{"mode":"always"}'`,
    healStep: (fn: string) => `curl -X DELETE ${target.local?.controlUrl ?? '$API_URL'}/_local/faults/${fn}`,
    resend: (eventId: string) => `curl -X POST ${target.local?.stripeEmulatorUrl ?? '$STRIPE_EMULATOR'}/_emulator/events/${eventId}/resend`,
  };
}

const SHIPPING = { name: 'Console Tester', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

function str(body: Record<string, unknown>, key: string, pattern?: RegExp): string {
  const value = body[key];
  if (typeof value !== 'string' || !value || (pattern && !pattern.test(value))) {
    throw new ActionError(400, 'INVALID_INPUT', `"${key}" must be ${pattern ? `a string matching ${pattern}` : 'a non-empty string'}`);
  }
  return value;
}

/** The product API refused the action (a 4xx: the order cannot do that now): passed on with its own code. */
function refused(reply: { status: number; body: any; text: string }, request: string): void {
  if (reply.status < 400) return;
  const error = reply.body?.error;
  throw new ActionError(reply.status < 500 ? reply.status : 502, error?.code ?? 'API_REFUSED', `${request} answered ${reply.status}: ${error?.message ?? reply.text}`);
}

const ORDER_ID = /^ord_[A-Za-z0-9_-]{22}$/;
const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

export async function runAction(target: ConsoleTarget, name: string, body: Record<string, unknown>): Promise<ActionResult> {
  const cmd = commands(target);
  switch (name) {
    case 'new-order': {
      const sku = str(body, 'sku', /^[A-Z0-9-]{1,64}$/);
      const quantity = body.quantity === undefined ? 1 : Number(body.quantity);
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > 100) throw new ActionError(400, 'INVALID_INPUT', '"quantity" must be a whole number from 1 to 100');
      const reply = await call(`${requireApi(target)}/checkout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ sku, quantity }], customer: { email: 'console@example.com' }, shippingAddress: SHIPPING }),
      });
      return { ok: reply.status === 202, message: reply.status === 202 ? `Order ${reply.body.orderId} accepted` : `POST /checkout answered ${reply.status}: ${reply.text}`, command: cmd.newOrder(sku, quantity), orderId: reply.body?.orderId };
    }
    case 'pay': {
      const paymentIntentId = str(body, 'paymentIntentId', /^pi_[A-Za-z0-9]+$/);
      const card = str(body, 'card');
      const testCard = TEST_CARDS[card];
      if (!testCard) throw new ActionError(400, 'INVALID_INPUT', `"card" must be one of ${Object.keys(TEST_CARDS).join(', ')}`);
      try {
        const intent = await target.stripeClient.paymentIntents.confirm(paymentIntentId, { payment_method: testCard.paymentMethod });
        return { ok: true, message: `PaymentIntent ${intent.id}: ${intent.status}`, command: cmd.pay(paymentIntentId, card), status: intent.status };
      } catch (error) {
        const stripeError = error as Stripe.errors.StripeError;
        if (stripeError.type === 'StripeCardError') {
          return { ok: true, message: `Declined: ${[stripeError.code, stripeError.decline_code].filter(Boolean).join(' / ')}`, command: cmd.pay(paymentIntentId, card) };
        }
        throw new ActionError(stripeError.statusCode ?? 502, 'STRIPE_ERROR', stripeError.message);
      }
    }
    case 'authenticate': {
      const local = requireLocal(target);
      if (!local.stripeEmulatorUrl) throw new ActionError(404, 'LOCAL_ONLY', 'Real Stripe: complete 3-D Secure in Stripe\'s test page');
      const paymentIntentId = str(body, 'paymentIntentId', /^pi_[A-Za-z0-9]+$/);
      const outcome = str(body, 'outcome', /^(succeed|fail)$/);
      const reply = await call(`${local.stripeEmulatorUrl}/_emulator/payment_intents/${paymentIntentId}/authenticate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outcome }),
      });
      return { ok: reply.status === 200, message: reply.status === 200 ? `3-D Secure ${outcome === 'succeed' ? 'completed' : 'failed'}: ${reply.body.status}` : reply.text, command: cmd.authenticate(paymentIntentId, outcome) };
    }
    case 'cancel': {
      const orderId = str(body, 'orderId', ORDER_ID);
      const reply = await call(`${requireApi(target)}/orders/${orderId}/cancel`, { method: 'POST' });
      refused(reply, `POST /orders/${orderId}/cancel`);
      return { ok: true, message: `POST /orders/${orderId}/cancel answered ${reply.status}`, command: cmd.cancel(orderId) };
    }
    case 'resume': {
      const orderId = str(body, 'orderId', ORDER_ID);
      const reply = await call(`${requireApi(target)}/admin/orders/${orderId}/resume`, { method: 'POST', headers: { 'x-api-key': target.adminApiKey ?? '' } });
      refused(reply, `POST /admin/orders/${orderId}/resume`);
      return { ok: true, message: `POST /admin/orders/${orderId}/resume answered ${reply.status}`, command: cmd.resume(orderId) };
    }
    case 'redrive': {
      const queue = str(body, 'queue');
      const messageId = str(body, 'messageId');
      try {
        const result = await redrive(target, queue, messageId);
        return { ok: true, message: `Message ${messageId} sent back to ${result.sourceQueue} as ${result.newMessageId}`, command: cmd.redrive(queue, result.sourceQueue) };
      } catch (error) {
        const failure = error as { status?: number; code?: string; message: string };
        if (failure.status && failure.code) throw new ActionError(failure.status, failure.code, failure.message);
        throw error;
      }
    }
    case 'break-step':
    case 'heal-step': {
      const local = requireLocal(target);
      const fn = str(body, 'function', FUNCTION_NAME);
      const breaking = name === 'break-step';
      const reply = await call(`${local.controlUrl}/_local/faults/${fn}`, {
        method: breaking ? 'PUT' : 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: breaking ? JSON.stringify({ mode: 'always' }) : undefined,
      });
      if (reply.status >= 400) throw new ActionError(reply.status, reply.body?.error?.code ?? 'FAULT_REFUSED', reply.body?.error?.message ?? reply.text);
      return { ok: true, message: breaking ? `${fn} now fails every invocation` : `${fn} healed`, command: breaking ? cmd.breakStep(fn) : cmd.healStep(fn) };
    }
    case 'resend-webhook': {
      const local = requireLocal(target);
      if (!local.stripeEmulatorUrl) throw new ActionError(404, 'LOCAL_ONLY', 'Resend needs the Stripe emulator');
      const eventId = str(body, 'eventId', /^evt_[A-Za-z0-9]+$/);
      const copies = body.copies === undefined ? 1 : Number(body.copies);
      if (copies !== 1 && copies !== 2) throw new ActionError(400, 'INVALID_INPUT', '"copies" must be 1 (resend) or 2 (duplicate: two deliveries at once)');
      const replies = await Promise.all(Array.from({ length: copies }, () => call(`${local.stripeEmulatorUrl}/_emulator/events/${eventId}/resend`, { method: 'POST' })));
      const failed = replies.find((reply) => reply.status !== 200);
      if (failed) throw new ActionError(failed.status, failed.body?.error?.code ?? 'RESEND_REFUSED', failed.body?.error?.message ?? failed.text);
      return { ok: true, message: copies === 1 ? `${eventId} resent` : `${eventId} delivered twice at once`, command: copies === 1 ? cmd.resend(eventId) : `${cmd.resend(eventId)} & ${cmd.resend(eventId)}` };
    }
    default:
      throw new ActionError(404, 'UNKNOWN_ACTION', `No action ${name}`);
  }
}

/** Actions that only the local cloud has. */
export const LOCAL_ONLY_ACTIONS = new Set(['authenticate', 'break-step', 'heal-step', 'resend-webhook']);
