/** Amount and currency rules Stripe applies to PaymentIntents (docs.stripe.com/currencies). */
import { parameterError } from './errors';

const MAX_AMOUNT = 99_999_999;

/** Minimum charge amounts in the smallest unit, for the currencies a shop here is likely to use. */
const MINIMUM_AMOUNTS: Record<string, { amount: number; display: string }> = {
  usd: { amount: 50, display: '$0.50' },
  eur: { amount: 50, display: '€0.50' },
  gbp: { amount: 30, display: '£0.30' },
  cad: { amount: 50, display: '$0.50' },
  aud: { amount: 50, display: '$0.50' },
  chf: { amount: 50, display: '0.50' },
  jpy: { amount: 50, display: '¥50' },
};

export function readCurrency(value: string, param = 'currency'): string {
  const currency = value.toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) throw parameterError(`Invalid currency: ${value}.`, param, 'parameter_invalid_string');
  return currency;
}

export function checkAmount(amount: number, currency: string, param = 'amount'): void {
  if (amount < 1) throw parameterError('This value must be greater than or equal to 1.', param);
  const minimum = MINIMUM_AMOUNTS[currency];
  if (minimum && amount < minimum.amount) {
    throw parameterError(`Amount must be at least ${minimum.display} ${currency}`, param, 'amount_too_small');
  }
  if (amount > MAX_AMOUNT) throw parameterError('Amount must be no more than 99999999 in the smallest currency unit', param, 'amount_too_large');
}
