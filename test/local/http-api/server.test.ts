import { createHmac } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import type { RunningHttpApi } from '../../../local/http-api/server';
import { createRoute } from '../../../local/http-api/routes';
import { REQUEST_BODY_LIMIT_BYTES } from '../../../local/http-api/limits';
import { deferred, rawRequest, startRecordingApi, type Invocation, type Respond } from './recording-api';

const REQUEST_ID = /^[A-Za-z0-9]{15}=$/;

const routes = [
  createRoute('POST /checkout', 'createCheckout'),
  createRoute('GET /orders/{orderId}', 'getOrder'),
  createRoute('GET /orders/latest', 'latestOrder'),
  createRoute('POST /orders/{orderId}/cancel', 'cancelOrder'),
  createRoute('GET /files/{proxy+}', 'files'),
  createRoute('ANY /echo', 'echoAny'),
  createRoute('POST /echo', 'echoPost'),
  createRoute('POST /webhooks/stripe', 'stripeWebhook'),
];

describe('local HTTP API server', () => {
  let api: RunningHttpApi;
  let invocations: Invocation[];
  let respond: Respond;
  const logLines: string[] = [];

  beforeAll(async () => {
    ({ api, invocations } = await startRecordingApi(routes, (name, event) => respond(name, event), { onRequest: (line) => logLines.push(line) }));
  });
  afterAll(() => api.close());
  beforeEach(() => {
    invocations.length = 0;
    logLines.length = 0;
    respond = () => ({ statusCode: 200, body: 'ok' });
  });

  const only = (): Invocation => {
    expect(invocations).toHaveLength(1);
    return invocations[0];
  };

  describe('routing', () => {
    it('invokes the function of the matched route with its path parameters', async () => {
      const res = await fetch(`${api.url}/orders/o-123/cancel`, { method: 'POST' });
      expect(res.status).toBe(200);
      const { functionName, event } = only();
      expect(functionName).toBe('cancelOrder');
      expect(event.routeKey).toBe('POST /orders/{orderId}/cancel');
      expect(event.requestContext.routeKey).toBe('POST /orders/{orderId}/cancel');
      expect(event.pathParameters).toEqual({ orderId: 'o-123' });
    });

    it('prefers the exact path over a path variable', async () => {
      await fetch(`${api.url}/orders/latest`);
      await fetch(`${api.url}/orders/o-9`);
      expect(invocations.map((invocation) => [invocation.functionName, invocation.event.pathParameters])).toEqual([
        ['latestOrder', undefined],
        ['getOrder', { orderId: 'o-9' }],
      ]);
    });

    it('gives a greedy variable the rest of the path, and prefers an explicit method over ANY', async () => {
      await fetch(`${api.url}/files/a/b/c.txt`);
      await fetch(`${api.url}/echo`, { method: 'POST' });
      await fetch(`${api.url}/echo`, { method: 'PUT' });
      expect(invocations.map((invocation) => [invocation.functionName, invocation.event.pathParameters])).toEqual([
        ['files', { proxy: 'a/b/c.txt' }],
        ['echoPost', undefined],
        ['echoAny', undefined],
      ]);
    });

    it('decodes the path, keeping %25 encoded', async () => {
      await fetch(`${api.url}/orders/o%20%E2%82%AC`);
      await fetch(`${api.url}/orders/100%25`);
      expect(invocations.map(({ event }) => [event.rawPath, event.requestContext.http.path, event.pathParameters?.orderId])).toEqual([
        ['/orders/o €', '/orders/o €', 'o €'],
        ['/orders/100%25', '/orders/100%25', '100%25'],
      ]);
    });

    it.each([
      ['an unknown path', 'GET', '/nope'],
      ['a known path with another method', 'DELETE', '/checkout'],
      ['a known path with GET', 'GET', '/checkout'],
      ['a trailing slash', 'GET', '/orders/o-1/'],
    ])('answers 404 {"message":"Not Found"} for %s without invoking', async (_, method, path) => {
      const res = await fetch(`${api.url}${path}`, { method });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('apigw-requestid')).toMatch(REQUEST_ID);
      expect(await res.text()).toBe('{"message":"Not Found"}');
      expect(invocations).toHaveLength(0);
    });
  });

  describe('event', () => {
    it('has lower-case headers with repeated ones joined by commas, cookies apart', async () => {
      await rawRequest(api.url, {
        path: '/orders/o-1',
        headers: { 'X-Multi': ['one', 'two'], 'User-Agent': 'shop-test/1.0', Cookie: ['session=abc; theme=dark', 'cart=3'], Authorization: 'Bearer t' },
      });
      const { event } = only();
      expect(event.headers).toEqual({
        host: `127.0.0.1:${api.port}`,
        'x-multi': 'one,two',
        'user-agent': 'shop-test/1.0',
        authorization: 'Bearer t',
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-port': String(api.port),
        'x-forwarded-proto': 'http',
        'x-amzn-trace-id': expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/),
      });
      expect(event.cookies).toEqual(['session=abc', 'theme=dark', 'cart=3']);
      expect(event.requestContext.http.userAgent).toBe('shop-test/1.0');
    });

    it('passes the raw query string and comma-joined decoded parameters', async () => {
      await rawRequest(api.url, { path: '/orders/o-1?a=1&a=2&b=x%20y&c=1%2B1&flag' });
      const { event } = only();
      expect(event.rawQueryString).toBe('a=1&a=2&b=x%20y&c=1%2B1&flag');
      expect(event.queryStringParameters).toEqual({ a: '1,2', b: 'x y', c: '1+1', flag: '' });
    });

    it('leaves out query parameters, cookies and body a request does not have', async () => {
      await fetch(`${api.url}/orders/o-1`);
      const { event } = only();
      expect(event.rawQueryString).toBe('');
      expect(event).not.toHaveProperty('queryStringParameters');
      expect(event).not.toHaveProperty('cookies');
      expect(event).not.toHaveProperty('body');
      expect(event.isBase64Encoded).toBe(false);
    });

    it('fills requestContext, its requestId being the apigw-requestid of the answer', async () => {
      const before = Date.now();
      const res = await fetch(`${api.url}/checkout`, { method: 'POST', headers: { 'user-agent': 'ua/2' } });
      const after = Date.now();
      const { requestContext } = only().event;
      expect(requestContext).toEqual({
        accountId: '000000000000',
        apiId: 'local',
        domainName: '127.0.0.1',
        domainPrefix: '127',
        http: { method: 'POST', path: '/checkout', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'ua/2' },
        requestId: res.headers.get('apigw-requestid'),
        routeKey: 'POST /checkout',
        stage: '$default',
        time: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
        timeEpoch: expect.any(Number),
      });
      expect(requestContext.requestId).toMatch(REQUEST_ID);
      expect(requestContext.timeEpoch).toBeGreaterThanOrEqual(before);
      expect(requestContext.timeEpoch).toBeLessThanOrEqual(after);
    });

    it('gives every request its own id', async () => {
      const ids = await Promise.all([1, 2, 3].map(async () => (await fetch(`${api.url}/nope`)).headers.get('apigw-requestid')));
      expect(new Set(ids).size).toBe(3);
    });
  });

  describe('body', () => {
    it('passes a JSON body as the exact raw string, so a signature over the raw bytes verifies', async () => {
      const raw = '{\n  "id": "evt_1",\t"amount": 1999 ,"name": "Zoë 🚀 — 東京",  "escaped": "\\u00e9" }\r\n  ';
      const sent = Buffer.from(raw, 'utf8');
      const sign = (payload: Buffer | string) => createHmac('sha256', 'whsec_test').update(payload).digest('hex');
      await fetch(`${api.url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: sent });
      const { event } = only();
      expect(event.isBase64Encoded).toBe(false);
      expect(event.body).toBe(raw);
      expect(Buffer.from(event.body ?? '', 'utf8').equals(sent)).toBe(true);
      expect(sign(`${1700000000}.${event.body}`)).toBe(sign(Buffer.concat([Buffer.from('1700000000.'), sent])));
    });

    it('keeps a leading byte order mark of a text body', async () => {
      await fetch(`${api.url}/checkout`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.from('\uFEFFhello', 'utf8') });
      expect(only().event.body).toBe('\uFEFFhello');
    });

    it.each([
      ['application/octet-stream', 'application/octet-stream'],
      ['an image', 'image/png'],
      ['form-urlencoded', 'application/x-www-form-urlencoded'],
    ])('passes %s base64-encoded, decoding to the same bytes', async (_, contentType) => {
      const bytes = Buffer.from(Array.from({ length: 256 }, (__, index) => index));
      await fetch(`${api.url}/checkout`, { method: 'POST', headers: { 'content-type': contentType }, body: bytes });
      const { event } = only();
      expect(event.isBase64Encoded).toBe(true);
      expect(event.headers['content-type']).toBe(contentType);
      expect(Buffer.from(event.body ?? '', 'base64').equals(bytes)).toBe(true);
    });

    it('passes a body without content type base64-encoded', async () => {
      await rawRequest(api.url, { method: 'POST', path: '/checkout', body: 'plain words' });
      const { event } = only();
      expect(event.headers).not.toHaveProperty('content-type');
      expect(event.isBase64Encoded).toBe(true);
      expect(Buffer.from(event.body ?? '', 'base64').toString()).toBe('plain words');
    });

    it('takes a body of exactly 10 MB', async () => {
      const body = Buffer.alloc(REQUEST_BODY_LIMIT_BYTES, 7);
      const res = await fetch(`${api.url}/checkout`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body });
      expect(res.status).toBe(200);
      expect(Buffer.from(only().event.body ?? '', 'base64').length).toBe(REQUEST_BODY_LIMIT_BYTES);
    });

    it('answers 413 for a body over 10 MB without invoking', async () => {
      const res = await fetch(`${api.url}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.alloc(REQUEST_BODY_LIMIT_BYTES + 1, 32) });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ message: 'Request Entity Too Large' });
      expect(res.headers.get('apigw-requestid')).toMatch(REQUEST_ID);
      expect(invocations).toHaveLength(0);
    });

    it('answers 431 past the 10240-byte request line and header quota without invoking', async () => {
      const res = await fetch(`${api.url}/checkout`, { method: 'POST', headers: { 'x-big': 'a'.repeat(10_240) } });
      expect(res.status).toBe(431);
      expect(await res.json()).toEqual({ message: 'Request Header Fields Too Large' });
      expect(invocations).toHaveLength(0);
    });
  });

  describe('response', () => {
    it('sends a structured result: status, headers, one set-cookie per cookie, body', async () => {
      respond = () => ({
        statusCode: 201,
        headers: { 'Content-Type': 'application/json', 'X-Order-Id': 'o-1' },
        cookies: ['session=abc; Path=/; HttpOnly', 'theme=dark'],
        body: '{"orderId":"o-1"}',
      });
      const res = await fetch(`${api.url}/checkout`, { method: 'POST' });
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('x-order-id')).toBe('o-1');
      expect(res.headers.getSetCookie()).toEqual(['session=abc; Path=/; HttpOnly', 'theme=dark']);
      expect(await res.text()).toBe('{"orderId":"o-1"}');
    });

    it('infers 200 application/json from a plain object', async () => {
      respond = () => ({ orderId: 'o-1', total: 1999 });
      const res = await fetch(`${api.url}/checkout`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.text()).toBe('{"orderId":"o-1","total":1999}');
    });

    it('infers the JSON of a string result, quotes included', async () => {
      respond = () => 'Hello from Lambda!';
      const res = await fetch(`${api.url}/checkout`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('"Hello from Lambda!"');
    });

    it('decodes a base64 body before sending it', async () => {
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
      respond = () => ({ statusCode: 200, headers: { 'content-type': 'image/png' }, isBase64Encoded: true, body: png.toString('base64') });
      const res = await fetch(`${api.url}/checkout`, { method: 'POST' });
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
    });

    it('answers 500 {"message":"Internal Server Error"} when the handler throws, keeping the error out of the answer', async () => {
      respond = () => {
        throw new Error('secret stack detail');
      };
      const res = await fetch(`${api.url}/checkout`, { method: 'POST' });
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).toBe('{"message":"Internal Server Error"}');
      expect(text).not.toContain('secret');
      expect(logLines.join('\n')).toContain('Error: secret stack detail');
    });

    it('answers 500 for a structured result API Gateway cannot use', async () => {
      respond = () => ({ statusCode: 200, body: { not: 'a string' } });
      const res = await fetch(`${api.url}/checkout`, { method: 'POST' });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ message: 'Internal Server Error' });
    });

    it('logs one line per request with route, function, status and request id', async () => {
      const res = await fetch(`${api.url}/orders/o-1`);
      await fetch(`${api.url}/nope`);
      expect(logLines).toHaveLength(2);
      expect(logLines[0]).toMatch(new RegExp(`^GET /orders/o-1 GET /orders/\\{orderId\\} -> getOrder 200 \\d+ms ${res.headers.get('apigw-requestid')}$`));
      expect(logLines[1]).toMatch(/^GET \/nope \(no route\) 404 \d+ms [A-Za-z0-9]{15}=$/);
    });

    it('keeps the query string out of the log line (a client may put a key in it)', async () => {
      // Found by the reliability suite (scenario 8): an admin key sent as ?x-api-key= was logged.
      await fetch(`${api.url}/orders/o-1?x-api-key=very-secret-admin-key&b=2`);
      expect(logLines).toHaveLength(1);
      expect(logLines[0]).toMatch(/^GET \/orders\/o-1\?<query> GET \/orders\/\{orderId\} -> getOrder 200 /);
      expect(logLines[0]).not.toContain('very-secret-admin-key');
    });
  });
});

