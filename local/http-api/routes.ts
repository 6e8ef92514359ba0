/**
 * The HTTP API's route table, built from the resolved Serverless config, and API Gateway's
 * route selection ("Routing API requests" in the HTTP API developer guide):
 *   1. a full match for a route and method (no greedy variable), the most specific first;
 *   2. a match with a greedy path variable ({proxy+});
 *   3. the `$default` route.
 * Nothing matching (including a known path with another method: HTTP APIs have no 405)
 * is answered 404 {"message":"Not Found"} by the server.
 */

export type RouteSegment =
  | { kind: 'literal'; value: string }
  | { kind: 'variable'; name: string }
  | { kind: 'greedy'; name: string };

export interface HttpApiRoute {
  /** API Gateway's route key, as the event's `routeKey`: "POST /orders/{orderId}/cancel", "ANY /{proxy+}" or "$default". */
  routeKey: string;
  /** Upper-case HTTP method, or "ANY". */
  method: string;
  /** The route's path template; undefined for `$default`. */
  path: string | undefined;
  segments: readonly RouteSegment[];
  /** The key of the function under `functions:` in serverless.yml. */
  functionName: string;
}

export interface RouteMatch {
  route: HttpApiRoute;
  /** Absent (not empty) when the route has no path variables, as in API Gateway's event. */
  pathParameters: Record<string, string> | undefined;
}

/** The slice of `serverless print --format json` that the route table reads. */
export interface ResolvedServerlessConfig {
  provider?: { httpApi?: { payload?: unknown } };
  functions?: Record<string, ResolvedFunctionConfig | null | undefined>;
}

export interface ResolvedFunctionConfig {
  events?: ReadonlyArray<Record<string, unknown>>;
  httpApi?: { payload?: unknown };
}

export const DEFAULT_ROUTE_KEY = '$default';

