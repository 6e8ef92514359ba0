import { deferred, type Deferred } from './deferred';
import { AttemptCancelledError } from './errors';
import type { JSONValue } from './types';

/** One attempt of one Task state (every retry is a new attempt with a new token). */
export class TaskAttempt {
  /**
   * Resolves with the state's raw input once the history holds the event that opened this attempt
   * (TaskStateEntered, or the retry of the previous attempt). Task events are appended after it.
   */
  readonly opened: Deferred<JSONValue> = deferred();
  /** Rejects with AttemptCancelledError when the attempt is cancelled from outside. */
  readonly cancelled: Deferred<never> = deferred();
  /** When the library handed the attempt over (it arms its own backstop timer right after). */
  readonly startedAt = Date.now();
  private closed = false;
  private readonly closers: (() => void)[] = [];

  constructor(
    readonly stateName: string,
    readonly retryCount: number,
    readonly token: string | undefined,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(closer: () => void): void {
    if (this.closed) closer();
    else this.closers.push(closer);
  }

  /** Ends the attempt from outside: its token closes at once, so late callbacks answer TaskTimedOut. */
  cancel(reason: string): void {
    if (this.closed) return;
    const error = new AttemptCancelledError(reason);
    this.opened.reject(error);
    this.cancelled.reject(error);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const closer of this.closers.splice(0)) closer();
  }
}

/** The open task attempts of one execution. */
export class TaskAttemptRegistry {
  private readonly open = new Set<TaskAttempt>();
  /** Per state name, attempts whose opening event the history has not reached yet (FIFO). */
  private readonly awaitingOpening = new Map<string, TaskAttempt[]>();

  begin(stateName: string, retryCount: number, token: string | undefined): TaskAttempt {
    const attempt = new TaskAttempt(stateName, retryCount, token);
    this.open.add(attempt);
    const queue = this.awaitingOpening.get(stateName) ?? [];
    queue.push(attempt);
    this.awaitingOpening.set(stateName, queue);
    attempt.onClose(() => {
      this.open.delete(attempt);
      const pending = this.awaitingOpening.get(stateName);
      if (pending?.includes(attempt)) pending.splice(pending.indexOf(attempt), 1);
    });
    return attempt;
  }

  /** The history reached the entry (or retry) of `stateName`: release the oldest attempt waiting for it. */
  markOpened(stateName: string, rawInput: JSONValue): void {
    const attempt = this.awaitingOpening.get(stateName)?.shift();
    attempt?.opened.resolve(rawInput);
  }

  /** Whether an attempt of this state has been open for at least `ms`. */
  hasOpenAttemptOlderThan(stateName: string, ms: number): boolean {
    const now = Date.now();
    return [...this.open].some((attempt) => attempt.stateName === stateName && now - attempt.startedAt >= ms);
  }

  cancelWhere(predicate: (attempt: TaskAttempt) => boolean, reason: string): void {
    for (const attempt of [...this.open]) if (predicate(attempt)) attempt.cancel(reason);
  }

  cancelAll(reason: string): void {
    this.cancelWhere(() => true, reason);
  }
}
