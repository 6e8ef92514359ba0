import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The official Stripe CLI binary, from its npm platform package. The `@stripe/cli` wrapper is not
 * used: its other platforms' optional packages are missing from the registry, which breaks `npm ci`.
 * Returns undefined on platforms other than linux-x64 (the package is an optional dependency).
 */
export function stripeCliPath(): string | undefined {
  try {
    const binary = join(dirname(require.resolve('@stripe/cli-linux-x64/package.json')), 'bin', 'stripe');
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}
