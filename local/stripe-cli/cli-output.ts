/**
 * The Stripe CLI's terminal output as the local cloud's log lines: one line per forwarded event
 * with the response status its destination gave, errors as they are, and nothing that shows a
 * signing secret whole.
 *
 *   2026-12-06 10:36:18   --> payment_intent.succeeded [evt_123]
 *   2026-12-06 10:36:18  <--  [200] POST http://127.0.0.1:3000/webhooks/stripe [evt_123]
 *   -> "payment_intent.succeeded evt_123 -> 200 POST http://127.0.0.1:3000/webhooks/stripe"
 */
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+/;
const EVENT_RECEIVED = /^-->\s+(?:connect\s+)?([\w.]+)\s+\[(\w+)\]/;
const RESPONSE = /^<--\s+\[(\d{3})\]\s+(\w+)\s+(\S+)\s+\[(\w+)\]/;
const SECRET = /whsec_[A-Za-z0-9]+/g;

export class StripeCliOutput {
  /** Event types by id, from the "-->" lines, for the response lines that name only the id. */
  private readonly typesById = new Map<string, string>();

  /** The readable line for one line of output, or undefined for a line worth no log line. */
  format(rawLine: string): string | undefined {
    const line = rawLine.replace(ANSI, '').replace(TIMESTAMP, '').trim();
    if (!line) return undefined;
    const received = EVENT_RECEIVED.exec(line);
    if (received) {
      // Kept for the response line: one log line per forwarded event, with its status.
      this.typesById.set(received[2], received[1]);
      if (this.typesById.size > 10_000) this.typesById.delete(this.typesById.keys().next().value!);
      return undefined;
    }
    const response = RESPONSE.exec(line);
    if (response) {
      const [, status, method, url, eventId] = response;
      return `${this.typesById.get(eventId) ?? 'event'} ${eventId} -> ${status} ${method} ${url}`;
    }
    return line.replace(SECRET, (secret) => `${secret.slice(0, 10)}...`);
  }
}
