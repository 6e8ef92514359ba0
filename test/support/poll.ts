/**
 * Synchronisation for the reliability suite: never a sleep, always "ask again until it holds or
 * the deadline passes", and bounded concurrency for bursts of HTTP calls.
 */
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
    return text === undefined ? String(value) : text.length > 1500 ? `${text.slice(0, 1500)}...` : text;
  } catch {
    return String(value);
  }
}

/**
 * Thrown by a probe for an answer that waiting will not make right (a 5xx from the API): pollUntil
 * fails at once with it instead of counting it as "not yet", so an intermittent error is not hidden.
 */
export class UnexpectedAnswer extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnexpectedAnswer';
  }
}

export interface PollOptions<T> {
  timeoutMs?: number;
  intervalMs?: number;
  /** When a value counts as done; default: anything but undefined, null or false. */
  accept?: (value: T) => boolean;
}

/**
 * Calls `probe` until it returns an accepted value and returns it. Errors count as "not yet",
 * except UnexpectedAnswer, which fails the poll at once.
 * On the deadline, fails with what it saw last.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 30_000, intervalMs = 100, accept }: PollOptions<T> = {},
): Promise<T> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const done = accept ?? ((value: unknown) => value !== undefined && value !== null && value !== false);
  let last: unknown;
  for (let attempts = 1; ; attempts++) {
    try {
      const value = await probe();
      if (done(value as T)) return value as T;
      last = value;
    } catch (error) {
      if (error instanceof UnexpectedAnswer) throw error;
      last = error;
    }
    if (Date.now() >= deadline) {
      throw new PollTimeout(`Timed out after ${Date.now() - started} ms (${attempts} attempts) waiting for ${what}; last: ${show(last)}`);
    }
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

/** A pause between polls or before a scheduled action; never used to wait for the system. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Counts of each value, sorted by key: `{COMPLETED: 20, REJECTED: 40}`. */
export function tally(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of [...values].sort()) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

export function showTally(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length ? entries.map(([key, count]) => `${count} ${key}`).join(', ') : 'none';
}
