/**
 * The layering rules of .dependency-cruiser.cjs (`npm run check:deps`) bite: each seeded violation,
 * in a scratch tree with the project's configuration, is reported under the rule that forbids it.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'dependency-rules-'));
  for (const file of ['.dependency-cruiser.cjs', 'tsconfig.json', 'package.json']) copyFileSync(join(ROOT, file), join(scratch, file));
  symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'), 'dir');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes the files (path -> source) into a fresh tree and returns the names of the rules violated. */
function violationsOf(files: Record<string, string>): string[] {
  const tree = mkdtempSync(join(scratch, 'tree-'));
  for (const file of ['.dependency-cruiser.cjs', 'tsconfig.json', 'package.json']) copyFileSync(join(scratch, file), join(tree, file));
  symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), source);
  }
  const roots = [...new Set(Object.keys(files).map((path) => path.split('/')[0]))];
  let output: string;
  try {
    output = execFileSync(DEPCRUISE, [...roots, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd: tree, encoding: 'utf8' });
  } catch (error) {
    // depcruise exits non-zero when it finds errors; the report is still on stdout.
    output = (error as { stdout: string }).stdout;
  }
  const report = JSON.parse(output) as { summary: { violations: Array<{ rule: { name: string } }> } };
  return [...new Set(report.summary.violations.map((violation) => violation.rule.name))].sort();
}

test('a clean tree has no violation', () => {
  expect(violationsOf({ 'src/domain/rules.ts': 'export const x = 1;\n', 'src/adapters/store.ts': "import { x } from '../domain/rules';\nexport const y = x;\n" })).toEqual([]);
});

test.each([
  ['a domain file importing an adapter', { 'src/domain/rules.ts': "import { y } from '../adapters/store';\nexport const x = y;\n", 'src/adapters/store.ts': 'export const y = 1;\n' }, ['domain-is-pure']],
  ['a domain file importing an AWS SDK', { 'src/domain/rules.ts': "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const x = DynamoDBClient;\n" }, ['domain-imports-no-package', 'domain-is-pure']],
  ['commons importing an adapter', { 'src/commons/auth.ts': "import { y } from '../adapters/secrets';\nexport const x = y;\n", 'src/adapters/secrets.ts': 'export const y = 1;\n' }, ['commons-below-adapters-and-use-cases']],
  ['an adapter importing a use case', { 'src/adapters/store.ts': "import { y } from '../use-cases/checkout';\nexport const x = y;\n", 'src/use-cases/checkout.ts': 'export const y = 1;\n' }, ['adapters-below-use-cases']],
  ['a handler importing an SDK client module', { 'functions/get-order/handler.ts': "import { c } from '../../src/adapters/clients/dynamodb';\nexport const handler = c;\n", 'src/adapters/clients/dynamodb.ts': 'export const c = 1;\n' }, ['handlers-use-no-adapter-internals']],
  ['product code importing the local cloud', { 'src/use-cases/checkout.ts': "import { z } from '../../local/cloud';\nexport const x = z;\n", 'local/cloud.ts': 'export const z = 1;\n' }, ['product-imports-no-local-test-bench']],
  ['the local cloud importing a test helper', { 'local/cloud.ts': "import { p } from '../test/support/poll';\nexport const z = p;\n", 'test/support/poll.ts': 'export const p = 1;\n' }, ['local-cloud-imports-no-test-or-bench']],
  ['two modules importing each other', { 'local/a/one.ts': "import { two } from './two';\nexport const one = () => two;\n", 'local/a/two.ts': "import { one } from './one';\nexport const two = () => one;\n" }, ['no-module-cycles']],
  [
    'two folders importing each other, without a module cycle',
    {
      'local/assembly/start.ts': "import { port } from '../shared/ports';\nexport const start = port;\n",
      'local/assembly/names.ts': 'export const name = 1;\n',
      'local/shared/ports.ts': 'export const port = 1;\n',
      'local/shared/use-names.ts': "import { name } from '../assembly/names';\nexport const used = name;\n",
    },
    ['no-folder-cycles'],
  ],
] as const)('%s is refused', (_, files, rules) => {
  expect(violationsOf(files)).toEqual([...rules].sort());
});
