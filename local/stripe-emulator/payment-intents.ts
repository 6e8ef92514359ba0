/**
 * PaymentIntents and their status machine:
 *   requires_payment_method -> (payment method attached) requires_confirmation -> (confirm)
 *     -> succeeded | requires_action (3DS) | requires_payment_method again with last_payment_error
 *   requires_action -> (emulator authenticate) succeeded | requires_payment_method
 *   any open status -> canceled
 * Only automatic capture is modelled: there is no requires_capture and no processing.
 */
import { checkAmount, readCurrency } from './amounts';
import { buildCharge } from './charges';
import { StripeApiError, docUrlFor, invalidRequest, noSuchObject, noSuchReferencedObject, parameterError, unexpectedState } from './errors';
import type { EventLog } from './events';
import type { ParamReader } from './form';
import { newId, randomToken, unixSeconds } from './ids';
import { applyMetadata } from './metadata';
import {
  CONFIRM_PARAMS,
  CREATE_PARAMS,
  OPEN_ONLY_UPDATES,
  UPDATE_PARAMS,
  readAutomaticPaymentMethods,
  readCaptureMethod,
  readEmail,
  readPaymentMethodTypes,
  readShipping,
  rejectNotModelled,
} from './payment-intent-params';
import { paginate, readPageRequest, type ListPage } from './pagination';
import type { StoredPaymentIntent, StoredPaymentMethod, StripeStore } from './store';
import { AUTHENTICATION_REQUIRED_DECLINE, clonePaymentMethod, findTestCard, type Decline } from './test-payment-methods';
import type { LastPaymentError, NextAction, PaymentIntent, PaymentIntentStatus, RequestContext } from './types';

const OPEN_STATUSES: readonly PaymentIntentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE_STATUSES: readonly PaymentIntentStatus[] = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
];
const CANCELLATION_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const;

/** Since API version 2023-08-16 an intent without explicit payment method types uses automatic payment methods. */
const AUTOMATIC_PAYMENT_METHODS_BY_DEFAULT_SINCE = '2023-08-16';

export interface ConfirmOptions {
  returnUrl: string | null;
  offSession: boolean;
  errorOnRequiresAction: boolean;
}

export class PaymentIntentService {
  constructor(
    private readonly store: StripeStore,
    private readonly events: EventLog,
    /** Where the emulator listens; used in `next_action` URLs. */
    private readonly baseUrl: () => string,
  ) {}

