/**
 * Stripe's test PaymentMethods (docs.stripe.com/testing) and what happens when one is charged.
 * Passing an alias such as `pm_card_visa` makes Stripe clone it into a new `pm_...` object; the
 * emulator does the same and remembers which test card stands behind each clone.
 */
import { createHash } from 'node:crypto';
import { newId, unixSeconds } from './ids';
import type { PaymentMethod } from './types';

export interface Decline {
  code: string;
  declineCode: string;
  message: string;
  param?: string;
  /** `charge.outcome.reason` and `seller_message` as Stripe reports them. */
  reason: string;
  sellerMessage: string;
}

export type CardBehaviour = { kind: 'succeeds' } | { kind: 'declines'; decline: Decline } | { kind: 'requires_authentication' };

export interface TestCard {
  alias: string;
  brand: 'visa' | 'mastercard' | 'amex' | 'discover' | 'diners' | 'jcb' | 'unionpay';
  number: string;
  funding: 'credit' | 'debit' | 'prepaid';
  behaviour: CardBehaviour;
}

const GENERIC_SELLER_MESSAGE = 'The bank did not return any further details with this decline.';

function declined(code: string, declineCode: string, message: string, param?: string): CardBehaviour {
  const sellerMessage = declineCode === 'generic_decline' || declineCode === 'insufficient_funds'
    ? GENERIC_SELLER_MESSAGE
    : `The bank returned the decline code \`${declineCode}\`.`;
  return { kind: 'declines', decline: { code, declineCode, message, param, reason: declineCode, sellerMessage } };
}

const SUCCEEDS: CardBehaviour = { kind: 'succeeds' };

const CARDS: TestCard[] = [
  { alias: 'pm_card_visa', brand: 'visa', number: '4242424242424242', funding: 'credit', behaviour: SUCCEEDS },
  { alias: 'pm_card_visa_debit', brand: 'visa', number: '4000056655665556', funding: 'debit', behaviour: SUCCEEDS },
  { alias: 'pm_card_mastercard', brand: 'mastercard', number: '5555555555554444', funding: 'credit', behaviour: SUCCEEDS },
  { alias: 'pm_card_mastercard_debit', brand: 'mastercard', number: '5200828282828210', funding: 'debit', behaviour: SUCCEEDS },
  { alias: 'pm_card_mastercard_prepaid', brand: 'mastercard', number: '5105105105105100', funding: 'prepaid', behaviour: SUCCEEDS },
  { alias: 'pm_card_amex', brand: 'amex', number: '378282246310005', funding: 'credit', behaviour: SUCCEEDS },
  { alias: 'pm_card_discover', brand: 'discover', number: '6011111111111117', funding: 'credit', behaviour: SUCCEEDS },
  { alias: 'pm_card_diners', brand: 'diners', number: '3056930009020004', funding: 'credit', behaviour: SUCCEEDS },
  { alias: 'pm_card_jcb', brand: 'jcb', number: '3566002020360505', funding: 'credit', behaviour: SUCCEEDS },
  { alias: 'pm_card_unionpay', brand: 'unionpay', number: '6200000000000005', funding: 'credit', behaviour: SUCCEEDS },
  {
    alias: 'pm_card_chargeDeclined',
    brand: 'visa',
    number: '4000000000000002',
    funding: 'credit',
    behaviour: declined('card_declined', 'generic_decline', 'Your card was declined.'),
  },
  {
    alias: 'pm_card_chargeDeclinedInsufficientFunds',
    brand: 'visa',
    number: '4000000000009995',
    funding: 'credit',
    behaviour: declined('card_declined', 'insufficient_funds', 'Your card has insufficient funds.'),
  },
  {
    alias: 'pm_card_chargeDeclinedLostCard',
    brand: 'visa',
    number: '4000000000009987',
    funding: 'credit',
    behaviour: declined('card_declined', 'lost_card', 'Your card was declined.'),
  },
  {
    alias: 'pm_card_chargeDeclinedStolenCard',
    brand: 'visa',
    number: '4000000000009979',
    funding: 'credit',
    behaviour: declined('card_declined', 'stolen_card', 'Your card was declined.'),
  },
  {
    alias: 'pm_card_chargeDeclinedExpiredCard',
    brand: 'visa',
    number: '4000000000000069',
    funding: 'credit',
    behaviour: declined('expired_card', 'expired_card', 'Your card has expired.', 'exp_month'),
  },
  {
    alias: 'pm_card_chargeDeclinedIncorrectCvc',
    brand: 'visa',
    number: '4000000000000127',
    funding: 'credit',
    behaviour: declined('incorrect_cvc', 'incorrect_cvc', "Your card's security code is incorrect.", 'cvc'),
  },
  {
    alias: 'pm_card_chargeDeclinedProcessingError',
    brand: 'visa',
    number: '4000000000000119',
    funding: 'credit',
    behaviour: declined('processing_error', 'processing_error', 'An error occurred while processing your card. Try again in a little bit.'),
  },
  { alias: 'pm_card_authenticationRequired', brand: 'visa', number: '4000002760003184', funding: 'credit', behaviour: { kind: 'requires_authentication' } },
  { alias: 'pm_card_threeDSecure2Required', brand: 'visa', number: '4000000000003220', funding: 'credit', behaviour: { kind: 'requires_authentication' } },
];

const CARDS_BY_ALIAS = new Map(CARDS.map((card) => [card.alias, card]));

/** Off-session (or `error_on_requires_action`) charges of a 3DS card fail instead of asking for action. */
export const AUTHENTICATION_REQUIRED_DECLINE: Decline = {
  code: 'authentication_required',
  declineCode: 'authentication_required',
  message: 'Your card was declined. This transaction requires authentication.',
  reason: 'authentication_required',
  sellerMessage: 'The bank returned the decline code `authentication_required`.',
};

export function findTestCard(alias: string): TestCard | undefined {
  return CARDS_BY_ALIAS.get(alias);
}

const DISPLAY_BRAND: Record<TestCard['brand'], string> = {
  visa: 'visa',
  mastercard: 'mastercard',
  amex: 'american_express',
  discover: 'discover',
  diners: 'diners_club',
  jcb: 'jcb',
  unionpay: 'union_pay',
};

/** A fresh PaymentMethod object cloned from a test card, as Stripe does for `pm_card_*` aliases. */
export function clonePaymentMethod(card: TestCard, now = Date.now()): PaymentMethod {
  return {
    id: newId('pm'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name: null,
      phone: null,
    },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'unchecked' },
      country: 'US',
      display_brand: DISPLAY_BRAND[card.brand],
      exp_month: 12,
      exp_year: new Date(now).getUTCFullYear() + 5,
      // Same card, same fingerprint: that is what Stripe's fingerprint is for.
      fingerprint: createHash('sha256').update(card.number).digest('base64url').slice(0, 16),
      funding: card.funding,
      generated_from: null,
      last4: card.number.slice(-4),
      networks: { available: [card.brand], preferred: null },
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: unixSeconds(now),
    customer: null,
    livemode: false,
    metadata: {},
    type: 'card',
  };
}
