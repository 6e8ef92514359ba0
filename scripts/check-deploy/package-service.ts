/** `serverless package` (osls) into a directory, offline: no AWS credentials, no network. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Template } from './references';

export async function packageService(projectRoot: string, outDir: string, stage = 'dev'): Promise<Template> {
  const env = { ...process.env };
  // The deployer's credentials and profile must play no part: the check is the same on every machine.
  for (const key of Object.keys(env)) if (key.startsWith('AWS_')) delete env[key];
  env.AWS_SDK_LOAD_CONFIG = '0';
  try {
    await promisify(execFile)(join(projectRoot, 'node_modules', '.bin', 'serverless'), ['package', '--stage', stage, '--package', outDir], {
      cwd: projectRoot, env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`serverless package failed:\n${stdout}\n${stderr}`);
  }
  return JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
}
