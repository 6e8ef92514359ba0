/** One source of "now" so tests and logs agree on timestamps' shape. */
export function nowIso(): string {
  return new Date().toISOString();
}
