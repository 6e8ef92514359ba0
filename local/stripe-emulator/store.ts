/** In-memory objects of the emulated Stripe account (one account, test mode, lost on restart). */
import type { TestCard } from './test-payment-methods';
import type { Charge, PaymentIntent, PaymentMethod } from './types';

export interface StoredPaymentIntent {
  intent: PaymentIntent;
  /** Stripe keeps the confirm's return_url internally; it is not a field of the object. */
  returnUrl: string | null;
}

export interface StoredPaymentMethod {
  paymentMethod: PaymentMethod;
  /** The test card it was cloned from decides how charges on it end. */
  card: TestCard;
}

export class StripeStore {
  readonly paymentIntents = new Map<string, StoredPaymentIntent>();
  readonly charges = new Map<string, Charge>();
  readonly paymentMethods = new Map<string, StoredPaymentMethod>();

  clear(): void {
    this.paymentIntents.clear();
    this.charges.clear();
    this.paymentMethods.clear();
  }
}
