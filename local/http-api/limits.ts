/**
 * Numbers API Gateway HTTP APIs and Lambda enforce, in one place so the stand-in refuses
 * exactly what AWS refuses (see the HTTP API quotas page of the API Gateway developer guide).
 */

/** HTTP API payload quota: 10 MB. A larger request body is answered 413 without invoking. */
export const REQUEST_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

/** HTTP API quota "total combined size of request line and header values": 10240 bytes. */
export const REQUEST_LINE_AND_HEADER_VALUES_LIMIT_BYTES = 10_240;

/**
 * HTTP API integration timeout: 30 s, the maximum and what serverless.yml's `httpApi` events
 * compile to (`TimeoutInMillis: 30000`). Past it the client gets 503 while the function runs on.
 */
export const INTEGRATION_TIMEOUT_MS = 30_000;

/**
 * Lambda's synchronous response payload limit (6 MiB + 100 bytes). A bigger result is a
 * function error on AWS, which API Gateway turns into 500.
 */
export const LAMBDA_RESPONSE_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024 + 100;
