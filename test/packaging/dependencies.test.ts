/**
 * What the project installs: every package in node_modules under a permissive licence (a shop's
 * engineers must be free to deploy and change it), and no runtime dependency that nothing uses.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const ROOT = join(__dirname, '..', '..');

/** SPDX identifiers of permissive licences (attribution-only; no copyleft). */
const PERMISSIVE = new Set([
  'MIT', 'MIT-0', 'ISC', '0BSD', 'BSD-2-Clause', 'BSD-3-Clause', 'Apache-2.0', 'BlueOak-1.0.0',
  'CC0-1.0', 'CC-BY-4.0', 'Unlicense', 'Python-2.0', 'PSF-2.0', 'Zlib', 'WTFPL',
]);

/** Whether an SPDX expression ("MIT", "(MIT OR CC0-1.0)", "Apache-2.0 AND MIT") only grants permissive terms. */
export function isPermissive(expression: string): boolean {
  const alternatives = expression.replace(/[()]/g, ' ').split(/\s+OR\s+/i);
  return alternatives.some((alternative) =>
    alternative.split(/\s+AND\s+/i).every((id) => PERMISSIVE.has(id.trim().replace(/\+$/, ''))),
  );
}

interface Installed { name: string; version: string; licence: string; path: string }

function installedPackages(dir: string, found: Installed[] = []): Installed[] {
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.name.startsWith('@')) {
      installedPackages(path, found);
      continue;
    }
    const manifest = join(path, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      const licence = typeof pkg.license === 'object' && pkg.license ? pkg.license.type : pkg.license ?? (pkg.licenses ?? []).map((l: { type?: string } | string) => (typeof l === 'string' ? l : l.type)).join(' OR ');
      if (pkg.name) found.push({ name: pkg.name, version: pkg.version, licence: String(licence || 'none'), path: path.replace(`${ROOT}/`, '') });
    }
    installedPackages(join(path, 'node_modules'), found);
  }
  return found;
}

test.each([
  ['MIT', true], ['(MIT OR CC0-1.0)', true], ['Apache-2.0 AND MIT', true], ['GPL-3.0 OR MIT', true],
  ['AGPL-3.0', false], ['MIT AND GPL-2.0', false], ['none', false], ['UNLICENSED', false], ['SEE LICENSE IN LICENSE', false],
])('the licence check reads %p as permissive: %p', (expression, expected) => {
  expect(isPermissive(expression)).toBe(expected);
});

/**
 * Named exceptions, each test-only and never shipped: axe-core (MPL-2.0, file-level copyleft that binds
 * only changes to its own files) is injected into the browser by the console's accessibility test.
 */
const TEST_ONLY_EXCEPTIONS = new Map([['axe-core', 'MPL-2.0']]);

test('every installed package has a permissive licence', () => {
  const installed = installedPackages(join(ROOT, 'node_modules'));
  expect(installed.length).toBeGreaterThan(100);
  const refused = installed.filter((pkg) => !isPermissive(pkg.licence) && TEST_ONLY_EXCEPTIONS.get(pkg.name) !== pkg.licence).map((pkg) => `${pkg.name}@${pkg.version} (${pkg.licence}) in ${pkg.path}`);
  expect(refused).toEqual([]);
});

test('every runtime dependency is imported by the product (src/ or functions/)', () => {
  const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  // A peer dependency of another runtime dependency is used through it (client-ssm by Powertools Parameters).
  const peers = new Set(
    Object.keys(dependencies).flatMap((name) => Object.keys(JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).peerDependencies ?? {})),
  );
  const unused = Object.keys(dependencies).filter((name) => {
    if (peers.has(name)) return false;
    try {
      execFileSync('grep', ['-rqE', `from '${name}(/[^']*)?'|require\\('${name}(/[^']*)?'\\)`, 'src', 'functions'], { cwd: ROOT });
      return false;
    } catch {
      return true;
    }
  });
  expect(unused).toEqual([]);
});
