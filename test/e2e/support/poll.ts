/**
 * Polling with a deadline: the e2e layer never sleeps to synchronise, it asks again until the
 * condition holds or the deadline passes, and then fails saying what it saw last.
 */
export interface PollOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What we wait for, for the failure message. */
  description?: string;
}

export class PollTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PollTimeout';
  }
}

function show(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 2000 ? `${text.slice(0, 2000)}...` : text;
  } catch {
    return String(value);
  }
}

/**
 * Calls `fn` until it returns a value accepted by `accept` (default: anything but undefined, null
 * or false), and returns that value. Errors thrown by `fn` count as "not yet" and are reported on
 * timeout.
 */
export function pollUntil<T>(fn: () => Promise<T> | T, options: PollOptions & { accept: (value: T) => boolean }): Promise<T>;
export function pollUntil<T>(fn: () => Promise<T> | T, options?: PollOptions): Promise<Exclude<T, undefined | null | false>>;
export async function pollUntil<T>(
  fn: () => Promise<T> | T,
  options: PollOptions & { accept?: (value: T) => boolean } = {},
): Promise<T> {
  const { timeoutMs = 15_000, intervalMs = 100, description = 'condition' } = options;
  const accept = options.accept ?? ((value: T) => value !== undefined && value !== false && value !== null);
  const started = Date.now();
  const deadline = started + timeoutMs;
  let attempts = 0;
  let last: { value?: T; error?: unknown } = {};
  for (;;) {
    attempts += 1;
    try {
      const value = await fn();
      last = { value };
      if (accept(value)) return value;
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) {
      const seen = 'error' in last && last.error !== undefined ? `threw ${show(last.error)}` : `returned ${show(last.value)}`;
      throw new PollTimeout(`Timed out after ${Date.now() - started} ms (${attempts} attempts) waiting for ${description}; last attempt ${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}