  /** `apiVersion` is the request's Stripe-Version (or the account default): it decides default payment method types. */
  create(params: ParamReader, ctx: RequestContext, apiVersion: string): PaymentIntent {
    params.rejectUnknown(CREATE_PARAMS);
    rejectNotModelled(params);
    const currency = readCurrency(params.requiredString('currency'));
    const amount = params.requiredInteger('amount');
    checkAmount(amount, currency);
    const confirm = params.boolean('confirm') ?? false;
    const returnUrl = params.string('return_url') ?? null;
    if (returnUrl !== null && !confirm) throw parameterError('return_url can only be used with confirm=true.', 'return_url');
    const offSession = params.boolean('off_session') ?? false;
    if (params.has('off_session') && !confirm) throw parameterError('off_session can only be used with confirm=true.', 'off_session');
    const captureMethod = readCaptureMethod(params) ?? 'automatic_async';
    const paymentMethodTypes = readPaymentMethodTypes(params);
    const automatic = readAutomaticPaymentMethods(params);
    if (automatic && paymentMethodTypes) {
      throw parameterError(
        'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.',
        'automatic_payment_methods',
        'parameters_exclusive',
      );
    }
    const automaticPaymentMethods =
      automatic ?? (paymentMethodTypes || apiVersion.slice(0, 10) < AUTOMATIC_PAYMENT_METHODS_BY_DEFAULT_SINCE ? null : { allow_redirects: 'always' as const, enabled: true });
    if (confirm) requireReturnUrlWhenRedirectsAllowed(automaticPaymentMethods, returnUrl);
    const metadata = applyMetadata({}, params);
    const shipping = readShipping(params) ?? null;
    const intentFields = {
      confirmation_method: params.oneOf('confirmation_method', ['automatic', 'manual'] as const) ?? 'automatic',
      description: params.nullableString('description') ?? null,
      receipt_email: readEmail(params) ?? null,
      setup_future_usage: params.oneOf('setup_future_usage', ['on_session', 'off_session'] as const) ?? null,
      statement_descriptor: params.nullableString('statement_descriptor') ?? null,
      statement_descriptor_suffix: params.nullableString('statement_descriptor_suffix') ?? null,
      transfer_group: params.nullableString('transfer_group') ?? null,
    };
    const errorOnRequiresAction = params.boolean('error_on_requires_action') ?? false;
    const paymentMethodId = params.string('payment_method');
    // Validation is over: from here on the request "executed", and its outcome is kept for idempotent replays.
    const paymentMethod = paymentMethodId ? this.resolvePaymentMethod(paymentMethodId) : null;

    const id = newId('pi');
    const intent: PaymentIntent = {
      id,
      object: 'payment_intent',
      allowed_payment_method_types: params.has('allowed_payment_method_types') ? (paymentMethodTypes ?? null) : null,
      amount,
      amount_capturable: 0,
      amount_details: { tip: {} },
      amount_received: 0,
      application: null,
      application_fee_amount: null,
      automatic_payment_methods: automaticPaymentMethods,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: captureMethod,
      client_secret: `${id}_secret_${randomToken(25)}`,
      confirmation_method: intentFields.confirmation_method,
      created: unixSeconds(),
      currency,
      customer: null,
      customer_account: null,
      description: intentFields.description,
      excluded_payment_method_types: null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      managed_payments: null,
      metadata,
      next_action: null,
      on_behalf_of: null,
      payment_method: paymentMethod?.paymentMethod.id ?? null,
      payment_method_configuration_details: null,
      payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
      payment_method_types: paymentMethodTypes ?? ['card'],
      payment_record: null,
      processing: null,
      receipt_email: intentFields.receipt_email,
      review: null,
      setup_future_usage: intentFields.setup_future_usage,
      shipping,
      source: null,
      statement_descriptor: intentFields.statement_descriptor,
      statement_descriptor_suffix: intentFields.statement_descriptor_suffix,
      status: paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
      transfer_data: null,
      transfer_group: intentFields.transfer_group,
    };
    const stored: StoredPaymentIntent = { intent, returnUrl: null };
    this.store.paymentIntents.set(id, stored);
    this.events.record('payment_intent.created', intent, ctx);
    if (confirm) this.confirmStored(stored, paymentMethod, { returnUrl, offSession, errorOnRequiresAction }, ctx);
    return intent;
  }

  retrieve(id: string, params: ParamReader): PaymentIntent {
    params.rejectUnknown(['expand', 'client_secret']);
    const stored = this.get(id);
    const clientSecret = params.string('client_secret');
    if (clientSecret !== undefined && clientSecret !== stored.intent.client_secret) {
      throw invalidRequest('The client_secret provided does not match the client_secret associated with the PaymentIntent.', 'client_secret');
    }
    return stored.intent;
  }

  list(params: ParamReader): ListPage<PaymentIntent> {
    params.rejectUnknown(['limit', 'starting_after', 'ending_before', 'expand', 'created']);
    const page = readPageRequest(params);
    const newestFirst = [...this.store.paymentIntents.values()].map((s) => s.intent).reverse();
    return paginate(newestFirst, page, '/v1/payment_intents', 'payment_intent');
  }

