/**
 * fauxqs (SQS + SNS emulator) in a child process: it is ESM-only and cannot be loaded by jest's
 * CommonJS module system. See fauxqs-server.mjs for the queue-URL adjustment that lets handler
 * code configured only by AWS_ENDPOINT_URL_SQS use the URLs it returns.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { killWhenParentExits, stopChildProcess } from '../shared/child-processes';
import { LOOPBACK } from '../shared/ports';

export interface Fauxqs {
  /** Serves SQS (JSON protocol) and SNS (query protocol) on the same origin. */
  endpoint: string;
  port: number;
  startupMs: number;
  pid: number;
  close(): Promise<void>;
}

const SERVER_ENTRY = path.join(__dirname, 'fauxqs-server.mjs');

export async function startFauxqs({ port = 0, startTimeoutMs = 15_000 }: { port?: number; startTimeoutMs?: number } = {}): Promise<Fauxqs> {
  const startedAt = Date.now();
  // stdin stays an open pipe: the child exits when it closes (our death included).
  const child = spawn(process.execPath, [SERVER_ENTRY, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  killWhenParentExits(child);
  let errorOutput = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errorOutput = (errorOutput + chunk.toString()).slice(-4000);
  });

  const listeningPort = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => fail(new Error(`fauxqs did not start within ${startTimeoutMs} ms:\n${errorOutput}`)), startTimeoutMs);
    const onExit = (code: number | null) => fail(new Error(`fauxqs exited with code ${code} before listening:\n${errorOutput}`));
    function fail(error: Error) {
      clearTimeout(timer);
      lines.close();
      child.removeListener('exit', onExit);
      void stopChildProcess(child).then(() => reject(error));
    }
    child.once('exit', onExit);
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.removeListener('exit', onExit);
      lines.close();
      child.stdout?.resume(); // keep draining: a full pipe would block the child
      try {
        resolve(JSON.parse(line).port);
      } catch {
        fail(new Error(`unexpected first line from fauxqs: ${line}`));
      }
    });
  });

  return {
    endpoint: `http://${LOOPBACK}:${listeningPort}`,
    port: listeningPort,
    startupMs: Date.now() - startedAt,
    pid: child.pid ?? -1,
    close: async () => {
      child.stdin?.end();
      await stopChildProcess(child);
    },
  };
}
