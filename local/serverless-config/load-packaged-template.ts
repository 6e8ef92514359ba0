/**
 * The CloudFormation template `serverless package` renders (.serverless/cloudformation-template-
 * update-stack.json): the only place where the functions' roles exist as deployed, with what
 * plugins add (serverless-iam-roles-per-function's per-function roles, the SQS statements of
 * event sources, serverless-step-functions' state machine role, Lambda permissions). `serverless
 * print` has the functions' own iamRoleStatements but none of that.
 *
 * Packaging bundles every function (5-30 s), so the template is cached in
 * .local-cloud/template-<stage>.json under the same key as the printed service (serverless.yml and
 * every file it includes, the env it reads, the plugins' versions): handler code does not change
 * roles. Concurrent local clouds (jest workers) wait for the one that packages.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { serviceCacheKey } from './load-service';

const execFileAsync = promisify(execFile);

export interface CloudFormationTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, any>; [key: string]: unknown }>;
  [key: string]: unknown;
}

export interface LoadPackagedTemplateOptions {
  root: string;
  stage: string;
  region: string;
  refresh?: boolean;
}

const PACKAGE_TIMEOUT_MS = 180_000;

export function templateCachePath(root: string, stage: string): string {
  return path.join(root, '.local-cloud', `template-${stage}.json`);
}

function readCache(file: string, key: string): CloudFormationTemplate | undefined {
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8'));
    return cached.key === key ? cached.template : undefined;
  } catch {
    return undefined;
  }
}

async function packageTemplate(root: string, stage: string, region: string): Promise<CloudFormationTemplate> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'checkout-saga-local-package-'));
  // As test/packaging does: no AWS settings of the caller (the local cloud's fake endpoints) reach the CLI.
  const env: NodeJS.ProcessEnv = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_SDK_LOAD_CONFIG: '0' };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_') && name !== 'AWS_SDK_LOAD_CONFIG') delete env[name];
  try {
    await execFileAsync(path.join(root, 'node_modules', '.bin', 'serverless'), ['package', '--stage', stage, '--region', region, '--package', outDir], {
      cwd: root,
      env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: PACKAGE_TIMEOUT_MS,
    });
    return JSON.parse(readFileSync(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
  } catch (error) {
    const details = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`serverless package --stage ${stage} failed in ${root}: ${details.message}\n${details.stderr ?? ''}${details.stdout ?? ''}`);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function loadPackagedTemplate({ root, stage, region, refresh = false }: LoadPackagedTemplateOptions): Promise<CloudFormationTemplate> {
  const key = `${serviceCacheKey(root, stage)}:${region}`;
  const file = templateCachePath(root, stage);
  const lock = `${file}.lock`;
  const deadline = Date.now() + PACKAGE_TIMEOUT_MS;
  mkdirSync(path.dirname(file), { recursive: true });
  for (;;) {
    const cached = refresh ? undefined : readCache(file, key);
    if (cached) return cached;
    try {
      mkdirSync(lock); // atomic: one packager at a time
    } catch {
      // Another process is packaging: wait for its result (a lock older than the timeout is stale).
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > PACKAGE_TIMEOUT_MS) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for another process to package the service (${lock})`);
      await pause(250);
      continue;
    }
    try {
      const template = await packageTemplate(root, stage, region);
      const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
      writeFileSync(temporary, JSON.stringify({ key, createdAt: new Date().toISOString(), template }));
      renameSync(temporary, file);
      return template;
    } finally {
      rmdirSync(lock);
    }
  }
}
