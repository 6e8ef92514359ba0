/**
 * Environment variables of in-process functions.
 *
 * On AWS each function has its own environment: the provider-level variables overlaid with its
 * own. Locally all handlers share one process.env, so the local cloud sets the union of the
 * provider-level variables and every function's, and refuses to start when two of them give the
 * same variable different values, because one of the functions would silently see the other's.
 * (Rename one of them, or move the variable to provider.environment.)
 */

export type Environment = Record<string, string>;

export interface EnvironmentSource {
  /** e.g. 'provider.environment' or 'functions.stripeWebhook.environment' */
  source: string;
  variables: Environment;
}

export class EnvironmentConflictError extends Error {
  constructor(readonly conflicts: string[]) {
    super(
      `Functions run in one process locally, so their environments are merged, and these disagree:\n  ${conflicts.join('\n  ')}\n` +
        'Give the variables different names or move them to provider.environment.',
    );
    this.name = 'EnvironmentConflictError';
  }
}

/** Merges `sources` in order; a variable set twice to different values is an error. */
export function mergeEnvironments(sources: EnvironmentSource[]): Environment {
  const merged: Environment = {};
  const origin: Record<string, string> = {};
  const conflicts: string[] = [];
  for (const { source, variables } of sources) {
    for (const [name, value] of Object.entries(variables)) {
      if (name in merged && merged[name] !== value) {
        conflicts.push(`${name}: ${JSON.stringify(merged[name])} in ${origin[name]} vs ${JSON.stringify(value)} in ${source}`);
        continue;
      }
      merged[name] = value;
      origin[name] ??= source;
    }
  }
  if (conflicts.length > 0) throw new EnvironmentConflictError(conflicts);
  return merged;
}

/** Lambda passes environment values as strings; anything else in the config is a mistake. */
export function asEnvironment(values: Record<string, unknown>, source: string): Environment {
  const environment: Environment = {};
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'string') environment[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') environment[name] = String(value);
    else throw new Error(`${source}.${name} is not a string after resolution: ${JSON.stringify(value)} (an unresolved intrinsic?)`);
  }
  return environment;
}

/** Sets `environment` into process.env; returns a function that restores the previous values. */
export function applyToProcessEnv(environment: Environment): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(environment)) {
    previous.set(name, process.env[name]);
    process.env[name] = value;
  }
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
