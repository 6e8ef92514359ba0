/**
 * Prints the reliability table (scenario, attempts, expected, observed) after the run, on stdout,
 * so that it shows in CI logs. Rows come from test/reliability/support/results.ts.
 * The table never reads better than jest's verdict: a test that failed marks its rows FAILED, and a
 * test that ran but recorded no row (it crashed before recording) gets a FAILED row of its own.
 * Plain JavaScript: jest loads reporters without transforming them.
 */
const { existsSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { basename, join } = require('node:path');

function cell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

/** The start of a jest failure message (its first lines, without colours or the stack), for a cell. */
function firstLine(message) {
  const plain = String(message ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  const lines = plain
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('at ') && !/^\d+ \|/.test(line) && !/^> \d+ \|/.test(line) && !/^\|/.test(line));
  const text = lines.join(' ') || 'no message';
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

/** Scenario number for sorting: a row's leading number, or "scenario N" in a test's name. */
function scenarioNumber(row) {
  const leading = Number.parseInt(row.scenario, 10);
  if (!Number.isNaN(leading)) return leading;
  const named = /scenario (\d+)/i.exec(row.scenario);
  return named ? Number(named[1]) : 99;
}

/**
 * The recorded rows, checked against jest's results: rows of failed tests are FAILED, and each
 * test (or file) that ran without recording a row adds a FAILED row.
 */
function reconcile(rows, results) {
  const key = (testPath, test) => `${testPath}\u0000${test}`;
  const recorded = new Set(rows.map((row) => key(row.testPath, row.test)));
  const failedTests = new Map();
  const missing = [];
  for (const file of results.testResults ?? []) {
    const ran = (file.testResults ?? []).filter((test) => test.status === 'passed' || test.status === 'failed');
    for (const test of ran) {
      if (test.status === 'failed') failedTests.set(key(file.testFilePath, test.fullName), firstLine(test.failureMessages?.[0]));
      if (!recorded.has(key(file.testFilePath, test.fullName))) {
        missing.push({
          scenario: test.fullName,
          attempts: `${basename(file.testFilePath)} (test ${test.status})`,
          expected: 'the test records its row',
          observed: `no row recorded${test.status === 'failed' ? `: ${firstLine(test.failureMessages?.[0])}` : ''}`,
          ok: false,
        });
      }
    }
    // A file that could not run at all (syntax error, a crash outside any test).
    if (file.testExecError && ran.length === 0) {
      missing.push({
        scenario: basename(file.testFilePath),
        attempts: 'the test file',
        expected: 'the file runs and records its rows',
        observed: `did not run: ${firstLine(file.testExecError.message ?? file.failureMessage)}`,
        ok: false,
      });
    }
  }
  const checked = rows.map((row) => {
    const failure = failedTests.get(key(row.testPath, row.test));
    return failure === undefined || !row.ok ? row : { ...row, ok: false, observed: `${row.observed}; but the test failed: ${failure}` };
  });
  return [...checked, ...missing];
}

class ReliabilityTableReporter {
  constructor() {
    this.file = join(tmpdir(), `checkout-saga-reliability-${process.pid}-${Date.now()}.jsonl`);
    // Inherited by jest's workers and by test environments created after this point.
    process.env.RELIABILITY_RESULTS_FILE = this.file;
    rmSync(this.file, { force: true });
  }

  onRunStart() {
    this.startedAt = Date.now();
  }

  onRunComplete(_contexts, results) {
    const recorded = existsSync(this.file)
      ? readFileSync(this.file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line))
      : [];
    rmSync(this.file, { force: true });
    const rows = reconcile(recorded, results);
    // By scenario number (files run in whatever order jest picks), then in recording order.
    rows.sort((a, b) => scenarioNumber(a) - scenarioNumber(b));
    const seconds = ((Date.now() - (this.startedAt ?? Date.now())) / 1000).toFixed(1);
    const lines = [
      '',
      `Reliability suite: ${rows.filter((r) => r.ok).length}/${rows.length} invariants held, ` +
        `${results.numPassedTests}/${results.numTotalTests} tests passed, ${seconds} s`,
      '',
      '| scenario | attempts | expected | observed | |',
      '| --- | --- | --- | --- | --- |',
      ...rows.map((r) => `| ${cell(r.scenario)} | ${cell(r.attempts)} | ${cell(r.expected)} | ${cell(r.observed)} | ${r.ok ? 'ok' : 'FAILED'} |`),
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

module.exports = ReliabilityTableReporter;
module.exports.reconcile = reconcile;
