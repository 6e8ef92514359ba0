/**
 * A scenario that several tests read, run once by whichever test needs it first: every test then
 * also passes alone (`-t`) or in another order, without a variable set by an earlier test.
 */
export function once<T>(scenario: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => (running ??= scenario());
}
