/**
 * Stripe's idempotency keys (docs.stripe.com/idempotency): the first response to a POST with a
 * given key, errors included, is saved and replayed for the same key; the same key with other
 * parameters, or on another endpoint, is an idempotency_error. Keys are scoped to the API key
 * (held here only as a hash) and kept for 24 hours.
 */
import { createHash } from 'node:crypto';
import { StripeApiError } from './errors';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
const RETENTION_MS = 24 * 60 * 60 * 1000;

export interface SavedResponse {
  status: number;
  body: string;
  requestId: string;
  /** `POST /v1/payment_intents` */
  endpoint: string;
  /** Canonical form of the parameters, to detect reuse with other parameters. */
  fingerprint: string;
  savedAt: number;
}

export class IdempotencyStore {
  private readonly saved = new Map<string, SavedResponse>();

  lookup(apiKey: string, key: string, now = Date.now()): SavedResponse | undefined {
    const scoped = scope(apiKey, key);
    const entry = this.saved.get(scoped);
    if (entry && now - entry.savedAt > RETENTION_MS) {
      this.saved.delete(scoped);
      return undefined;
    }
    return entry;
  }

  save(apiKey: string, key: string, response: SavedResponse): void {
    this.saved.set(scope(apiKey, key), response);
  }

  clear(): void {
    this.saved.clear();
  }
}

export function mismatchError(key: string, saved: SavedResponse, endpoint: string, fingerprint: string): StripeApiError | null {
  if (saved.endpoint !== endpoint) {
    return new StripeApiError(
      400,
      {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${saved.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
      },
      'validation',
    );
  }
  if (saved.fingerprint !== fingerprint) {
    return new StripeApiError(
      400,
      {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      },
      'validation',
    );
  }
  return null;
}

function scope(apiKey: string, key: string): string {
  return `${createHash('sha256').update(apiKey).digest('hex')}:${key}`;
}
