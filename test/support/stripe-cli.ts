import { npmStripeCliPath } from '../../local/stripe-cli/binary';

/**
 * The official Stripe CLI binary of the npm platform package (local/stripe-cli/binary.ts): tests
 * run the pinned version, never a `stripe` found on the PATH. Undefined on platforms other than
 * linux-x64 (the package is an optional dependency).
 */
export function stripeCliPath(): string | undefined {
  return npmStripeCliPath();
}
