/**
 * Prints the reliability table (scenario, attempts, expected, observed) after the run, on stdout,
 * so that it shows in CI logs. Rows come from test/reliability/support/results.ts.
 * Plain JavaScript: jest loads reporters without transforming them.
 */
const { existsSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

function cell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
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
    const rows = existsSync(this.file)
      ? readFileSync(this.file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line))
      : [];
    rmSync(this.file, { force: true });
    // By scenario number (files run in whatever order jest picks), then in recording order.
    const number = (row) => Number.parseInt(row.scenario, 10) || 99;
    rows.sort((a, b) => number(a) - number(b));
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
