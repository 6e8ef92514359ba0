/**
 * Lifecycle of the helper processes the local cloud starts (DynamoDB Local's JVM, the fauxqs
 * server): they must never outlive the Node process that started them.
 *
 * Three layers, because no single one covers every way a parent can die:
 *  - `stopChildProcess` is the normal path (close()): SIGTERM, wait for exit, SIGKILL after a grace.
 *  - `killWhenParentExits` kills registered children synchronously on process 'exit' (normal end,
 *    uncaught exception, process.exit) and on SIGINT/SIGTERM/SIGHUP. The signal handlers are only
 *    installed while children are running, and re-raise the signal when nobody else listens, so
 *    Ctrl-C still ends the program as it would without us.
 *  - SIGKILL of the parent runs no handler at all: the children protect themselves (the JVM is
 *    started under `setpriv --pdeathsig KILL`, the fauxqs child exits when its stdin closes).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

const runningChildren = new Set<ChildProcess>();
const forwardedSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function killAllNow(): void {
  for (const child of runningChildren) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  runningChildren.clear();
}

function onParentSignal(signal: NodeJS.Signals): void {
  killAllNow();
  uninstallHooks();
  // Only we were listening: without us Node would have died of this signal, so die of it now.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

let hooksInstalled = false;
function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of forwardedSignals) process.on(signal, onParentSignal);
}

function uninstallHooks(): void {
  if (!hooksInstalled) return;
  hooksInstalled = false;
  process.removeListener('exit', killAllNow);
  for (const signal of forwardedSignals) process.removeListener(signal, onParentSignal);
}

/** Registers `child` to be killed if this process ends; unregisters itself when the child exits. */
export function killWhenParentExits(child: ChildProcess): void {
  runningChildren.add(child);
  installHooks();
  child.once('exit', () => {
    runningChildren.delete(child);
    if (runningChildren.size === 0) uninstallHooks();
  });
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.removeListener('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has really exited. */
export async function stopChildProcess(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (hasExited(child)) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, graceMs)) return;
  child.kill('SIGKILL');
  await waitForExit(child, 10_000);
}

const SETPRIV = '/usr/bin/setpriv';

/**
 * Spawns a helper process that cannot outlive this one: registered with killWhenParentExits, and
 * started under `setpriv --pdeathsig <signal>` (util-linux, where present) for a SIGKILL of this process.
 */
export function spawnTiedToParent(command: string, args: string[], options: SpawnOptions, deathSignal: 'KILL' | 'TERM' = 'KILL'): ChildProcess {
  const child = existsSync(SETPRIV)
    ? spawn(SETPRIV, ['--pdeathsig', deathSignal, '--', command, ...args], options)
    : spawn(command, args, options);
  killWhenParentExits(child);
  return child;
}
