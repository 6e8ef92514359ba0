/** Parameters of the PaymentIntent endpoints: which ones exist, and how the structured ones are read. */
import { parameterError } from './errors';
import type { ParamReader } from './form';
import type { PaymentIntent } from './types';

/** Real Stripe parameters this emulator does not model: refused with a message naming the emulator, not as unknown. */
export const NOT_MODELLED = [
  'amount_details',
  'amount_to_confirm',
  'application_fee_amount',
  'confirmation_token',
  'customer',
  'customer_account',
  'excluded_payment_method_types',
  'hooks',
  'mandate',
  'mandate_data',
  'on_behalf_of',
  'payment_details',
  'payment_method_configuration',
  'payment_method_data',
  'radar_options',
  'transfer_data',
];

export const CREATE_PARAMS = [
  'amount',
  'currency',
  'allowed_payment_method_types',
  'automatic_payment_methods',
  'capture_method',
  'confirm',
  'confirmation_method',
  'description',
  'error_on_requires_action',
  'expand',
  'metadata',
  'off_session',
  'payment_method',
  'payment_method_options',
  'payment_method_types',
  'receipt_email',
  'return_url',
  'setup_future_usage',
  'shipping',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'transfer_group',
  'use_stripe_sdk',
  ...NOT_MODELLED,
];
export const UPDATE_PARAMS = [
  'allowed_payment_method_types',
  'amount',
  'capture_method',
  'currency',
  'description',
  'expand',
  'metadata',
  'payment_method',
  'payment_method_options',
  'payment_method_types',
  'receipt_email',
  'setup_future_usage',
  'shipping',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'transfer_group',
  ...NOT_MODELLED,
];
export const CONFIRM_PARAMS = [
  'allowed_payment_method_types',
  'capture_method',
  'error_on_requires_action',
  'expand',
  'off_session',
  'payment_method',
  'payment_method_options',
  'receipt_email',
  'return_url',
  'setup_future_usage',
  'shipping',
  'use_stripe_sdk',
  ...NOT_MODELLED,
];
/** Fields Stripe only lets you change while the intent is still open. */
export const OPEN_ONLY_UPDATES = ['amount', 'currency', 'payment_method', 'capture_method', 'allowed_payment_method_types', 'payment_method_types'];

export function rejectNotModelled(params: ParamReader): void {
  const param = NOT_MODELLED.find((name) => params.has(name));
  if (param) throw parameterError(`The Stripe emulator does not support the parameter '${param}'.`, param);
}

export function readCaptureMethod(params: ParamReader): 'automatic' | 'automatic_async' | undefined {
  const method = params.oneOf('capture_method', ['automatic', 'automatic_async', 'manual'] as const);
  if (method === 'manual') throw parameterError("The Stripe emulator supports only capture_method 'automatic' and 'automatic_async'.", 'capture_method');
  return method;
}

/** `payment_method_types` (API versions before its rename, and the CLI) or `allowed_payment_method_types`. */
export function readPaymentMethodTypes(params: ParamReader): string[] | undefined {
  const types = params.stringArray('allowed_payment_method_types') ?? params.stringArray('payment_method_types');
  if (types === undefined) return undefined;
  const param = params.has('allowed_payment_method_types') ? 'allowed_payment_method_types' : 'payment_method_types';
  if (types.length === 0) throw parameterError(`Invalid array: ${param} must not be empty.`, param);
  const unsupported = types.find((t) => t !== 'card');
  if (unsupported) throw parameterError(`The Stripe emulator supports only card payments, not '${unsupported}'.`, param);
  return types;
}

export function readAutomaticPaymentMethods(params: ParamReader): PaymentIntent['automatic_payment_methods'] | undefined {
  const apm = params.object('automatic_payment_methods');
  if (!apm) return undefined;
  apm.rejectUnknown(['enabled', 'allow_redirects']);
  const enabled = apm.boolean('enabled');
  if (enabled === undefined) throw parameterError('Missing required param: automatic_payment_methods[enabled].', apm.name('enabled'), 'parameter_missing');
  const allowRedirects = apm.oneOf('allow_redirects', ['always', 'never'] as const) ?? 'always';
  return { allow_redirects: allowRedirects, enabled };
}

export function readEmail(params: ParamReader): string | null | undefined {
  const email = params.nullableString('receipt_email');
  if (email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw parameterError(`Invalid email address: ${email}`, 'receipt_email', 'email_invalid');
  return email;
}

export function readShipping(params: ParamReader): PaymentIntent['shipping'] | undefined {
  const shipping = params.object('shipping');
  if (shipping === undefined) return undefined;
  if (shipping === null) return null;
  shipping.rejectUnknown(['address', 'carrier', 'name', 'phone', 'tracking_number']);
  const address = shipping.object('address');
  if (!address) throw parameterError('Missing required param: shipping[address].', shipping.name('address'), 'parameter_missing');
  address.rejectUnknown(['city', 'country', 'line1', 'line2', 'postal_code', 'state']);
  const field = (reader: ParamReader, key: string) => reader.string(key) || null;
  return {
    address: {
      city: field(address, 'city'),
      country: field(address, 'country'),
      line1: field(address, 'line1'),
      line2: field(address, 'line2'),
      postal_code: field(address, 'postal_code'),
      state: field(address, 'state'),
    },
    carrier: field(shipping, 'carrier'),
    name: shipping.requiredString('name'),
    phone: field(shipping, 'phone'),
    tracking_number: field(shipping, 'tracking_number'),
  };
}
