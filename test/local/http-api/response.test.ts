import { gatewayErrorResponse, responseFromLambdaResult } from '../../../local/http-api/response';
import { LAMBDA_RESPONSE_PAYLOAD_LIMIT_BYTES } from '../../../local/http-api/limits';

const INTERNAL_SERVER_ERROR = { statusCode: 500, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"message":"Internal Server Error"}') };

describe('responseFromLambdaResult', () => {
  it('infers 200 JSON from a result without statusCode, body being the function output as JSON', () => {
    expect(responseFromLambdaResult({ message: 'hi', at: new Date(Date.UTC(2026, 0, 1)), gone: undefined })).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"message":"hi","at":"2026-01-01T00:00:00.000Z"}'),
    });
    expect(responseFromLambdaResult('Hello from Lambda!').body.toString()).toBe('"Hello from Lambda!"');
    expect(responseFromLambdaResult([1, 2]).body.toString()).toBe('[1,2]');
    expect(responseFromLambdaResult(undefined).body.toString()).toBe('null');
    // statusCode: undefined disappears in Lambda's JSON, so this is inferred too.
    expect(responseFromLambdaResult({ statusCode: undefined, body: 'x' }).body.toString()).toBe('{"body":"x"}');
  });

  it('maps a structured result, cookies first then set-cookie from headers', () => {
    expect(
      responseFromLambdaResult({
        statusCode: 201,
        headers: { 'Content-Type': 'application/json', 'X-Count': 3, 'X-Flag': true, 'Set-Cookie': 'c=3', 'Content-Length': '999' },
        cookies: ['a=1; Path=/', 'b=2'],
        body: '{"ok":true}',
        multiValueHeaders: { 'x-ignored': ['1', '2'] },
      }),
    ).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json', 'x-count': '3', 'x-flag': 'true', 'set-cookie': ['a=1; Path=/', 'b=2', 'c=3'] },
      body: Buffer.from('{"ok":true}'),
    });
  });

  it('defaults a structured response to UTF-8 text and an empty body', () => {
    expect(responseFromLambdaResult({ statusCode: 204 })).toEqual({ statusCode: 204, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.alloc(0) });
  });

  it('decodes a base64 body', () => {
    const bytes = Buffer.from([0, 255, 137, 80, 78, 71]);
    expect(responseFromLambdaResult({ statusCode: 200, isBase64Encoded: true, body: bytes.toString('base64') }).body).toEqual(bytes);
  });

  it.each([
    ['a statusCode that is not an HTTP status', { statusCode: '200' }],
    ['a statusCode out of range', { statusCode: 42 }],
    ['a body that is not a string', { statusCode: 200, body: { ok: true } }],
    ['a nested header value', { statusCode: 200, headers: { 'x-a': ['1'] } }],
    ['cookies that are not strings', { statusCode: 200, cookies: [1] }],
  ])('answers 500 for %s', (_, result) => {
    expect(responseFromLambdaResult(result)).toEqual(INTERNAL_SERVER_ERROR);
  });

  it('answers 500 for what Lambda itself could not return', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(responseFromLambdaResult(circular)).toEqual(INTERNAL_SERVER_ERROR);
    expect(responseFromLambdaResult('x'.repeat(LAMBDA_RESPONSE_PAYLOAD_LIMIT_BYTES))).toEqual(INTERNAL_SERVER_ERROR);
    expect(responseFromLambdaResult('x'.repeat(LAMBDA_RESPONSE_PAYLOAD_LIMIT_BYTES - 2)).statusCode).toBe(200);
  });
});

describe('gatewayErrorResponse', () => {
  it.each([
    ['notFound', 404, 'Not Found'],
    ['requestEntityTooLarge', 413, 'Request Entity Too Large'],
    ['internalServerError', 500, 'Internal Server Error'],
    ['serviceUnavailable', 503, 'Service Unavailable'],
  ] as const)('%s is %d {"message":"%s"}', (kind, statusCode, message) => {
    const response = gatewayErrorResponse(kind);
    expect(response.statusCode).toBe(statusCode);
    expect(JSON.parse(response.body.toString())).toEqual({ message });
    expect(response.headers['content-type']).toBe('application/json');
  });
});
