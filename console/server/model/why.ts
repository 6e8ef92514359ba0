/**
 * The console's one-sentence answer to "why is this order in this state", from the order item, the
 * latest execution's run and the PaymentIntent. Pure: the tests feed it recorded values.
 */
import type { ExecutionRun, StateRun } from './state-status';

export interface WhyOrder {
  orderId: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  paymentWindowSeconds?: number;
  failureReason?: string;
  cancelRequestedAt?: string;
  history?: Array<{ status: string; at: string }>;
  payment?: { paymentIntentId?: string; status?: string; lastError?: { code?: string; declineCode?: string; message?: string; at?: string } };
  attention?: { kind?: string; step?: string; error?: string; reason?: string; at?: string; resumeRequestedAt?: string };
}

/** The ASL state that runs each function (docs/architecture.md): NEEDS_ATTENTION names the function, the history the state. */
const FUNCTION_OF_STATE: Record<string, string> = {
  ReserveInventory: 'reserveInventory',
  AwaitPayment: 'requestPayment',
  CompensateOrder: 'compensateOrder',
  FulfillOrder: 'fulfillOrder',
  FlagNeedsAttention: 'flagNeedsAttention',
};

function enteredAt(order: WhyOrder, status: string): string | undefined {
  return [...(order.history ?? [])].reverse().find((entry) => entry.status === status)?.at;
}

function time(iso: string | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : 'an unknown time';
}

function inFlight(run: ExecutionRun | undefined): StateRun | undefined {
  if (!run || run.ended) return undefined;
  const name = run.path[run.path.length - 1];
  return name ? run.states[name] : undefined;
}

function stepNote(step: StateRun | undefined): string {
  if (!step) return '';
  if (step.status === 'retrying') return `; ${step.name} is retrying (attempt ${step.attempts}${step.error ? `, last error ${step.error}` : ''})`;
  return `; ${step.name} is running`;
}

function declineText(error: NonNullable<WhyOrder['payment']>['lastError']): string {
  if (!error) return '';
  const code = [error.code, error.declineCode].filter(Boolean).join(' / ');
  return `the last attempt was declined: ${code || error.message || 'unknown reason'}, the customer may retry`;
}

export function whyThisState(order: WhyOrder, run: ExecutionRun | undefined, paymentIntent?: { status?: string }): string {
  const step = inFlight(run);
  switch (order.status) {
    case 'PENDING':
      return `Accepted at ${time(order.createdAt)}; the saga is reserving stock${stepNote(step)}.`;
    case 'AWAITING_PAYMENT': {
      const since = enteredAt(order, 'AWAITING_PAYMENT') ?? order.updatedAt;
      const closes = order.paymentWindowSeconds ? new Date(Date.parse(since) + order.paymentWindowSeconds * 1000).toISOString() : undefined;
      const parts = [`Waiting for payment since ${time(since)}${closes ? `, the window closes at ${time(closes)}` : ''}`];
      if (paymentIntent?.status === 'requires_action') parts.push('the customer is in 3-D Secure authentication');
      if (order.payment?.lastError) parts.push(declineText(order.payment.lastError));
      if (order.cancelRequestedAt) parts.push(`a cancel was requested at ${time(order.cancelRequestedAt)}`);
      return `${parts.join('; ')}.`;
    }
    case 'PAID':
      return `Paid at ${time(enteredAt(order, 'PAID'))}; fulfilment and the stock commit are under way${stepNote(step)}.`;
    case 'COMPLETED':
      return `Completed at ${time(enteredAt(order, 'COMPLETED'))}: paid, handed to fulfilment, stock commit enqueued.`;
    case 'REJECTED':
      return `Rejected at ${time(enteredAt(order, 'REJECTED'))}: ${order.failureReason ?? 'a step before payment failed'}.`;
    case 'CANCELED':
      return `Cancelled at ${time(enteredAt(order, 'CANCELED'))} before payment; the PaymentIntent was cancelled and the stock released.`;
    case 'EXPIRED':
      return `Expired at ${time(enteredAt(order, 'EXPIRED'))}: the payment window closed first; the PaymentIntent was cancelled and the stock released.`;
    case 'NEEDS_ATTENTION': {
      const attention = order.attention ?? {};
      if (attention.resumeRequestedAt) return `NEEDS_ATTENTION: an operator resumed it at ${time(attention.resumeRequestedAt)}; the post-payment steps are running again${stepNote(step)}.`;
      if (attention.kind === 'POST_PAYMENT_STEP_FAILED') {
        const failed = attention.step ? run?.states[attention.step] : undefined;
        const who = attention.step ? FUNCTION_OF_STATE[attention.step] ?? attention.step : 'a post-payment step';
        const times = failed && failed.attempts > 0 ? ` ${failed.attempts} time${failed.attempts === 1 ? '' : 's'}` : '';
        const last = failed?.error ?? attention.error;
        const cause = failed?.cause ? `: ${shorten(failed.cause)}` : attention.reason ? `: ${shorten(attention.reason)}` : '';
        return `NEEDS_ATTENTION: ${who} failed${times}, last error ${last ?? 'unknown'}${cause}. Paid and never refunded automatically: fix the cause, then resume.`;
      }
      return `NEEDS_ATTENTION (${attention.kind ?? 'unknown'}): ${attention.reason ?? attention.error ?? 'see the ops alert'}. A person decides; resume does not apply.`;
    }
    default:
      return `Status ${order.status}.`;
  }
}

function shorten(text: string, max = 160): string {
  let plain = text;
  try {
    const parsed = JSON.parse(text);
    plain = parsed.errorMessage ?? parsed.message ?? text;
  } catch {
    // not JSON: as it is
  }
  return plain.length > max ? `${plain.slice(0, max)}...` : plain;
}
