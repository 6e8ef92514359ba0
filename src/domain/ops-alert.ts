/** What a person on call needs to act without opening five consoles. */
export interface OpsAlert {
  type: 'ORDER_NEEDS_ATTENTION';
  orderId: string;
  /** The saga step that failed, or the event that revealed the problem. */
  step: string;
  error: string;
  reason: string;
  paymentIntentId?: string;
  executionId?: string;
  at: string;
  /** What to do next, in one line. */
  runbook: string;
}

export const RUNBOOK = 'docs/operations.md#an-order-shows-needs_attention';

export function alertSubject(alert: OpsAlert): string {
  // SNS subjects are limited to 100 characters.
  return `[checkout-saga] ${alert.orderId} needs attention: ${alert.step}`.slice(0, 100);
}
