import type { JSONValue } from './types';

/**
 * Resolves an ASL Reference Path (`$`, `$.a.b`, `$['a b'][0]`, and `$$.` for the context object):
 * the only path form allowed in TimeoutSecondsPath, HeartbeatSecondsPath and ItemsPath. Returns
 * `{ found: false }` instead of throwing so callers can report States.Runtime with their own words.
 */
export function resolveReferencePath(
  path: string,
  input: JSONValue,
  context: unknown,
): { found: true; value: unknown } | { found: false } {
  const fromContext = path.startsWith('$$');
  const segments = parseSegments(fromContext ? path.slice(2) : path.slice(1));
  if (!segments || !path.startsWith('$')) return { found: false };
  let current: unknown = fromContext ? context : input;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return { found: false };
    if (typeof segment === 'number' ? !Array.isArray(current) : !(segment in (current as object))) return { found: false };
    current = (current as Record<string | number, unknown>)[segment];
    if (current === undefined) return { found: false };
  }
  return { found: true, value: current };
}

export function isReferencePath(path: unknown): path is string {
  return typeof path === 'string' && path.startsWith('$') && parseSegments(path.slice(path.startsWith('$$') ? 2 : 1)) !== undefined;
}

function parseSegments(rest: string): (string | number)[] | undefined {
  const segments: (string | number)[] = [];
  let i = 0;
  while (i < rest.length) {
    if (rest[i] === '.') {
      const match = /^\.([^.[\]]+)/.exec(rest.slice(i));
      if (!match) return undefined;
      segments.push(match[1]);
      i += match[0].length;
    } else if (rest[i] === '[') {
      const match = /^\[(?:(\d+)|'([^']*)'|"([^"]*)")\]/.exec(rest.slice(i));
      if (!match) return undefined;
      segments.push(match[1] !== undefined ? Number(match[1]) : (match[2] ?? match[3]));
      i += match[0].length;
    } else {
      return undefined;
    }
  }
  return segments;
}