// The methods Serverless accepts for httpApi events; '*' means ANY.
const ALLOWED_METHODS = new Set(['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'OPTIONS', 'HEAD', 'DELETE']);

/** Every `httpApi` event of every function, as API Gateway routes. */
export function buildRouteTable(config: ResolvedServerlessConfig): HttpApiRoute[] {
  const routes: HttpApiRoute[] = [];
  const seenRouteKeys = new Set<string>();
  for (const [functionName, functionConfig] of Object.entries(config.functions ?? {})) {
    const httpApiEvents = (functionConfig?.events ?? []).filter((event) => event.httpApi !== undefined);
    if (httpApiEvents.length === 0) continue;
    assertPayloadFormat2(functionName, functionConfig, config);
    for (const event of httpApiEvents) {
      const routeKey = routeKeyOfEvent(functionName, event.httpApi);
      if (seenRouteKeys.has(routeKey)) {
        throw new Error(`Duplicate HTTP API route '${routeKey}' (function ${functionName})`);
      }
      seenRouteKeys.add(routeKey);
      routes.push(createRoute(routeKey, functionName));
    }
  }
  return routes;
}

/** A route from its route key ("GET /products/{sku}", "ANY /{proxy+}", "$default"). */
export function createRoute(routeKey: string, functionName: string): HttpApiRoute {
  if (routeKey === DEFAULT_ROUTE_KEY) {
    return { routeKey, method: 'ANY', path: undefined, segments: [], functionName };
  }
  const [method, path, ...rest] = routeKey.split(' ');
  if (!method || !path || rest.length > 0 || !ALLOWED_METHODS.has(method)) {
    throw new Error(`Invalid HTTP API route key '${routeKey}' (function ${functionName})`);
  }
  return { routeKey, method, path, segments: parsePathTemplate(path, routeKey), functionName };
}

/**
 * The route API Gateway would select for a request, or undefined for its 404.
 * `path` is the decoded request path (the event's rawPath).
 */
export function matchRoute(routes: readonly HttpApiRoute[], method: string, path: string): RouteMatch | undefined {
  const requestSegments = splitRequestPath(path);
  let best: RouteMatch | undefined;
  for (const route of routes) {
    if (route.path === undefined) continue;
    if (route.method !== 'ANY' && route.method !== method) continue;
    const pathParameters = matchSegments(route.segments, requestSegments);
    if (pathParameters === undefined) continue;
    const candidate = { route, pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : undefined };
    if (best === undefined || compareSpecificity(candidate.route, best.route) < 0) best = candidate;
  }
  if (best) return best;
  const defaultRoute = routes.find((route) => route.routeKey === DEFAULT_ROUTE_KEY);
  return defaultRoute ? { route: defaultRoute, pathParameters: undefined } : undefined;
}

function routeKeyOfEvent(functionName: string, httpApi: unknown): string {
  // Same shapes Serverless accepts: '*', 'GET /path', or { method, path }.
  let method: unknown;
  let path: unknown;
  if (typeof httpApi === 'string') {
    if (httpApi.trim() === '*') return DEFAULT_ROUTE_KEY;
    [method, path] = httpApi.trim().split(/\s+/);
  } else if (httpApi && typeof httpApi === 'object') {
    ({ method, path } = httpApi as { method?: unknown; path?: unknown });
  }
  if (path === '*') return DEFAULT_ROUTE_KEY;
  if (typeof method !== 'string' || typeof path !== 'string') {
    throw new Error(`httpApi event of function ${functionName} needs a method and a path`);
  }
  const upperMethod = method.toUpperCase() === '*' ? 'ANY' : method.toUpperCase();
  return `${upperMethod} ${path}`;
}

function assertPayloadFormat2(functionName: string, functionConfig: ResolvedFunctionConfig | null | undefined, config: ResolvedServerlessConfig): void {
  // Serverless resolves the format per function, then provider-wide, default 2.0.
  const payload = functionConfig?.httpApi?.payload ?? config.provider?.httpApi?.payload ?? '2.0';
  if (String(payload) !== '2.0') {
    throw new Error(`Function ${functionName} uses HTTP API payload format ${String(payload)}; the local HTTP API serves 2.0 only`);
  }
}

function parsePathTemplate(path: string, routeKey: string): RouteSegment[] {
  if (!path.startsWith('/')) throw new Error(`HTTP API route path must start with '/': '${routeKey}'`);
  const parts = path === '/' ? [] : path.slice(1).split('/');
  return parts.map((part, index) => {
    const variable = /^\{([^{}+]+)(\+?)\}$/.exec(part);
    if (!variable) {
      if (part === '' || /[{}]/.test(part)) throw new Error(`Invalid path segment '${part}' in route '${routeKey}'`);
      return { kind: 'literal', value: part };
    }
    const [, name, greedy] = variable;
    if (!greedy) return { kind: 'variable', name };
    // API Gateway: "The greedy path variable must be at the end of the resource path."
    if (index !== parts.length - 1) throw new Error(`Greedy path variable must end the path in route '${routeKey}'`);
    return { kind: 'greedy', name };
  });
}

function splitRequestPath(path: string): string[] {
  // API Gateway selects the route of a path with extra leading slashes as if it had one;
  // a trailing slash stays significant ("/products/" is not "/products").
  const withoutLeadingSlashes = path.replace(/^\/+/, '');
  return withoutLeadingSlashes === '' ? [] : withoutLeadingSlashes.split('/');
}

function matchSegments(segments: readonly RouteSegment[], requestSegments: readonly string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    if (index >= requestSegments.length) return undefined;
    const part = requestSegments[index];
    if (segment.kind === 'greedy') {
      parameters[segment.name] = requestSegments.slice(index).join('/');
      return parameters;
    }
    if (segment.kind === 'literal') {
      if (part !== segment.value) return undefined;
    } else {
      if (part === '') return undefined;
      parameters[segment.name] = part;
    }
  }
  return segments.length === requestSegments.length ? parameters : undefined;
}

const SEGMENT_WEIGHT: Record<RouteSegment['kind'], number> = { literal: 2, variable: 1, greedy: 0 };

/** Negative when `a` is the more specific of two routes matching the same request. */
function compareSpecificity(a: HttpApiRoute, b: HttpApiRoute): number {
  const aGreedy = a.segments.some((segment) => segment.kind === 'greedy');
  const bGreedy = b.segments.some((segment) => segment.kind === 'greedy');
  if (aGreedy !== bGreedy) return aGreedy ? 1 : -1;
  // Left to right, a literal segment beats a variable, which beats a greedy one.
  for (let index = 0; index < Math.min(a.segments.length, b.segments.length); index += 1) {
    const difference = SEGMENT_WEIGHT[b.segments[index].kind] - SEGMENT_WEIGHT[a.segments[index].kind];
    if (difference !== 0) return difference;
  }
  // "ANY matches all methods that you haven't defined for a resource."
  if ((a.method === 'ANY') !== (b.method === 'ANY')) return a.method === 'ANY' ? 1 : -1;
  return 0;
}
