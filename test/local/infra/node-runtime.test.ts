import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkNodeRuntime } from '../../../local/lambda/node-runtime';

test('the same major as the Lambda runtime matches', () => {
  expect(checkNodeRuntime('nodejs24.x', 'v24.22.3')).toMatchObject({ matches: true, summary: 'Node.js v24.22.3 (the Lambda runtime\'s major: nodejs24.x)' });
});

test.each([
  ['nodejs24.x', 'v20.20.2'],
  ['nodejs24.x', 'v22.1.0'],
  ['nodejs22.x', 'v24.22.3'],
  [undefined, 'v24.22.3'],
])('%s with %s is a loud mismatch', (runtime, version) => {
  const check = checkNodeRuntime(runtime, version);
  expect(check.matches).toBe(false);
  expect(check.summary).toMatch(/^WARNING: /);
});

test('the tests themselves run on the functions\' Lambda runtime major (npm scripts put the pinned Node first)', () => {
  const runtime = /^\s+runtime: (\S+)$/m.exec(readFileSync(join(__dirname, '..', '..', '..', 'serverless.yml'), 'utf8'))?.[1];
  expect(checkNodeRuntime(runtime).summary).toBe(`Node.js ${process.version} (the Lambda runtime's major: ${runtime})`);
});
