import { InvalidOrderState } from './errors';

/**
 * The order's lifecycle, in one place. Every write that changes an order's status uses
 * `allowedPredecessors` as a DynamoDB condition, so an illegal transition is refused by the
 * database itself, even under races. The ASL's direct DynamoDB updates (MarkPaid,
 * MarkCompleted) repeat these lists; test/unit/domain/order-status.test.ts checks they agree.
 */
export const ORDER_STATUSES = [
  'PENDING',
  'AWAITING_PAYMENT',
  'PAID',
  'COMPLETED',
  'REJECTED',
  'CANCELED',
  'EXPIRED',
  'NEEDS_ATTENTION',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Target status -> the statuses it may be reached from. */
const PREDECESSORS: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: [],
  AWAITING_PAYMENT: ['PENDING'],
  // From NEEDS_ATTENTION only through an operator's resume of a failed post-payment step.
  PAID: ['AWAITING_PAYMENT', 'NEEDS_ATTENTION'],
  COMPLETED: ['PAID'],
  REJECTED: ['PENDING', 'AWAITING_PAYMENT'],
  CANCELED: ['PENDING', 'AWAITING_PAYMENT'],
  // PENDING too: the window can close while the payment request is still being retried.
  EXPIRED: ['PENDING', 'AWAITING_PAYMENT'],
  // A later step failed after payment, or money arrived for an order already compensated.
  NEEDS_ATTENTION: ['PENDING', 'AWAITING_PAYMENT', 'PAID', 'REJECTED', 'CANCELED', 'EXPIRED'],
};

/** Statuses from which no automatic step moves the order any more. */
export const FINAL_STATUSES: readonly OrderStatus[] = ['COMPLETED', 'REJECTED', 'CANCELED', 'EXPIRED'];

/** Before payment the saga compensates; from PAID on it only moves forward. */
export const PRE_PAYMENT_STATUSES: readonly OrderStatus[] = ['PENDING', 'AWAITING_PAYMENT'];
export const PAID_STATUSES: readonly OrderStatus[] = ['PAID', 'COMPLETED'];

export function allowedPredecessors(to: OrderStatus): readonly OrderStatus[] {
  return PREDECESSORS[to];
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return PREDECESSORS[to].includes(from);
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) {
    throw new InvalidOrderState(`Order cannot go from ${from} to ${to}`, { from, to });
  }
}

export function isOrderStatus(value: unknown): value is OrderStatus {
  return typeof value === 'string' && (ORDER_STATUSES as readonly string[]).includes(value);
}

export interface StatusChange {
  status: OrderStatus;
  at: string;
}