  /** Updates emit no event: Stripe has no payment_intent.updated. */
  update(id: string, params: ParamReader): PaymentIntent {
    params.rejectUnknown(UPDATE_PARAMS);
    rejectNotModelled(params);
    const stored = this.get(id);
    const intent = stored.intent;
    const currency = params.has('currency') ? readCurrency(params.requiredString('currency')) : intent.currency;
    const amount = params.integer('amount') ?? intent.amount;
    if (params.has('amount') || params.has('currency')) checkAmount(amount, currency);
    const captureMethod = readCaptureMethod(params);
    const paymentMethodTypes = readPaymentMethodTypes(params);
    const metadata = applyMetadata(intent.metadata, params);
    const shipping = readShipping(params);
    const description = params.nullableString('description');
    const receiptEmail = readEmail(params);
    const setupFutureUsage = params.oneOf('setup_future_usage', ['on_session', 'off_session'] as const);
    const statementDescriptor = params.nullableString('statement_descriptor');
    const statementDescriptorSuffix = params.nullableString('statement_descriptor_suffix');
    const transferGroup = params.nullableString('transfer_group');
    const paymentMethodId = params.string('payment_method');

    const restricted = OPEN_ONLY_UPDATES.find((field) => params.has(field));
    if (restricted && !OPEN_STATUSES.includes(intent.status)) {
      throw unexpectedState(
        `This PaymentIntent's ${restricted} could not be updated because it has a status of ${intent.status}. You may only update the ${restricted} of a PaymentIntent with one of the following statuses: ${OPEN_STATUSES.join(', ')}.`,
        snapshot(intent),
      );
    }
    const paymentMethod = paymentMethodId ? this.resolvePaymentMethod(paymentMethodId) : undefined;

    intent.amount = amount;
    intent.currency = currency;
    intent.metadata = metadata;
    if (captureMethod) intent.capture_method = captureMethod;
    if (paymentMethodTypes) restrictPaymentMethodTypes(intent, paymentMethodTypes);
    if (shipping !== undefined) intent.shipping = shipping;
    if (description !== undefined) intent.description = description;
    if (receiptEmail !== undefined) intent.receipt_email = receiptEmail;
    if (setupFutureUsage !== undefined) intent.setup_future_usage = setupFutureUsage;
    if (statementDescriptor !== undefined) intent.statement_descriptor = statementDescriptor;
    if (statementDescriptorSuffix !== undefined) intent.statement_descriptor_suffix = statementDescriptorSuffix;
    if (transferGroup !== undefined) intent.transfer_group = transferGroup;
    if (paymentMethod) {
      // A new payment method needs a new confirmation (and a new 3DS challenge, if any).
      intent.payment_method = paymentMethod.paymentMethod.id;
      intent.status = 'requires_confirmation';
      intent.next_action = null;
    }
    // Stripe: last_payment_error "will be cleared if the PaymentIntent is later updated for any reason".
    if (OPEN_STATUSES.includes(intent.status)) intent.last_payment_error = null;
    return intent;
  }

  confirm(id: string, params: ParamReader, ctx: RequestContext): PaymentIntent {
    params.rejectUnknown(CONFIRM_PARAMS);
    rejectNotModelled(params);
    const returnUrl = params.string('return_url') ?? null;
    const offSession = params.boolean('off_session') ?? false;
    const errorOnRequiresAction = params.boolean('error_on_requires_action') ?? false;
    const receiptEmail = readEmail(params);
    const shipping = readShipping(params);
    const captureMethod = readCaptureMethod(params);
    const paymentMethodTypes = readPaymentMethodTypes(params);
    const paymentMethodId = params.string('payment_method');
    const stored = this.get(id);
    const intent = stored.intent;
    if (intent.status === 'succeeded') {
      throw unexpectedState('You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.', snapshot(intent));
    }
    if (!OPEN_STATUSES.includes(intent.status)) {
      throw unexpectedState(
        `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${OPEN_STATUSES.join(', ')}.`,
        snapshot(intent),
      );
    }
    const paymentMethod = paymentMethodId ? this.resolvePaymentMethod(paymentMethodId) : null;
    if (receiptEmail !== undefined) intent.receipt_email = receiptEmail;
    if (shipping !== undefined) intent.shipping = shipping;
    if (captureMethod) intent.capture_method = captureMethod;
    if (paymentMethodTypes) restrictPaymentMethodTypes(intent, paymentMethodTypes);
    this.confirmStored(stored, paymentMethod, { returnUrl, offSession, errorOnRequiresAction }, ctx);
    return intent;
  }

