/**
 * Jest for Stryker (stryker.config.mjs): the repo's config narrowed to the fast layer, test/unit.
 * The other layers start DynamoDB Local and the local cloud: seconds per file, far too slow to run per mutant.
 */
const base = require('../../jest.config.js');

module.exports = {
  ...base,
  rootDir: '../..',
  testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
};
