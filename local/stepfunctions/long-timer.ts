/**
 * Node fires any setTimeout longer than 2^31-1 ms (about 24.8 days) after 1 ms. Step Functions
 * timeouts may be up to a year, so long delays are reached by re-arming in chunks.
 */
export const MAX_NODE_TIMER_MS = 2_147_483_647;

export class LongTimer {
  private handle?: NodeJS.Timeout;
  private readonly deadline: number;
  private cancelled = false;

  constructor(delayMs: number, private readonly onFire: () => void) {
    this.deadline = Date.now() + Math.max(0, delayMs);
    this.arm();
  }

  /** Milliseconds left until the timer fires. */
  get remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  cancel(): void {
    this.cancelled = true;
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
  }

  private arm(): void {
    if (this.cancelled) return;
    const remaining = this.deadline - Date.now();
    if (remaining <= 0) {
      this.handle = setTimeout(() => this.fire(), 0);
      return;
    }
    this.handle = setTimeout(() => (remaining > MAX_NODE_TIMER_MS ? this.arm() : this.fire()), Math.min(remaining, MAX_NODE_TIMER_MS));
  }

  private fire(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.handle = undefined;
    this.onFire();
  }
}
