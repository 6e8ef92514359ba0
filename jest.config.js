/** One runner for every layer; folders under test/ name the layer. */
const transform = { '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] };

module.exports = {
  testEnvironment: 'node',
  transform,
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The reliability suite has its own config and script (npm run test:reliability): minutes, not seconds;
  // so do the console's browser tests (npm run test:browser, Chromium).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/reliability/', '<rootDir>/test/browser/'],
  testTimeout: 60000,
  // Servers started by a test file are stopped by that file; this catches what leaks.
  forceExit: false,
  // Least-privilege findings of the IAM roles, merged over the run's local clouds (test/support/iam-findings.ts).
  globalSetup: '<rootDir>/test/setup/iam-findings-global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/iam-findings-global-teardown.ts',
};
