/**
 * The reliability suite (npm run test:reliability): adversarial scenarios against the local cloud,
 * one local cloud per test file, files one after another (timing-sensitive races must not compete
 * for the CPU with another file). Kept out of `npm test` (see ../../jest.config.js).
 */
const transform = { '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] };

module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform,
  testMatch: ['<rootDir>/test/reliability/**/*.test.ts'],
  testTimeout: 120_000,
  maxWorkers: 1,
  forceExit: false,
  // Least-privilege findings of the IAM roles, merged over the run's local clouds (test/support/iam-findings.ts).
  globalSetup: '<rootDir>/test/setup/iam-findings-global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/iam-findings-global-teardown.ts',
  reporters: ['default', '<rootDir>/test/reliability/support/table-reporter.js'],
};
