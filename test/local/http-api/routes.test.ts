import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildRouteTable, createRoute, matchRoute, type HttpApiRoute, type ResolvedServerlessConfig } from '../../../local/http-api/routes';

const REPO_ROOT = resolve(__dirname, '../../..');

function selected(routes: readonly HttpApiRoute[], method: string, path: string) {
  const match = matchRoute(routes, method, path);
  return match && { routeKey: match.route.routeKey, pathParameters: match.pathParameters };
}

describe('route table from the real serverless.yml', () => {
  let routes: HttpApiRoute[];

  beforeAll(async () => {
    const { stdout } = await promisify(execFile)(resolve(REPO_ROOT, 'node_modules/.bin/serverless'), ['print', '--format', 'json', '--stage', 'local'], {
      cwd: REPO_ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    routes = buildRouteTable(JSON.parse(stdout) as ResolvedServerlessConfig);
  });

  it('has exactly the routes of the functions with httpApi events', () => {
    expect(Object.fromEntries(routes.map((route) => [route.routeKey, route.functionName]))).toEqual({
      'POST /checkout': 'createCheckout',
      'GET /orders/{orderId}': 'getOrder',
      'POST /orders/{orderId}/cancel': 'cancelOrder',
      'GET /products': 'products',
      'GET /products/{sku}': 'products',
      'POST /inventory/adjustments': 'adjustInventory',
      'POST /admin/orders/{orderId}/resume': 'resumeOrder',
      'POST /webhooks/stripe': 'stripeWebhook',
    });
  });

  it('selects the routes the way the deployed API does', () => {
    expect(selected(routes, 'GET', '/products')).toEqual({ routeKey: 'GET /products', pathParameters: undefined });
    expect(selected(routes, 'GET', '/products/SKU-1')).toEqual({ routeKey: 'GET /products/{sku}', pathParameters: { sku: 'SKU-1' } });
    expect(selected(routes, 'POST', '/orders/o-1/cancel')).toEqual({ routeKey: 'POST /orders/{orderId}/cancel', pathParameters: { orderId: 'o-1' } });
    expect(selected(routes, 'POST', '/admin/orders/o-1/resume')?.routeKey).toBe('POST /admin/orders/{orderId}/resume');
    expect(selected(routes, 'GET', '/checkout')).toBeUndefined();
    expect(selected(routes, 'POST', '/orders/o-1')).toBeUndefined();
  });
});

describe('route selection', () => {
  // The example of "Routing API requests" in the HTTP API developer guide.
  const documentedRoutes = [
    createRoute('GET /pets/dog/1', 'static'),
    createRoute('GET /pets/dog/{id}', 'variable'),
    createRoute('GET /pets/{proxy+}', 'greedyGet'),
    createRoute('ANY /{proxy+}', 'greedyAny'),
    createRoute('$default', 'fallback'),
  ];

  it.each([
    ['GET', '/pets/dog/1', 'GET /pets/dog/1', undefined],
    ['GET', '/pets/dog/2', 'GET /pets/dog/{id}', { id: '2' }],
    ['GET', '/pets/cat/1', 'GET /pets/{proxy+}', { proxy: 'cat/1' }],
    ['POST', '/test/5', 'ANY /{proxy+}', { proxy: 'test/5' }],
    ['POST', '/', '$default', undefined],
  ])('%s %s selects %s', (method, path, routeKey, pathParameters) => {
    expect(selected(documentedRoutes, method, path)).toEqual({ routeKey, pathParameters });
  });

  it('prefers a full match over a greedy route with more literal segments', () => {
    const routes = [createRoute('GET /x/{proxy+}', 'greedy'), createRoute('GET /{a}/{b}/{c}', 'full')];
    expect(selected(routes, 'GET', '/x/y/z')?.routeKey).toBe('GET /{a}/{b}/{c}');
  });

  it('prefers the longer literal prefix among greedy routes', () => {
    const routes = [createRoute('ANY /{proxy+}', 'root'), createRoute('ANY /api/{proxy+}', 'api')];
    expect(selected(routes, 'GET', '/api/v1/x')).toEqual({ routeKey: 'ANY /api/{proxy+}', pathParameters: { proxy: 'v1/x' } });
  });

  it('prefers an explicit method over ANY on the same path, whatever the order', () => {
    const routes = [createRoute('ANY /items', 'any'), createRoute('POST /items', 'post')];
    expect(selected(routes, 'POST', '/items')?.routeKey).toBe('POST /items');
    expect(selected(routes, 'DELETE', '/items')?.routeKey).toBe('ANY /items');
    expect(selected([...routes].reverse(), 'POST', '/items')?.routeKey).toBe('POST /items');
  });

  it('uses $default only when no route matches, and answers nothing without one', () => {
    const routes = [createRoute('GET /only', 'only')];
    expect(selected(routes, 'POST', '/only')).toBeUndefined();
    expect(selected([...routes, createRoute('$default', 'fallback')], 'POST', '/only')?.routeKey).toBe('$default');
  });

  it('keeps paths case-sensitive and trailing slashes significant, and ignores extra leading slashes', () => {
    const routes = [createRoute('GET /orders/{orderId}', 'getOrder'), createRoute('GET /products', 'products')];
    expect(selected(routes, 'GET', '/Products')).toBeUndefined();
    expect(selected(routes, 'GET', '/products/')).toBeUndefined();
    expect(selected(routes, 'GET', '/orders//')).toBeUndefined();
    expect(selected(routes, 'GET', '//orders/o-1')?.pathParameters).toEqual({ orderId: 'o-1' });
  });

  it('needs at least one segment for a greedy variable', () => {
    const routes = [createRoute('GET /files/{proxy+}', 'files')];
    expect(selected(routes, 'GET', '/files')).toBeUndefined();
    expect(selected(routes, 'GET', '/files/a')?.pathParameters).toEqual({ proxy: 'a' });
  });
});

describe('buildRouteTable', () => {
  const fn = (...events: Array<Record<string, unknown>>) => ({ events });

  it('reads every event form Serverless accepts', () => {
    const routes = buildRouteTable({
      functions: {
        any: fn({ httpApi: { method: '*', path: '/anything' } }),
        short: fn({ httpApi: 'get /short/{id}' }),
        fallback: fn({ httpApi: '*' }),
        worker: fn({ sqs: { arn: 'arn' } }),
      },
    });
    expect(routes.map((route) => [route.routeKey, route.method, route.functionName])).toEqual([
      ['ANY /anything', 'ANY', 'any'],
      ['GET /short/{id}', 'GET', 'short'],
      ['$default', 'ANY', 'fallback'],
    ]);
  });

  it('refuses what API Gateway or Serverless would refuse', () => {
    expect(() => buildRouteTable({ functions: { a: fn({ httpApi: 'GET /x' }), b: fn({ httpApi: 'GET /x' }) } })).toThrow(/Duplicate HTTP API route 'GET \/x'/);
    expect(() => buildRouteTable({ functions: { a: fn({ httpApi: 'GET /{proxy+}/x' }) } })).toThrow(/Greedy path variable/);
    expect(() => buildRouteTable({ functions: { a: fn({ httpApi: { method: 'FETCH', path: '/x' } }) } })).toThrow(/Invalid HTTP API route key/);
    expect(() => buildRouteTable({ functions: { a: fn({ httpApi: { method: 'GET' } }) } })).toThrow(/needs a method and a path/);
  });

  it('refuses payload format 1.0, which this stand-in does not speak', () => {
    expect(() => buildRouteTable({ provider: { httpApi: { payload: '1.0' } }, functions: { a: fn({ httpApi: 'GET /x' }) } })).toThrow(/payload format 1.0/);
    expect(() => buildRouteTable({ functions: { a: { ...fn({ httpApi: 'GET /x' }), httpApi: { payload: '1.0' } } } })).toThrow(/payload format 1.0/);
  });
});
