import { randomBytes } from 'node:crypto';
import type { OrderStatus, StatusChange } from './order-status';

export interface OrderLine {
  sku: string;
  name: string;
  quantity: number;
  /** Minor units, from the catalogue at acceptance. */
  unitPrice: number;
  lineTotal: number;
}

export interface Amounts {
  subtotal: number;
  shipping: number;
  total: number;
  currency: string;
}

export interface PaymentError {
  code?: string;
  declineCode?: string;
  message?: string;
  at: string;
}

export interface PaymentState {
  paymentIntentId?: string;
  clientSecret?: string;
  /** The PaymentIntent's status as last reported by Stripe. */
  status?: string;
  lastError?: PaymentError;
}

export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  state?: string;
  country: string;
}

export type AttentionKind = 'POST_PAYMENT_STEP_FAILED' | 'PAID_AFTER_COMPENSATION' | 'PAYMENT_AMOUNT_MISMATCH';

export interface Attention {
  kind: AttentionKind;
  /** The saga step that failed, when one did. */
  step?: string;
  error?: string;
  /** The technical reason, for operators; never shown to the customer. */
  reason?: string;
  at: string;
  /** Set when an operator's resume is claimed; a new flag replaces the whole `attention`. */
  resumeRequestedAt?: string;
}

export interface Order {
  orderId: string;
  status: OrderStatus;
  items: OrderLine[];
  amounts: Amounts;
  customer: { email: string };
  shippingAddress: ShippingAddress;
  shippingZone: string;
  payment: PaymentState;
  paymentWindowSeconds: number;
  failureReason?: string;
  history: StatusChange[];
  createdAt: string;
  updatedAt: string;
  /** Whether this order currently holds stock: set by the reservation, cleared by the release. */
  stock?: 'RESERVED' | 'RELEASED' | 'COMMITTED';
  /** The payment wait's task token; a credential, never returned or logged. */
  taskToken?: string;
  cancelRequestedAt?: string;
  /** Set by the compensation before it reads the PaymentIntent id: no intent is recorded after it. */
  compensationStartedAt?: string;
  attention?: Attention;
  resumeCount?: number;
  /** Set once the hand-off to fulfilment was sent: a retry of FulfillOrder after its effect, or a resume after a later step failed, does not send it again. */
  fulfilmentRequestedAt?: string;
}

/** 128 random bits: order ids are unguessable, since knowing one lets you read and cancel the order. */
export function newOrderId(): string {
  return `ord_${randomBytes(16).toString('base64url')}`;
}

export const ORDER_ID_PATTERN = /^ord_[A-Za-z0-9_-]{22}$/;

/** Whether money Stripe reports is exactly what the order asked for. */
export function paymentMatchesOrder(order: Pick<Order, 'amounts'>, amount: number, currency: string): boolean {
  return amount === order.amounts.total && currency.toLowerCase() === order.amounts.currency.toLowerCase();
}

/** What a customer sees of a NEEDS_ATTENTION order; the technical reason stays in `attention`. */
export const NEEDS_ATTENTION_CUSTOMER_MESSAGE = 'Your payment was received; we are finishing your order and will contact you if needed';

/** What the public API shows of an order: no task token, the client secret only while it is useful. */
export function toOrderView(order: Order) {
  return {
    orderId: order.orderId,
    status: order.status,
    items: order.items,
    amounts: order.amounts,
    payment: {
      paymentIntentId: order.payment.paymentIntentId ?? null,
      clientSecret: order.status === 'AWAITING_PAYMENT' ? (order.payment.clientSecret ?? null) : null,
      status: order.payment.status ?? null,
      lastError: order.payment.lastError ?? null,
    },
    failureReason: order.failureReason ?? null,
    paymentWindowSeconds: order.paymentWindowSeconds,
    history: order.history,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}
export type OrderView = ReturnType<typeof toOrderView>;

export function stockLines(order: Pick<Order, 'items'>): { sku: string; quantity: number }[] {
  return order.items.map(({ sku, quantity }) => ({ sku, quantity }));
}
