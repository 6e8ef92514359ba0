/**
 * Least-privilege findings over a whole jest run: each local cloud the black-box harness starts
 * writes its IAM usage when it closes (one cloud per test file), and the run's global teardown
 * merges them and prints the findings, so that a permission counts as unused only if no file used it.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findingsFrom, formatFindings, mergeUsageReports, type IamUsageReport } from '../../local/iam';
import type { LocalCloud } from '../../local/cloud';

const DIRECTORY_VARIABLE = 'CHECKOUT_SAGA_IAM_USAGE_DIR';

/** jest globalSetup: a fresh directory, inherited by the workers through the environment. */
export function prepareUsageDirectory(): void {
  process.env[DIRECTORY_VARIABLE] = mkdtempSync(path.join(tmpdir(), 'checkout-saga-iam-usage-'));
}

/** Called by the harness before a cloud closes. */
export function saveUsage(cloud: LocalCloud): void {
  const directory = process.env[DIRECTORY_VARIABLE];
  if (!directory || cloud.iam.mode === 'off') return;
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`), JSON.stringify(cloud.iam.usage()));
}

/** jest globalTeardown: prints the merged findings, if any cloud ran. */
export function printFindings(): void {
  const directory = process.env[DIRECTORY_VARIABLE];
  if (!directory) return;
  const reports: IamUsageReport[] = readdirSync(directory).map((file) => JSON.parse(readFileSync(path.join(directory, file), 'utf8')));
  rmSync(directory, { recursive: true, force: true });
  if (reports.length === 0) return;
  process.stdout.write(`\n${formatFindings(findingsFrom(mergeUsageReports(reports))).join('\n')}\n(merged over ${reports.length} local cloud(s))\n`);
}
