/**
 * A token bucket, the algorithm AWS documents for its API throttling (and Stripe's limiter behaves
 * alike): `capacity` tokens at most, refilled continuously at `refillPerSecond`; a request takes
 * `cost` tokens or is refused. Used by every production limit (production-limits.ts).
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(capacity > 0 && refillPerSecond > 0)) throw new Error('a token bucket needs a capacity and a refill rate above 0');
    this.tokens = capacity;
    this.updatedAt = this.now();
  }

  /** Takes `cost` tokens if there are that many; false (and nothing taken) otherwise. */
  take(cost = 1): boolean {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.refillPerSecond);
    this.updatedAt = now;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}