  cancel(id: string, params: ParamReader, ctx: RequestContext): PaymentIntent {
    params.rejectUnknown(['cancellation_reason', 'expand']);
    const reason = params.oneOf('cancellation_reason', CANCELLATION_REASONS) ?? null;
    const intent = this.get(id).intent;
    if (!CANCELABLE_STATUSES.includes(intent.status)) {
      throw unexpectedState(
        `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE_STATUSES.join(', ')}.`,
        snapshot(intent),
      );
    }
    intent.status = 'canceled';
    intent.canceled_at = unixSeconds();
    intent.cancellation_reason = reason;
    intent.next_action = null;
    this.events.record('payment_intent.canceled', intent, ctx);
    return intent;
  }

  /**
   * The customer finishing (or failing) the 3DS challenge. Not a Stripe API call: Stripe learns this
   * from the card network, so the events carry no request id.
   */
  authenticate(id: string, outcome: 'succeed' | 'fail'): PaymentIntent {
    const stored = this.get(id);
    const intent = stored.intent;
    if (intent.status !== 'requires_action') {
      throw unexpectedState(`This PaymentIntent has a status of ${intent.status}; only a PaymentIntent with status requires_action can be authenticated.`, snapshot(intent));
    }
    const paymentMethod = this.store.paymentMethods.get(intent.payment_method as string);
    if (!paymentMethod) throw new Error(`PaymentIntent ${id} requires action but has no stored payment method`);
    const ctx: RequestContext = { requestId: null, idempotencyKey: null };
    if (outcome === 'succeed') {
      this.succeed(stored, paymentMethod, ctx);
      return intent;
    }
    intent.status = 'requires_payment_method';
    intent.payment_method = null;
    intent.next_action = null;
    intent.last_payment_error = {
      type: 'invalid_request_error',
      code: 'payment_intent_authentication_failure',
      doc_url: docUrlFor('payment_intent_authentication_failure'),
      message:
        'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
      payment_method: structuredClone(paymentMethod.paymentMethod),
    };
    this.events.record('payment_intent.payment_failed', intent, ctx);
    return intent;
  }

  retrieveCharge(id: string) {
    const charge = this.store.charges.get(id);
    if (!charge) throw noSuchObject('charge', id, 'id');
    return charge;
  }

  retrievePaymentMethod(id: string) {
    const stored = this.store.paymentMethods.get(id);
    if (!stored) throw noSuchObject('PaymentMethod', id, 'payment_method');
    return stored.paymentMethod;
  }

  private get(id: string): StoredPaymentIntent {
    const stored = this.store.paymentIntents.get(id);
    if (!stored) throw noSuchObject('payment_intent', id, 'intent');
    return stored;
  }

  /** `pm_card_*` aliases are cloned into a new PaymentMethod each time, as Stripe does. */
  private resolvePaymentMethod(id: string): StoredPaymentMethod {
    const existing = this.store.paymentMethods.get(id);
    if (existing) return existing;
    const card = findTestCard(id);
    if (!card) throw noSuchReferencedObject('PaymentMethod', id, 'payment_method');
    const stored = { paymentMethod: clonePaymentMethod(card), card };
    this.store.paymentMethods.set(stored.paymentMethod.id, stored);
    return stored;
  }

