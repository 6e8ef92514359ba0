/**
 * Where the official Stripe CLI is: the binary of its npm platform package (`@stripe/cli-linux-x64`,
 * an optional dependency, installed where the platform has it), else `stripe` on the PATH.
 * The `@stripe/cli` wrapper is not used: its other platforms' packages are missing from the
 * registry, which breaks `npm ci`.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

export interface StripeCliBinary {
  path: string;
  /** `npm`: the project's own, pinned version; `path`: whatever `stripe` the machine has. */
  source: 'npm' | 'path';
}

export const STRIPE_CLI_INSTALL_HINT =
  'The Stripe CLI was not found: `npm ci` installs it on Linux x64 (@stripe/cli-linux-x64); elsewhere install it ' +
  '(https://docs.stripe.com/stripe-cli: `brew install stripe/stripe-cli/stripe` on macOS, `scoop install stripe` on Windows) so that `stripe` is on the PATH.';

/** The CLI of the npm platform package, or undefined on platforms it does not exist for. */
export function npmStripeCliPath(): string | undefined {
  try {
    const binary = join(dirname(require.resolve('@stripe/cli-linux-x64/package.json')), 'bin', 'stripe');
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/** The npm-installed CLI first, then `stripe` on PATH; undefined when neither exists. */
export function findStripeCli(pathVariable = process.env.PATH ?? ''): StripeCliBinary | undefined {
  const fromNpm = npmStripeCliPath();
  if (fromNpm) return { path: fromNpm, source: 'npm' };
  const names = process.platform === 'win32' ? ['stripe.exe', 'stripe.cmd'] : ['stripe'];
  for (const folder of pathVariable.split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = join(folder, name);
      if (isExecutable(candidate)) return { path: candidate, source: 'path' };
    }
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
