import { buildHttpApiEvent, decodeRawPath, formatRequestTime, isTextContentType, parseQueryString, type ReceivedRequest } from '../../../local/http-api/event';

describe('isTextContentType', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['Application/JSON', true],
    ['text/plain', true],
    ['text/csv; charset=latin1', true],
    ['application/xml', true],
    ['application/javascript', true],
    [undefined, false],
    ['', false],
    ['application/octet-stream', false],
    ['application/x-www-form-urlencoded', false],
    ['multipart/form-data; boundary=x', false],
    ['image/png', false],
    ['application/vnd.api+json', false],
  ])('%s -> %s', (contentType, text) => {
    expect(isTextContentType(contentType)).toBe(text);
  });
});

describe('decodeRawPath', () => {
  it('decodes escapes as UTF-8 but keeps %25 encoded', () => {
    expect(decodeRawPath('/orders/o%201/%E6%9D%B1%E4%BA%AC')).toBe('/orders/o 1/東京');
    expect(decodeRawPath('/a%252Eb/100%25')).toBe('/a%252Eb/100%25');
    expect(decodeRawPath('/bad%zz/%E6')).toBe('/bad%zz/\uFFFD');
  });
});

describe('parseQueryString', () => {
  it('joins repeated names with commas and decodes names and values', () => {
    expect(parseQueryString('a=1&a=2&b=x%20y+z&c=1%2B1&flag&e=&&%C3%A9=%C3%A9')).toEqual({ a: '1,2', b: 'x y z', c: '1+1', flag: '', e: '', é: 'é' });
  });

  it('is undefined without parameters', () => {
    expect(parseQueryString('')).toBeUndefined();
    expect(parseQueryString('&&')).toBeUndefined();
  });
});

describe('formatRequestTime', () => {
  it('uses the dd/MMM/yyyy:HH:mm:ss +0000 form in UTC', () => {
    expect(formatRequestTime(new Date(Date.UTC(2020, 2, 4, 9, 3, 58, 390)))).toBe('04/Mar/2020:09:03:58 +0000');
  });
});

describe('buildHttpApiEvent', () => {
  const receivedAt = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  const gateway = { accountId: '123456789012', apiId: 'api1', requestId: 'AbCdEfGhIjKlMnO=', receivedAt };
  const request = (overrides: Partial<ReceivedRequest>): ReceivedRequest => ({
    method: 'GET',
    target: '/products',
    rawHeaders: ['Host', '127.0.0.1:3000'],
    body: Buffer.alloc(0),
    sourceIp: '127.0.0.1',
    protocol: 'HTTP/1.1',
    localPort: 3000,
    ...overrides,
  });

  it('builds the documented 2.0 shape, leaving out what the request does not have', () => {
    const event = buildHttpApiEvent(request({ rawHeaders: ['Host', '127.0.0.1:3000', 'User-Agent', 'tester/1', 'Connection', 'keep-alive'] }), { routeKey: 'GET /products', pathParameters: undefined }, gateway);
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'GET /products',
      rawPath: '/products',
      rawQueryString: '',
      headers: {
        host: '127.0.0.1:3000',
        'user-agent': 'tester/1',
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-port': '3000',
        'x-forwarded-proto': 'http',
        'x-amzn-trace-id': expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/),
      },
      requestContext: {
        accountId: '123456789012',
        apiId: 'api1',
        domainName: '127.0.0.1',
        domainPrefix: '127',
        http: { method: 'GET', path: '/products', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'tester/1' },
        requestId: 'AbCdEfGhIjKlMnO=',
        routeKey: 'GET /products',
        stage: '$default',
        time: '02/Jan/2026:03:04:05 +0000',
        timeEpoch: receivedAt.getTime(),
      },
      isBase64Encoded: false,
    });
    expect(Object.keys(event)).not.toEqual(expect.arrayContaining(['cookies', 'queryStringParameters', 'body', 'pathParameters', 'stageVariables']));
  });

  it('keeps a client x-forwarded-for and x-amzn-trace-id, appending the client address', () => {
    const event = buildHttpApiEvent(request({ rawHeaders: ['X-Forwarded-For', '203.0.113.9', 'X-Amzn-Trace-Id', 'Root=1-abc'] }), { routeKey: '$default', pathParameters: undefined }, gateway);
    expect(event.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(event.headers['x-amzn-trace-id']).toBe('Root=1-abc');
  });
});