describe('$default route', () => {
  it('catches what no other route matches, and only that', async () => {
    const { api, invocations } = await startRecordingApi([createRoute('GET /products', 'products'), createRoute('$default', 'fallback')]);
    try {
      await fetch(`${api.url}/products`);
      await fetch(`${api.url}/anything/else?x=1`, { method: 'PATCH' });
      expect(invocations.map(({ functionName, event }) => [functionName, event.routeKey, event.rawPath])).toEqual([
        ['products', 'GET /products', '/products'],
        ['fallback', '$default', '/anything/else'],
      ]);
    } finally {
      await api.close();
    }
  });
});

describe('integration timeout and shutdown', () => {
  it('answers 503 {"message":"Service Unavailable"} when the function outlasts the integration timeout', async () => {
    const neverSettles = new Promise<never>(() => undefined);
    const { api, invocations } = await startRecordingApi([createRoute('POST /checkout', 'createCheckout')], () => neverSettles, { integrationTimeoutMs: 50 });
    try {
      const res = await fetch(`${api.url}/checkout`, { method: 'POST' });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ message: 'Service Unavailable' });
      expect(invocations).toHaveLength(1);
    } finally {
      await api.close();
    }
  });

  it('close() ends idle keep-alive and in-flight connections, and stops listening', async () => {
    const invoked = deferred();
    const { api } = await startRecordingApi([createRoute('GET /fast', 'fast'), createRoute('GET /slow', 'slow')], (functionName) => {
      if (functionName === 'fast') return { statusCode: 200, body: 'fast' };
      invoked.resolve();
      return new Promise(() => undefined);
    });
    const agent = new Agent({ keepAlive: true });
    try {
      const get = (path: string) =>
        new Promise<string>((resolve, reject) => {
          httpRequest(`${api.url}${path}`, { agent }, (res) => {
            res.setEncoding('utf8');
            let body = '';
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve(body));
          })
            .on('error', reject)
            .end();
        });
      expect(await get('/fast')).toBe('fast');
      const slow = get('/slow');
      await invoked.promise;

      await api.close();

      await expect(slow).rejects.toThrow(/socket hang up|ECONNRESET/);
      await expect(fetch(`${api.url}/fast`)).rejects.toThrow();
      await expect(api.close()).resolves.toBeUndefined();
    } finally {
      agent.destroy();
      await api.close();
    }
  });
});
