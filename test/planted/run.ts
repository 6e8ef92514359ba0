/**
 * `npm run test:planted`: plants each bug of ./bugs.ts alone in a scratch clone of HEAD, runs the
 * tests that must catch it, and reports caught (by a test named after the broken promise) or
 * survived, with the time it took. Not part of CI (a few minutes): run it before a release and
 * whenever the once-only, stock or signature mechanisms change.
 *
 *   npm run test:planted                 every planted bug
 *   npm run test:planted -- M4 M10b      only these
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLANTED_BUGS, type PlantedBug } from './bugs';

const ROOT = join(__dirname, '..', '..');
const PER_BUG_TIMEOUT_MS = 10 * 60_000;

interface Verdict {
  bug: PlantedBug;
  verdict: 'caught' | 'caught, but not by its promise' | 'SURVIVED' | 'STALE (text not found once)';
  failingTests: string[];
  seconds: number;
}

interface JestJson {
  testResults: Array<{ name: string; message: string; assertionResults: Array<{ fullName: string; status: string }> }>;
}

function scratchClone(): string {
  const dir = mkdtempSync(join(tmpdir(), 'checkout-saga-planted-'));
  execFileSync('git', ['clone', '--quiet', '--shared', ROOT, dir]);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function failingTests(resultFile: string): string[] {
  let result: JestJson;
  try {
    result = JSON.parse(readFileSync(resultFile, 'utf8'));
  } catch {
    return [];
  }
  return result.testResults.flatMap((file) => {
    const failed = file.assertionResults.filter((test) => test.status === 'failed').map((test) => test.fullName);
    // A file that failed outside any test (e.g. in beforeAll) reports its error instead.
    return failed.length || !file.message ? failed : [`${file.name.replace(`${ROOT}/`, '')}: ${file.message.split('\n')[0]}`];
  });
}

function runJest(dir: string, files: string[], reliability: boolean, resultFile: string): { failed: boolean } {
  const args = ['jest', '--runTestsByPath', ...files, '--json', '--outputFile', resultFile, '--silent'];
  if (reliability) args.push('--config', 'test/reliability/jest.config.js');
  const run = spawnSync('npx', args, { cwd: dir, stdio: 'ignore', timeout: PER_BUG_TIMEOUT_MS, env: { ...process.env, CI: 'true' } });
  return { failed: run.status !== 0 };
}

function plant(dir: string, bug: PlantedBug): Verdict {
  const path = join(dir, bug.file);
  const original = readFileSync(path, 'utf8');
  const started = Date.now();
  if (original.split(bug.find).length !== 2) return { bug, verdict: 'STALE (text not found once)', failingTests: [], seconds: 0 };
  writeFileSync(path, original.replace(bug.find, bug.replace));
  try {
    const failing: string[] = [];
    let failed = false;
    for (const [files, reliability] of [[bug.caughtBy.npmTest, false], [bug.caughtBy.reliability, true]] as const) {
      if (!files?.length) continue;
      const resultFile = join(dir, `.planted-${bug.id}-${reliability ? 'reliability' : 'npm-test'}.json`);
      failed = runJest(dir, [...files], reliability, resultFile).failed || failed;
      failing.push(...failingTests(resultFile));
    }
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    if (!failed) return { bug, verdict: 'SURVIVED', failingTests: [], seconds };
    const named = failing.some((name) => bug.failingTestNamed.test(name));
    return { bug, verdict: named ? 'caught' : 'caught, but not by its promise', failingTests: failing, seconds };
  } finally {
    writeFileSync(path, original);
  }
}

function main() {
  const only = process.argv.slice(2);
  const bugs = only.length ? PLANTED_BUGS.filter((bug) => only.includes(bug.id)) : PLANTED_BUGS;
  const uncommitted = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim();
  if (uncommitted) console.log('Note: uncommitted changes are not in the scratch clone; HEAD is what is tested.\n');
  const dir = scratchClone();
  const verdicts: Verdict[] = [];
  try {
    for (const bug of bugs) {
      process.stdout.write(`${bug.id} ${bug.promise} ... `);
      const verdict = plant(dir, bug);
      verdicts.push(verdict);
      console.log(`${verdict.verdict} (${verdict.seconds} s)`);
      for (const name of verdict.failingTests.slice(0, 4)) console.log(`    failed: ${name}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\n| planted bug | promise | verdict | caught by | seconds |\n| --- | --- | --- | --- | --- |');
  for (const { bug, verdict, failingTests: failing, seconds } of verdicts) {
    const by = failing.find((name) => bug.failingTestNamed.test(name)) ?? failing[0] ?? '-';
    console.log(`| ${bug.id} | ${bug.promise} | ${verdict} | ${by.replace(/\|/g, '\\|')} | ${seconds} |`);
  }
  const caught = verdicts.filter((v) => v.verdict === 'caught').length;
  console.log(`\n${caught}/${verdicts.length} planted bugs caught by a test named after their promise.`);
  console.log(`Command: npm run test:planted${only.length ? ` -- ${only.join(' ')}` : ''}`);
  process.exitCode = caught === verdicts.length ? 0 : 1;
}

main();
