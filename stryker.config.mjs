// Mutation testing of the domain and the use cases against the unit tests (npm run test:mutation).
// Results and what is left alive: docs/mutation-testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: ['src/domain/**/*.ts', 'src/use-cases/**/*.ts'],
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'test/mutation/jest.config.js',
    // Each mutant runs only the unit tests that cover it (below); no need for jest's own guess.
    enableFindRelatedTests: false,
  },
  coverageAnalysis: 'perTest',
  // Later runs retest only mutants whose code or covering tests changed. The file is not committed (it
  // changes with every edit of src/ or test/unit/): a clean clone, and CI, run everything; --force does too.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  // Mutants that do not compile are dropped before any test runs. Only src/ is type-checked:
  // the whole tsconfig.json (local cloud, bench, e2e) made the checker the slowest part of a run.
  checkers: ['typescript'],
  tsconfigFile: 'test/mutation/tsconfig.json',
  plugins: ['@stryker-mutator/*', './test/mutation/ignore-logging.mjs'],
  ignorers: ['logging'],
  // The machine has 2 cores, shared: at 2, Stryker runs one type checker and one jest beside it.
  concurrency: 2,
  // A loaded machine makes slow runs look like endless loops (and counts them as killed): more slack than the 5 s default.
  timeoutMS: 15000,
  reporters: ['clear-text', 'html', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, reportTests: false, reportMutants: true, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
};
