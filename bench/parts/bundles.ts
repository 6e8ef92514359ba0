/**
 * Cold-start proxies, per function: the zipped bundle size from `serverless package` (what Lambda
 * downloads and unpacks on a cold start) and the time a fresh Node process takes to require the
 * bundle (which constructs its AWS SDK clients at load), with the NODE_OPTIONS the functions are
 * deployed with. The AWS SDK is left out of the bundles (the Lambda runtime ships it); here it is
 * resolved from node_modules through NODE_PATH.
 *
 *   npx tsx bench/parts/bundles.ts [--out file]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadService } from '../../local/serverless-config/load-service';
import { progress, runPart } from '../lib/part';
import { round } from '../lib/stats';
import { readZip } from '../lib/zip';

const PART = 'bundles';
const ROOT = path.join(__dirname, '..', '..');
const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs in the fresh process: time to require the handler module (clients are created at load). */
const LOAD_PROBE = `
const started = process.hrtime.bigint();
const mod = require(process.argv[1]);
const loadedMs = Number(process.hrtime.bigint() - started) / 1e6;
if (typeof mod[process.argv[2]] !== 'function') throw new Error('no handler export ' + process.argv[2]);
process.stdout.write(JSON.stringify({ loadedMs, uptimeMs: process.uptime() * 1000 }));
`;

async function main() {
  const packageDir = mkdtempSync(path.join(os.tmpdir(), 'checkout-saga-bench-package-'));
  const unpackDir = mkdtempSync(path.join(os.tmpdir(), 'checkout-saga-bench-unpacked-'));
  try {
    const command = `npx serverless package --stage dev --package ${packageDir}`;
    progress(PART, command);
    const packagedAt = Date.now();
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'serverless'), ['package', '--stage', 'dev', '--package', packageDir], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
    });
    const packageMs = Date.now() - packagedAt;
    const service = await loadService({ root: ROOT, stage: 'dev' });
    const nodeOptions = String(service.provider.environment?.NODE_OPTIONS ?? '');

    const functions: Record<string, unknown> = {};
    for (const [key, config] of Object.entries(service.functions)) {
      const zipFile = path.join(packageDir, `${key}.zip`);
      const target = path.join(unpackDir, key);
      const files = readZip(zipFile);
      for (const [name, content] of files) {
        const file = path.join(target, name);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
      const handlerPath = config.handler.slice(0, config.handler.lastIndexOf('.'));
      const exportName = config.handler.slice(config.handler.lastIndexOf('.') + 1);
      const loads: number[] = [];
      const processes: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const spawnedAt = process.hrtime.bigint();
        const result = spawnSync(process.execPath, ['-e', LOAD_PROBE, path.join(target, handlerPath), exportName], {
          cwd: target,
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH,
            NODE_PATH: path.join(ROOT, 'node_modules'),
            NODE_OPTIONS: nodeOptions,
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'bench',
            AWS_SECRET_ACCESS_KEY: 'bench',
            POWERTOOLS_SERVICE_NAME: 'checkout-saga',
            IDEMPOTENCY_TABLE: 'checkout-saga-dev-idempotency',
          },
        });
        if (result.status !== 0) throw new Error(`${key}: loading the bundle failed: ${result.stderr}`);
        const probe = JSON.parse(result.stdout);
        loads.push(probe.loadedMs);
        processes.push(Number(process.hrtime.bigint() - spawnedAt) / 1e6);
      }
      functions[key] = {
        zipBytes: statSync(zipFile).size,
        files: [...files].map(([name, content]) => ({ name, bytes: content.length })),
        // Best of RUNS: a Lambda sandbox has its CPU to itself, this shared machine does not; the
        // median (with neighbours' noise) is kept beside it.
        requireMs: round(Math.min(...loads), 1),
        requireMedianMs: round(median(loads), 1),
        processMs: round(Math.min(...processes), 1),
      };
      progress(PART, `${key}: ${(statSync(zipFile).size / 1024).toFixed(1)} KB zipped, require best ${round(Math.min(...loads), 1)} ms, median ${round(median(loads), 1)} ms`);
    }
    return { command: `${command} && node -e 'require(<unzipped handler>)' x${RUNS} per function`, nodeOptions, packageMs, runs: RUNS, functions };
  } finally {
    rmSync(packageDir, { recursive: true, force: true });
    rmSync(unpackDir, { recursive: true, force: true });
  }
}

runPart(PART, 120_000, main);
