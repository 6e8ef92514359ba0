/** The charge a PaymentIntent confirmation creates, successful or failed. */
import { newId, randomToken, unixSeconds } from './ids';
import type { Decline } from './test-payment-methods';
import type { Charge, PaymentIntent, PaymentMethod } from './types';

export function buildCharge(intent: PaymentIntent, paymentMethod: PaymentMethod, decline: Decline | null): Charge {
  const succeeded = decline === null;
  const { brand, checks, country, exp_month, exp_year, fingerprint, funding, last4, networks, wallet } = paymentMethod.card;
  return {
    id: newId('ch'),
    object: 'charge',
    amount: intent.amount,
    amount_captured: succeeded ? intent.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: succeeded ? `txn_${randomToken(24)}` : null,
    billing_details: paymentMethod.billing_details,
    calculated_statement_descriptor: 'CHECKOUT SAGA',
    captured: succeeded,
    created: unixSeconds(),
    currency: intent.currency,
    customer: null,
    description: intent.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: decline?.code ?? null,
    failure_message: decline?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: { ...intent.metadata },
    on_behalf_of: null,
    outcome: succeeded
      ? {
          network_status: 'approved_by_network',
          reason: null,
          risk_level: 'normal',
          risk_score: 32,
          seller_message: 'Payment complete.',
          type: 'authorized',
        }
      : {
          network_status: 'declined_by_network',
          reason: decline.reason,
          risk_level: 'normal',
          risk_score: 32,
          seller_message: decline.sellerMessage,
          type: 'issuer_declined',
        },
    paid: succeeded,
    payment_intent: intent.id,
    payment_method: paymentMethod.id,
    payment_method_details: {
      card: { brand, checks, country, exp_month, exp_year, fingerprint, funding, last4, networks, wallet },
      type: 'card',
    },
    receipt_email: intent.receipt_email,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: intent.shipping,
    source: null,
    statement_descriptor: intent.statement_descriptor,
    statement_descriptor_suffix: intent.statement_descriptor_suffix,
    status: succeeded ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: intent.transfer_group,
  };
}
