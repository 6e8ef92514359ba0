/**
 * The local Lambda runtime runs handlers on this process's Node.js: it must be the major of the
 * functions' Lambda runtime (`provider.runtime`, e.g. nodejs24.x), or the local cloud would pass code
 * that Lambda rejects (or the reverse). `npm ci` installs that Node from the npm registry on Linux
 * x64 (the `node` optional dependency), which puts it first on every npm script's PATH.
 */
export interface NodeRuntimeCheck {
  /** e.g. "v24.22.3" */
  local: string;
  /** e.g. "nodejs24.x" */
  lambda: string;
  matches: boolean;
  /** One line for the start-up banner. */
  summary: string;
}

export function checkNodeRuntime(lambdaRuntime: string | undefined, localVersion = process.version): NodeRuntimeCheck {
  const lambda = lambdaRuntime ?? 'unknown';
  const wanted = /^nodejs(\d+)\.x$/.exec(lambda)?.[1];
  const localMajor = /^v(\d+)\./.exec(localVersion)?.[1];
  const matches = wanted !== undefined && wanted === localMajor;
  const summary = matches
    ? `Node.js ${localVersion} (the Lambda runtime's major: ${lambda})`
    : `WARNING: Node.js ${localVersion} runs the handlers, but the functions deploy on ${lambda}: run through npm scripts (npm ci installs the matching Node on Linux x64) or install Node ${wanted ?? '?'}`;
  return { local: localVersion, lambda, matches, summary };
}
