/** The notifySlack function: every message of the ops topic as one Slack line (or a log line without a Slack URL). */
import { logger } from '../../commons/logger';
import type { SecretsPort } from '../ports';

/** Turns whatever reached the ops topic into one Slack line (our alerts, Step Functions events, alarms). */
export function formatOpsMessage(message: string, subject?: string): string {
  let parsed: Record<string, any> | undefined;
  try {
    parsed = JSON.parse(message);
  } catch {
    return `:rotating_light: ${subject ?? 'checkout-saga'}: ${message.slice(0, 2000)}`;
  }
  if (parsed?.type === 'ORDER_NEEDS_ATTENTION') {
    return [
      `:rotating_light: *Order ${parsed.orderId} needs attention* (step ${parsed.step}, ${parsed.error})`,
      parsed.reason,
      `PaymentIntent: ${parsed.paymentIntentId ?? 'none'} | Execution: ${parsed.executionId ?? 'n/a'}`,
      `Runbook: ${parsed.runbook}`,
    ].join('\n');
  }
  if (parsed?.['detail-type'] === 'Step Functions Execution Status Change') {
    const d = parsed.detail ?? {};
    return `:warning: *Checkout execution ${d.name} ${d.status}* (${d.executionArn}). The order may need a person: see docs/operations.md.`;
  }
  if (parsed?.AlarmName) {
    return `:bell: *Alarm ${parsed.AlarmName}* is ${parsed.NewStateValue}: ${parsed.NewStateReason ?? ''}`;
  }
  return `:rotating_light: ${subject ?? 'checkout-saga'}: ${message.slice(0, 2000)}`;
}

export interface NotifySlackDeps {
  secrets: Pick<SecretsPort, 'getSecret'>;
  /** Posts to Slack; the global fetch in production. */
  fetch: typeof fetch;
}

export function createNotifySlack({ secrets, fetch }: NotifySlackDeps) {
  async function notifySlack(message: string, subject?: string): Promise<'POSTED' | 'LOGGED'> {
    const text = formatOpsMessage(message, subject);
    const url = await secrets.getSecret('slackWebhookUrl');
    if (!url) {
      logger.warn('Ops alert (no Slack webhook configured)', { alert: text });
      return 'LOGGED';
    }
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(5000),
    });
    // Throwing makes SNS's async invocation retry; the alert is not lost on a Slack hiccup.
    if (!response.ok) throw new Error(`Slack answered ${response.status}`);
    return 'POSTED';
  }

  return notifySlack;
}
