/** A promise with its settle functions exposed, remembering whether it has settled. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
  readonly settled: boolean;
}

export function deferred<T>(): Deferred<T> {
  let settle!: { resolve(value: T): void; reject(reason: unknown): void };
  const promise = new Promise<T>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Waiters may legitimately never attach (e.g. a task killed before anyone awaited it).
  promise.catch(() => undefined);
  const d = {
    promise,
    settled: false,
    resolve(value: T) {
      if (d.settled) return;
      d.settled = true;
      settle.resolve(value);
    },
    reject(reason: unknown) {
      if (d.settled) return;
      d.settled = true;
      settle.reject(reason);
    },
  };
  return d;
}
