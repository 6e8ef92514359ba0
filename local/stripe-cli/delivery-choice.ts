/**
 * How the local cloud gets Stripe's events to its webhook function, decided once at start:
 *   - `endpoint`: the Stripe emulator POSTs them, as Stripe does to a deployed endpoint (retries,
 *     duplicate and reorder knobs). The default with the emulator.
 *   - `listen`: the official CLI's `stripe listen --forward-to` forwards them, as in development
 *     against Stripe. The default with real Stripe (a local cloud has no public URL for an endpoint).
 * Pure: the caller finds the CLI and says whether it did.
 */
import { STRIPE_CLI_INSTALL_HINT } from './binary';

export type WebhookDelivery = 'endpoint' | 'listen';

export interface DeliveryChoiceInput {
  /** STRIPE_SECRET_KEY (or the option): set means real Stripe. */
  realStripeKey: string | undefined;
  /** STRIPE_WEBHOOK_DELIVERY (or the option), as given. */
  requested: string | undefined;
  /** STRIPE_WEBHOOK_SECRET (or the option), as given. */
  explicitWebhookSecret: string | undefined;
  cliFound: boolean;
}

export interface DeliveryChoice {
  delivery: WebhookDelivery;
  /** Lines for the log: why the choice differs from what was asked. */
  notes: string[];
}

/** A configuration the local cloud refuses: `npm start` prints its message alone, no stack. */
export class StripeSetupError extends Error {
  override name = 'StripeSetupError';
}

/** Refuses a key that must never reach a developer's machine, or that is no secret key at all. */
export function checkRealStripeKey(key: string): void {
  if (/^(sk|rk)_live_/.test(key)) {
    throw new StripeSetupError(
      'STRIPE_SECRET_KEY is a LIVE key (sk_live_/rk_live_): the local cloud would move real money. Use a test key (sk_test_... or rk_test_...) from the Stripe Dashboard in test mode.',
    );
  }
  if (!/^(sk|rk)_test_\S{4,}$/.test(key)) {
    throw new StripeSetupError('STRIPE_SECRET_KEY must be a Stripe test secret or restricted key (sk_test_... or rk_test_...).');
  }
}

export function chooseWebhookDelivery(input: DeliveryChoiceInput): DeliveryChoice {
  const real = Boolean(input.realStripeKey);
  if (input.requested !== undefined && input.requested !== '' && input.requested !== 'endpoint' && input.requested !== 'listen') {
    throw new StripeSetupError(`STRIPE_WEBHOOK_DELIVERY must be 'endpoint' or 'listen', not '${input.requested}'.`);
  }
  const wanted: WebhookDelivery = (input.requested as WebhookDelivery | '' | undefined) || (real ? 'listen' : 'endpoint');
  if (real && wanted === 'endpoint' && !input.explicitWebhookSecret) {
    throw new StripeSetupError(
      'STRIPE_WEBHOOK_DELIVERY=endpoint with real Stripe needs STRIPE_WEBHOOK_SECRET (the secret of whatever forwards Stripe\'s webhooks here); leave STRIPE_WEBHOOK_DELIVERY unset to let `stripe listen` do it.',
    );
  }
  if (wanted === 'endpoint' || input.cliFound) return { delivery: wanted, notes: [] };
  if (!real) return { delivery: 'endpoint', notes: [STRIPE_CLI_INSTALL_HINT, 'Falling back to STRIPE_WEBHOOK_DELIVERY=endpoint: the emulator POSTs events to the webhook function itself.'] };
  if (input.explicitWebhookSecret) {
    return { delivery: 'endpoint', notes: [STRIPE_CLI_INSTALL_HINT, 'Using STRIPE_WEBHOOK_SECRET: forward Stripe\'s webhooks to the local cloud yourself.'] };
  }
  throw new StripeSetupError(`${STRIPE_CLI_INSTALL_HINT} With real Stripe the local cloud needs it to receive webhooks (or set STRIPE_WEBHOOK_SECRET and forward them yourself).`);
}
