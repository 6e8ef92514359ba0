/**
 * Each scenario records one row per invariant it checked: what it tried, what must hold, what it
 * saw. The table reporter (table-reporter.js) prints every row at the end of the run.
 * Rows are appended to a JSON-lines file named by RELIABILITY_RESULTS_FILE, set by the reporter in
 * jest's main process before any test runs (test files may run in worker processes).
 * Each row also names the test that recorded it, so that the reporter can show a test that failed
 * after recording an "ok" row, or that recorded none (it crashed first), as FAILED.
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

/** The verdict of a row that held; any other verdict says which row failed and what was seen. */
export const HELD = 'held';

export function resultsFile(): string {
  return process.env.RELIABILITY_RESULTS_FILE ?? join(tmpdir(), 'checkout-saga-reliability-results.jsonl');
}

/**
 * Records a row and returns its verdict: HELD, or a sentence naming the row and what it observed.
 * A test records first (so that the table shows the row even if a detailed assertion fails), asserts
 * the details, then ends with `expect(verdict).toBe(HELD)`: the table and jest cannot disagree.
 */
export function recordResult(row: ResultRow): string {
  const { testPath, currentTestName } = expect.getState();
  appendFileSync(resultsFile(), `${JSON.stringify({ ...row, testPath, test: currentTestName, at: new Date().toISOString() })}\n`);
  return row.ok ? HELD : `row "${row.scenario}" FAILED: expected ${row.expected}; observed ${row.observed}`;
}
