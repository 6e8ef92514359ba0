/**
 * The service as the Serverless Framework resolves it (variables, ${file(...)}, plugins' config),
 * obtained from `serverless print` (osls), so that the local cloud never keeps a second,
 * hand-written copy of tables, queues, functions or the state machine.
 *
 * `print` takes 1-3 s, so its output is cached in .local-cloud/service-<stage>.json, keyed by a
 * hash of serverless.yml, every file it pulls in with ${file(...)} (recursively), the values of
 * every ${env:NAME} they read, the stage, and the versions of the CLI and plugins.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export type CfnValue = unknown;

export interface ServerlessFunctionConfig {
  handler: string;
  /** Deployed name: <service>-<stage>-<key> unless the config overrides it. */
  name: string;
  description?: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, CfnValue>;
  events?: Array<Record<string, any>>;
  [key: string]: unknown;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, CfnValue>;
  [key: string]: unknown;
}

export interface ResolvedService {
  service: string;
  provider: {
    name: string;
    runtime?: string;
    region: string;
    stage: string;
    memorySize?: number;
    timeout?: number;
    environment?: Record<string, CfnValue>;
    [key: string]: unknown;
  };
  custom?: Record<string, any>;
  functions: Record<string, ServerlessFunctionConfig>;
  resources?: { Resources?: Record<string, CfnResource>; Outputs?: Record<string, unknown> };
  stepFunctions?: { stateMachines?: Record<string, { name?: string; definition: any; [key: string]: unknown }> };
  [key: string]: unknown;
}

export interface LoadServiceOptions {
  root: string;
  stage?: string;
  /** Ignore and rewrite the cache. */
  refresh?: boolean;
}

/** Always part of the cache key, even when no file names them (the brief of the local cloud). */
const ALWAYS_KEYED_ENV = ['PAYMENT_WINDOW_SECONDS', 'STRIPE_API_BASE', 'LOG_LEVEL', 'AWS_REGION'];
const VERSIONED_PACKAGES = ['serverless', 'serverless-step-functions', 'serverless-esbuild', 'serverless-iam-roles-per-function'];

/** serverless.yml plus every file reachable through ${file(...)}, in a stable order. */
export function configurationFiles(root: string): string[] {
  const seen = new Set<string>();
  const visit = (relative: string) => {
    const normalized = path.normalize(relative);
    if (seen.has(normalized)) return;
    seen.add(normalized);
    const text = readFileSync(path.join(root, normalized), 'utf8');
    for (const match of text.matchAll(/\$\{file\(([^)]+)\)/g)) {
      // ${file(x.yml):someKey} and quoted paths: keep only the path.
      const referenced = match[1].trim().replace(/^['"]|['"]$/g, '');
      if (!referenced.includes('${')) visit(referenced);
    }
  };
  visit('serverless.yml');
  return [...seen].sort();
}

function envVariablesRead(texts: string[]): string[] {
  const names = new Set(ALWAYS_KEYED_ENV);
  for (const text of texts) for (const match of text.matchAll(/\$\{env:([A-Za-z0-9_]+)/g)) names.add(match[1]);
  return [...names].sort();
}

function packageVersion(root: string, name: string): string {
  try {
    return JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'absent';
  }
}

export function serviceCacheKey(root: string, stage: string, env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256');
  hash.update(`stage=${stage}\n`);
  const texts: string[] = [];
  for (const file of configurationFiles(root)) {
    const text = readFileSync(path.join(root, file), 'utf8');
    texts.push(text);
    hash.update(`file ${file}\n${text}\n`);
  }
  for (const name of envVariablesRead(texts)) hash.update(`env ${name}=${env[name] === undefined ? '<unset>' : env[name]}\n`);
  for (const name of VERSIONED_PACKAGES) hash.update(`pkg ${name}@${packageVersion(root, name)}\n`);
  return hash.digest('hex');
}

export function serviceCachePath(root: string, stage: string): string {
  return path.join(root, '.local-cloud', `service-${stage}.json`);
}

function readCache(file: string, key: string): ResolvedService | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8'));
    return cached.key === key ? cached.service : undefined;
  } catch {
    return undefined; // half-written or hand-edited: print again
  }
}

function writeCache(file: string, key: string, service: ResolvedService): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // Write then rename, so that a parallel test worker never reads half a file.
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, JSON.stringify({ key, createdAt: new Date().toISOString(), service }, null, 1));
  renameSync(temporary, file);
}

async function printService(root: string, stage: string): Promise<ResolvedService> {
  const cli = path.join(root, 'node_modules', '.bin', 'serverless');
  try {
    const { stdout } = await execFileAsync(cli, ['print', '--format', 'json', '--stage', stage], {
      cwd: root,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 60_000,
    });
    return JSON.parse(stdout.slice(stdout.indexOf('{')));
  } catch (error) {
    const details = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`serverless print --stage ${stage} failed in ${root}: ${details.message}\n${details.stderr ?? ''}${details.stdout ?? ''}`);
  }
}

export async function loadService({ root, stage = 'local', refresh = false }: LoadServiceOptions): Promise<ResolvedService> {
  const key = serviceCacheKey(root, stage);
  const file = serviceCachePath(root, stage);
  const cached = refresh ? undefined : readCache(file, key);
  if (cached) return cached;
  const service = await printService(root, stage);
  writeCache(file, key, service);
  return service;
}
