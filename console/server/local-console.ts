/**
 * The console against the local cloud: the same server, pointed at the local endpoints, with the
 * local-only actions (faults, webhook resend, 3-D Secure) and the EMF lines captured from stdout.
 * Takes the local cloud's public description, not the local cloud itself (console/ imports no local/).
 */
import { join } from 'node:path';
import { startConsoleServer, type ConsoleServer } from './console-server';

export interface LocalCloudDescription {
  apiUrl: string;
  adminApiKey: string;
  stateMachineArn: string;
  endpoints: { dynamodb: string; sqs: string; sfn: string };
  stripe: { secretKey: string; apiBase?: string };
}

/** Keeps the last EMF lines written to a stream (Powertools Metrics prints one JSON line per flush). */
export function captureEmfLines(stream: NodeJS.WriteStream, max = 20_000): { lines: () => string[]; stop: () => void } {
  const lines: string[] = [];
  const original = stream.write;
  const write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
    if (text.includes('"_aws"')) {
      for (const line of text.split('\n')) if (line.includes('"CloudWatchMetrics"')) lines.push(line);
      if (lines.length > max) lines.splice(0, lines.length - max);
    }
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  };
  stream.write = write as typeof stream.write;
  return { lines: () => lines, stop: () => void (stream.write = original) };
}

export async function startLocalConsole(
  cloud: LocalCloudDescription,
  options: { port?: number; root?: string; refreshMs?: number; emfLines?: () => string[] } = {},
): Promise<ConsoleServer> {
  const root = options.root ?? join(__dirname, '..', '..');
  const region = cloud.stateMachineArn.split(':')[3];
  return startConsoleServer({
    stage: 'local',
    region,
    endpoints: cloud.endpoints,
    stateMachineArn: cloud.stateMachineArn,
    apiUrl: cloud.apiUrl,
    adminApiKey: cloud.adminApiKey,
    stripe: { secretKey: cloud.stripe.secretKey, apiBase: cloud.stripe.apiBase },
    allowActions: true,
    local: { controlUrl: cloud.apiUrl, stripeEmulatorUrl: cloud.stripe.apiBase, metricLines: options.emfLines, functionOfState: {} },
    aslPath: join(root, 'stepfunctions', 'checkout.asl.yml'),
    port: options.port,
    refreshMs: options.refreshMs,
  });
}
