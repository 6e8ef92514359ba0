/**
 * Each scenario records one row per invariant it checked: what it tried, what must hold, what it
 * saw. The table reporter (table-reporter.js) prints every row at the end of the run.
 * Rows are appended to a JSON-lines file named by RELIABILITY_RESULTS_FILE, set by the reporter in
 * jest's main process before any test runs (test files may run in worker processes).
 */
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ResultRow {
  scenario: string;
  attempts: string;
  expected: string;
  observed: string;
  ok: boolean;
}

export function resultsFile(): string {
  return process.env.RELIABILITY_RESULTS_FILE ?? join(tmpdir(), 'checkout-saga-reliability-results.jsonl');
}

/** Records a row, then returns `ok` so that a test can record first and assert after. */
export function recordResult(row: ResultRow): boolean {
  appendFileSync(resultsFile(), `${JSON.stringify({ ...row, at: new Date().toISOString() })}\n`);
  return row.ok;
}
