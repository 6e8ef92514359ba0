/**
 * The layering as rules (`npm run check:deps`, part of `npm test`). docs/architecture.md explains
 * the layers; test/packaging/dependency-rules.test.ts seeds a violation of each kind to show they bite.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-module-cycles',
      comment: 'No module imports a module that imports it back, however indirectly.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'No folder imports a folder that imports it back.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      comment: 'src/domain holds the business rules: it imports no SDK and nothing outside the domain (JSON configuration aside).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '^config/[^/]+\\.json$'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'domain-imports-no-package',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'commons-below-adapters-and-use-cases',
      comment: 'src/commons is the bottom layer of the product: it imports no adapter and no use case.',
      severity: 'error',
      from: { path: '^src/commons/' },
      to: { path: '^src/(adapters|use-cases)/' },
    },
    {
      name: 'adapters-below-use-cases',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/use-cases/' },
    },
    {
      name: 'handlers-use-no-adapter-internals',
      comment: 'Entry points call use cases and the adapters\' public modules, never an SDK client or SDK directly.',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: ['^src/adapters/clients/', '^node_modules/(@aws-sdk|stripe)/'] },
    },
    {
      name: 'product-imports-no-local-test-bench',
      comment: 'What deploys (src/, functions/) knows nothing of the local cloud, the tests or the bench.',
      severity: 'error',
      from: { path: '^(src|functions)/' },
      to: { path: '^(local|test|bench|scripts|console)/' },
    },
    {
      name: 'console-reads-through-public-apis',
      comment: 'console/ runs against a deployed stage too: it talks to the local cloud only through its endpoints, never by importing it (nor the tests, the bench or the handlers\' code).',
      severity: 'error',
      from: { path: '^console/' },
      to: { path: '^(local|test|bench|scripts|functions|src/(adapters|use-cases|commons))/' },
    },
    {
      name: 'local-cloud-starts-the-console-only-from-npm-start',
      comment: 'The stand-ins know nothing of the console; local/start.ts serves it beside the API.',
      severity: 'error',
      from: { path: '^local/', pathNot: '^local/start\\.ts$' },
      to: { path: '^console/' },
    },
    {
      name: 'local-cloud-imports-no-test-or-bench',
      severity: 'error',
      from: { path: '^local/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Type-only imports of @types packages (aws-lambda) have no module to resolve.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: '^aws-lambda$' },
    },
    {
      name: 'no-undeclared-package',
      comment: 'Every package imported is declared in package.json.',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(\\.serverless|\\.esbuild|reports|\\.stryker-tmp)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
