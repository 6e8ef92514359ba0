import { randomBytes } from 'node:crypto';
import { SfnApiError } from './errors';
import type { JSONValue } from './types';

/** Real task tokens are 640-740 characters; 480 random bytes give 640 base64url characters. */
const TOKEN_RANDOM_BYTES = 480;
const MAX_TOKEN_LENGTH = 2048;

export function mintTaskToken(): string {
  return randomBytes(TOKEN_RANDOM_BYTES).toString('base64url');
}

/** Task tokens are bearer credentials for resuming a payment: only ever print a prefix. */
export function redactToken(token: unknown): string {
  if (typeof token !== 'string') return '<no token>';
  return `${token.slice(0, 8)}...(${token.length} chars)`;
}

export interface CallbackListener {
  onSuccess(output: JSONValue): void;
  onFailure(error: string | undefined, cause: string | undefined): void;
  onHeartbeat(): void;
}

type TokenEntry = { open: true; listener: CallbackListener } | { open: false };

/**
 * Every token ever issued by the engine, open or closed. Closed tokens are kept so that late or
 * duplicate callbacks answer TaskTimedOut (as AWS does) instead of InvalidToken.
 */
export class TaskTokenRegistry {
  private readonly entries = new Map<string, TokenEntry>();

  open(token: string, listener: CallbackListener): void {
    this.entries.set(token, { open: true, listener });
  }

  close(token: string): void {
    if (this.entries.has(token)) this.entries.set(token, { open: false });
  }

  succeed(token: unknown, output: unknown): void {
    const listener = this.openListener(token);
    const parsed = parseCallbackOutput(output);
    this.close(token as string);
    listener.onSuccess(parsed);
  }

  fail(token: unknown, error?: string, cause?: string): void {
    const listener = this.openListener(token);
    this.close(token as string);
    listener.onFailure(error, cause);
  }

  heartbeat(token: unknown): void {
    this.openListener(token).onHeartbeat();
  }

  private openListener(token: unknown): CallbackListener {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw new SfnApiError('InvalidToken', 'Invalid token');
    }
    const entry = this.entries.get(token);
    if (!entry) throw new SfnApiError('InvalidToken', 'Invalid token');
    // AWS answers TaskTimedOut or TaskDoesNotExist for a closed task; we always answer TaskTimedOut.
    if (!entry.open) throw new SfnApiError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    return entry.listener;
  }
}

function parseCallbackOutput(output: unknown): JSONValue {
  if (typeof output !== 'string') throw new SfnApiError('InvalidOutput', 'The output must be a JSON string');
  try {
    return JSON.parse(output) as JSONValue;
  } catch {
    throw new SfnApiError('InvalidOutput', 'The provided JSON output data is invalid');
  }
}
