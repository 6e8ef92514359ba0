import { mintTaskToken } from './task-tokens';

interface StateEntry {
  enteredTime: Date;
  retryCount: number;
}

/**
 * Per execution: which state the library is working on right now, for the `$$.State.*` and
 * `$$.Task.Token` getters of the context object. Fed by the definition hooks, which fire
 * synchronously right before the library evaluates a state's paths and templates.
 *
 * Known limit: the state names of concurrent Map iterations are the same, so a retry inside one
 * iteration counts towards the most recent entry of that name.
 */
export class StateCursor {
  private lookedUp?: { name: string; at: Date };
  private readonly entries = new Map<string, StateEntry>();
  private current?: string;
  /** The attempt whose input is being evaluated now; its token is minted on first read. */
  private attempt?: { stateName: string; token?: string };

  stateLookedUp(name: string): void {
    this.lookedUp = { name, at: new Date() };
  }

  attemptStarting(name: string): void {
    const isEntry = this.lookedUp?.name === name;
    const entry = this.entries.get(name);
    if (isEntry || !entry) this.entries.set(name, { enteredTime: this.lookedUp?.at ?? new Date(), retryCount: 0 });
    else entry.retryCount += 1;
    this.lookedUp = undefined;
    this.current = name;
    this.attempt = { stateName: name };
  }

  focus(name: string): void {
    this.current = name;
  }

  get stateName(): string | undefined {
    return this.current;
  }

  get enteredTime(): string | undefined {
    return this.current ? this.entries.get(this.current)?.enteredTime.toISOString() : undefined;
  }

  get retryCount(): number | undefined {
    return this.current ? this.entries.get(this.current)?.retryCount : undefined;
  }

  /** `$$.Task.Token`: one token per attempt, however many times Parameters mention it. */
  tokenForCurrentAttempt(): string | undefined {
    if (!this.attempt || this.attempt.stateName !== this.current) return undefined;
    this.attempt.token ??= mintTaskToken();
    return this.attempt.token;
  }

  /** Called by the Task override right after the library evaluated that attempt's Parameters. */
  takeAttempt(stateName: string): { retryCount: number; token?: string } {
    const token = this.attempt?.stateName === stateName ? this.attempt.token : undefined;
    this.attempt = undefined;
    return { retryCount: this.entries.get(stateName)?.retryCount ?? 0, token };
  }
}
