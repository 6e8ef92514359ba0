/**
 * The reconciler (the reconcilePayments function, on a schedule): catches up on webhooks that never
 * arrived. It lists the recent events of the handled types from Stripe's events API and feeds each,
 * oldest first, through the webhook's own path (src/use-cases/events/handle-stripe-event-once.ts:
 * the same decision table, the same dedupe records), so a paid order completes within one period
 * even with the webhook endpoint down, and an event both of them see is handled once.
 */
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { logger } from '../../commons/logger';
import { HANDLED_EVENT_TYPES } from '../../domain/webhook-decision';
import type { StripeEvent } from '../../adapters/payments';
import type { PaymentsPort } from '../ports';
import { RetryLater, type WebhookOutcome } from './handle-stripe-event';
import type { HandleStripeEventOnce } from './handle-stripe-event-once';

/** Events left when less time than this remains are for the next run: never cut one off halfway. */
export const STOP_WHEN_REMAINING_MS = 10_000;

export interface ReconcilePaymentsDeps {
  payments: Pick<PaymentsPort, 'eventsCreatedSince'>;
  handleStripeEventOnce: HandleStripeEventOnce;
  lookBackSeconds: () => number;
  now?: () => number;
}

export interface ReconciliationReport {
  /** The look-back's start (events created at or after it were listed). */
  since: string;
  listed: number;
  /** Handled now for the first time: the webhook had not (yet) delivered them. */
  caughtUp: number;
  /** Already handled (by the webhook or an earlier run): nothing done. */
  alreadyHandled: number;
  /** Not handled yet on purpose (RetryLater, e.g. the payment wait has not stored its token): the next run tries again. */
  deferred: number;
  /** Being handled elsewhere right now (the webhook, most likely). */
  inProgress: number;
  failed: number;
  /** Left for the next run because the invocation was running out of time. */
  leftForNextRun: number;
  /** What the caught-up events did, by action. */
  actions: Partial<Record<WebhookOutcome['action'], number>>;
}

export class ReconciliationIncomplete extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReconciliationIncomplete';
  }
}

export function createReconcilePayments({ payments, handleStripeEventOnce, lookBackSeconds, now = Date.now }: ReconcilePaymentsDeps) {
  /** One run. Throws ReconciliationIncomplete after the last event if any failed, so the invocation shows as an error. */
  return async function reconcilePayments(lambdaContext?: Context): Promise<ReconciliationReport> {
    const sinceSeconds = Math.floor(now() / 1000) - lookBackSeconds();
    const newestFirst: StripeEvent[] = [];
    for await (const event of payments.eventsCreatedSince(sinceSeconds, HANDLED_EVENT_TYPES)) newestFirst.push(event);
    // Oldest first, as they happened (a decline before the success that followed it).
    const events = newestFirst.reverse();

    const report: ReconciliationReport = {
      since: new Date(sinceSeconds * 1000).toISOString(),
      listed: events.length,
      caughtUp: 0,
      alreadyHandled: 0,
      deferred: 0,
      inProgress: 0,
      failed: 0,
      leftForNextRun: 0,
      actions: {},
    };
    for (const [index, event] of events.entries()) {
      if (lambdaContext && lambdaContext.getRemainingTimeInMillis() < STOP_WHEN_REMAINING_MS) {
        report.leftForNextRun = events.length - index;
        break;
      }
      try {
        const { outcome, firstTime } = await handleStripeEventOnce(event, lambdaContext);
        if (!firstTime) {
          report.alreadyHandled++;
          continue;
        }
        report.caughtUp++;
        report.actions[outcome.action] = (report.actions[outcome.action] ?? 0) + 1;
        logger.info('Stripe event caught up by the reconciler', { eventId: event.id, type: event.type, action: outcome.action });
      } catch (error) {
        if (error instanceof RetryLater) report.deferred++;
        else if (error instanceof IdempotencyAlreadyInProgressError) report.inProgress++;
        else {
          report.failed++;
          logger.error('Reconciler could not handle a Stripe event; the next run tries again', { eventId: event.id, type: event.type, error: error as Error });
        }
      } finally {
        // The use case names the event's order on the log lines: not on the next event's.
        logger.removeKeys(['orderId']);
      }
    }
    logger.info('Reconciliation done', { ...report });
    if (report.failed > 0) throw new ReconciliationIncomplete(`${report.failed} of ${report.listed} Stripe events failed; the next run tries them again`);
    return report;
  };
}

export type ReconcilePayments = ReturnType<typeof createReconcilePayments>;
