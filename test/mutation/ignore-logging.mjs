/**
 * Stryker ignorer: no mutants inside `logger.<level>(...)` calls. A log line's wording and fields are
 * read by people, not by code; a unit test per message would pin wording, not behaviour.
 * The plain object is what @stryker-mutator/api's declareValuePlugin returns (that package is not a direct dependency).
 */
export const strykerPlugins = [
  {
    kind: 'Ignore',
    name: 'logging',
    value: {
      shouldIgnore(path) {
        if (!path.isCallExpression()) return undefined;
        const callee = path.get('callee');
        if (callee.isMemberExpression() && callee.get('object').isIdentifier({ name: 'logger' })) {
          return 'Log lines are for people: not asserted by unit tests';
        }
        return undefined;
      },
    },
  },
];
