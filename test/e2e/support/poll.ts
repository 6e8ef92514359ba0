/**
 * The e2e layer's form of test/support/poll.ts: the function first, the description among the
 * options (15 s by default). The polling itself is the shared one.
 */
import { pollUntil as pollFor, type PollOptions as SharedPollOptions } from '../../support/poll';

export { PollTimeout } from '../../support/poll';

export interface PollOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What we wait for, for the failure message. */
  description?: string;
}

export function pollUntil<T>(fn: () => Promise<T> | T, options: PollOptions & { accept: (value: T) => boolean }): Promise<T>;
export function pollUntil<T>(fn: () => Promise<T> | T, options?: PollOptions): Promise<Exclude<T, undefined | null | false>>;
export function pollUntil<T>(fn: () => Promise<T> | T, options: PollOptions & Pick<SharedPollOptions<T>, 'accept'> = {}): Promise<T> {
  const { description = 'condition', timeoutMs = 15_000, ...rest } = options;
  return pollFor<T>(description, fn as () => Promise<T>, { timeoutMs, ...rest });
}
