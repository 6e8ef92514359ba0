/**
 * The planted-bug list stays applicable as the code moves: each bug's text occurs exactly once in
 * its file and the tests meant to catch it exist (`npm run test:planted` itself runs before a
 * release, not in CI: it takes minutes).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLANTED_BUGS } from './bugs';

const ROOT = join(__dirname, '..', '..');

test('the audit\'s 11 planted bugs and those of the guarantees added since are listed, each with a distinct id', () => {
  const ids = PLANTED_BUGS.map((bug) => bug.id);
  expect(ids.slice(0, 11)).toEqual(['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7', 'M8', 'M9', 'M10', 'M10b']);
  expect(new Set(ids).size).toBe(ids.length);
});

test.each(PLANTED_BUGS.map((bug) => [bug.id, bug] as const))('%s still applies: its text occurs once, its catching tests exist', (_, bug) => {
  const source = readFileSync(join(ROOT, bug.file), 'utf8');
  expect(source.split(bug.find).length - 1).toBe(1);
  expect(bug.replace).not.toBe(bug.find);
  const tests = [...(bug.caughtBy.npmTest ?? []), ...(bug.caughtBy.reliability ?? [])];
  expect(tests.length).toBeGreaterThan(0);
  expect(tests.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
});