  private confirmStored(stored: StoredPaymentIntent, given: StoredPaymentMethod | null, options: ConfirmOptions, ctx: RequestContext): void {
    const intent = stored.intent;
    const paymentMethod = given ?? (intent.payment_method ? this.store.paymentMethods.get(intent.payment_method as string) : undefined);
    if (!paymentMethod) {
      throw unexpectedState(
        "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
        snapshot(intent),
      );
    }
    requireReturnUrlWhenRedirectsAllowed(intent.automatic_payment_methods, options.returnUrl);
    stored.returnUrl = options.returnUrl;
    intent.payment_method = paymentMethod.paymentMethod.id;

    const behaviour = paymentMethod.card.behaviour;
    if (behaviour.kind === 'succeeds') return this.succeed(stored, paymentMethod, ctx);
    if (behaviour.kind === 'declines') return this.decline(stored, paymentMethod, behaviour.decline, ctx);
    // No customer is present to answer a 3DS challenge: Stripe fails the payment instead.
    if (options.offSession || options.errorOnRequiresAction) return this.decline(stored, paymentMethod, AUTHENTICATION_REQUIRED_DECLINE, ctx);
    intent.status = 'requires_action';
    intent.last_payment_error = null;
    intent.next_action = this.challenge(stored);
    this.events.record('payment_intent.requires_action', intent, ctx);
  }

  /** Stripe redirects when the confirm gave a return_url, and hands the challenge to Stripe.js otherwise. */
  private challenge(stored: StoredPaymentIntent): NextAction {
    const authenticateUrl = `${this.baseUrl()}/_emulator/payment_intents/${stored.intent.id}/authenticate`;
    if (stored.returnUrl) return { type: 'redirect_to_url', redirect_to_url: { return_url: stored.returnUrl, url: authenticateUrl } };
    return {
      type: 'use_stripe_sdk',
      use_stripe_sdk: { type: 'three_d_secure_redirect', source: newId('src'), stripe_js: authenticateUrl },
    };
  }

  private succeed(stored: StoredPaymentIntent, paymentMethod: StoredPaymentMethod, ctx: RequestContext): void {
    const intent = stored.intent;
    const charge = buildCharge(intent, paymentMethod.paymentMethod, null);
    this.store.charges.set(charge.id, charge);
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    intent.latest_charge = charge.id;
    intent.payment_method = paymentMethod.paymentMethod.id;
    intent.next_action = null;
    intent.last_payment_error = null;
    this.events.record('charge.succeeded', charge, ctx);
    this.events.record('payment_intent.succeeded', intent, ctx);
  }

  /** A declined charge: the intent goes back to requires_payment_method and the API answers 402. */
  private decline(stored: StoredPaymentIntent, paymentMethod: StoredPaymentMethod, decline: Decline, ctx: RequestContext): never {
    const intent = stored.intent;
    const charge = buildCharge(intent, paymentMethod.paymentMethod, decline);
    this.store.charges.set(charge.id, charge);
    const error: LastPaymentError = {
      type: 'card_error',
      charge: charge.id,
      code: decline.code,
      decline_code: decline.declineCode,
      doc_url: docUrlFor(decline.code),
      message: decline.message,
      ...(decline.param ? { param: decline.param } : {}),
      payment_method: structuredClone(paymentMethod.paymentMethod),
    };
    intent.status = 'requires_payment_method';
    intent.payment_method = null;
    intent.latest_charge = charge.id;
    intent.next_action = null;
    intent.last_payment_error = error;
    this.events.record('charge.failed', charge, ctx);
    this.events.record('payment_intent.payment_failed', intent, ctx);
    throw new StripeApiError(402, { ...error, payment_intent: snapshot(intent) });
  }
}

/** Automatic payment methods may include redirect-based ones, so Stripe insists on a return_url at confirmation. */
function requireReturnUrlWhenRedirectsAllowed(automatic: PaymentIntent['automatic_payment_methods'], returnUrl: string | null): void {
  if (automatic?.enabled && automatic.allow_redirects !== 'never' && !returnUrl) {
    throw invalidRequest(
      'A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.',
    );
  }
}

/** Explicit payment method types replace automatic payment methods. */
function restrictPaymentMethodTypes(intent: PaymentIntent, types: string[]): void {
  intent.allowed_payment_method_types = types;
  intent.payment_method_types = types;
  intent.automatic_payment_methods = null;
}

function snapshot(intent: PaymentIntent): PaymentIntent {
  return structuredClone(intent);
}
