/**
 * The handlers log JSON (Powertools), as on AWS. In the terminal, one readable line per event:
 * time, level, function, order id, message and the rest of the keys.
 */
const NOISE = new Set([
  'level', 'message', 'timestamp', 'service', 'function_name', 'function_arn', 'function_memory_size',
  'function_request_id', 'cold_start', 'xray_trace_id', 'sampling_rate', 'orderId',
]);

export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || !('level' in entry) || !('message' in entry)) return line;
  const time = typeof entry.timestamp === 'string' ? entry.timestamp.slice(11, 23) : '';
  const fn = String(entry.function_name ?? entry.service ?? '').replace(/^checkout-saga-[a-z0-9]+-/, '');
  const order = entry.orderId ? ` ${entry.orderId}` : '';
  const rest = Object.entries(entry)
    .filter(([key]) => !NOISE.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${time} ${String(entry.level).padEnd(5)} ${fn}${order}: ${entry.message}${rest ? `  ${rest}` : ''}`;
}

export function installReadableLogs(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const formatted = text
      .split('\n')
      .map((line) => (line.trim() ? formatLogLine(line) : line))
      .join('\n');
    return write(formatted, ...rest);
  }) as typeof stream.write;
}
