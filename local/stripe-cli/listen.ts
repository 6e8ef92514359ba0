/**
 * Runs the official Stripe CLI's `stripe listen` for the local cloud, against the Stripe emulator
 * or real Stripe alike: `--print-secret` first (the signing secret the webhook function is given),
 * then `stripe listen --events ... --forward-to ...` as a child process that stops with the cloud.
 * Offline hygiene: `--skip-update`, telemetry off, a config folder of its own (the CLI writes one),
 * the key passed in the environment (STRIPE_API_KEY), not on a command line others can read.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { spawnTiedToParent, stopChildProcess } from '../shared/child-processes';
import { StripeCliOutput } from './cli-output';

export interface StripeCliTarget {
  /** The CLI binary (binary.ts). */
  binary: string;
  /** A test key: `sk_test_...` or `rk_test_...` (the CLI itself refuses keys shorter than 12 characters). */
  apiKey: string;
  /** The Stripe API: `http://127.0.0.1:<port>` for the emulator (the only other form the CLI accepts); unset for real Stripe. */
  apiBase?: string;
  /** Where the CLI may write its config; a temporary folder when unset. */
  configHome?: string;
}

export interface StripeListenOptions extends StripeCliTarget {
  /** Event types to forward (`--events`); the CLI acks the others without forwarding them. */
  events: readonly string[];
  /** Where events are POSTed, e.g. http://127.0.0.1:3000/webhooks/stripe. */
  forwardTo: string;
  log: (line: string) => void;
  /** `-a`: forward along the account's webhook endpoints (their paths appended to `forwardTo`, their enabled_events). */
  useConfiguredWebhooks?: boolean;
  /** How long to wait for "Ready!". Default 30 s. */
  readyTimeoutMs?: number;
}

export interface RunningStripeListen {
  /** The signing secret the CLI printed in its "Ready!" line. */
  secret: string;
  readonly process: ChildProcess;
  /** Stops the CLI (SIGTERM: it closes its session) and removes its temporary config folder. */
  close(): Promise<void>;
}

export class StripeCliError extends Error {}

/** `stripe listen --print-secret`: the secret every `stripe listen` of this key signs with. */
export async function printListenSecret(target: StripeCliTarget): Promise<string> {
  return withConfigHome(target, async (configHome) => {
    const { stdout, stderr, exitCode } = await run(target.binary, ['listen', '--print-secret', ...apiBaseArgs(target)], cliEnvironment(target, configHome), 60_000);
    const secret = /whsec_[A-Za-z0-9]+/.exec(stdout)?.[0];
    if (exitCode !== 0 || !secret) {
      throw new StripeCliError(`stripe listen --print-secret failed (exit ${exitCode}): ${(stderr || stdout).trim().slice(0, 500)}`);
    }
    return secret;
  });
}

/** Starts `stripe listen` and resolves once it is connected ("Ready!"); rejects if it exits first. */
export async function startStripeListen(options: StripeListenOptions): Promise<RunningStripeListen> {
  const ownConfigHome = options.configHome === undefined;
  const configHome = options.configHome ?? (await mkdtemp(join(tmpdir(), 'stripe-cli-')));
  const args = ['listen', ...apiBaseArgs(options), '--events', options.events.join(','), '--forward-to', options.forwardTo, '--skip-update', ...(options.useConfiguredWebhooks ? ['--use-configured-webhooks'] : [])];
  const child = spawnTiedToParent(options.binary, args, { env: cliEnvironment(options, configHome), stdio: ['ignore', 'pipe', 'pipe'] }, 'TERM');
  const output = new StripeCliOutput();
  const recent: string[] = [];
  let onReady: (secret: string) => void = () => undefined;
  const ready = new Promise<string>((resolve) => (onReady = resolve));
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      const secret = /Ready!.*(whsec_[A-Za-z0-9]+)/.exec(line)?.[1];
      if (secret) onReady(secret);
      const readable = output.format(line);
      if (readable) options.log(readable);
    });
  }

  const close = async () => {
    await stopChildProcess(child);
    if (ownConfigHome) await rm(configHome, { recursive: true, force: true });
  };
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  let onExit: (() => void) | undefined;
  try {
    const secret = await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        onExit = () => reject(new StripeCliError(`stripe listen exited (code ${child.exitCode ?? child.signalCode}) before it was ready:\n${recent.join('\n')}`));
        child.once('exit', onExit);
        child.once('error', (error) => reject(new StripeCliError(`stripe listen could not start: ${error.message}`)));
        timer = setTimeout(() => reject(new StripeCliError(`stripe listen was not ready within ${timeoutMs} ms:\n${recent.join('\n')}`)), timeoutMs);
      }),
    ]);
    let stopping = false;
    child.once('exit', (code, signal) => {
      if (!stopping) options.log(`stripe listen exited (${signal ?? `code ${code}`}): webhooks are no longer forwarded`);
    });
    return {
      secret,
      process: child,
      close: () => {
        stopping = true;
        return close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  } finally {
    clearTimeout(timer);
    if (onExit) child.removeListener('exit', onExit);
  }
}

function apiBaseArgs(target: StripeCliTarget): string[] {
  return target.apiBase ? ['--api-base', target.apiBase] : [];
}

/** The caller's environment (proxies, certificates) with the CLI's own knobs set, or cleared where they would re-route it. */
function cliEnvironment(target: StripeCliTarget, configHome: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.STRIPE_CLI_UNIX_SOCKET;
  delete env.STRIPE_DEVICE_NAME;
  return {
    ...env,
    STRIPE_API_KEY: target.apiKey,
    STRIPE_CLI_TELEMETRY_OPTOUT: '1',
    HOME: configHome,
    XDG_CONFIG_HOME: configHome,
  };
}

async function withConfigHome<T>(target: StripeCliTarget, use: (configHome: string) => Promise<T>): Promise<T> {
  if (target.configHome) return use(target.configHome);
  const configHome = await mkdtemp(join(tmpdir(), 'stripe-cli-'));
  try {
    return await use(configHome);
  } finally {
    await rm(configHome, { recursive: true, force: true });
  }
}

/** Asynchronous on purpose: the emulator may run in this process and must keep answering. */
function run(binary: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  return new Promise((resolve) => {
    execFile(binary, args, { env, timeout: timeoutMs }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ stdout: String(stdout), stderr: String(stderr), exitCode });
    });
  });
}
