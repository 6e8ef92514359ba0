import { randomBytes } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * An HTTP API request id as in `apigw-requestid` and `requestContext.requestId`:
 * 15 alphanumerics and '=' (e.g. "JKJaXmPLvHcESHA=").
 */
export function createRequestId(): string {
  const id = Array.from(randomBytes(15), (byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');
  return `${id}=`;
}

/** An X-Ray trace header as API Gateway adds to the request: Root=1-<epoch seconds hex>-<96-bit hex>. */
export function createTraceId(now: Date): string {
  const epochSecondsHex = Math.floor(now.getTime() / 1000).toString(16).padStart(8, '0');
  return `Root=1-${epochSecondsHex}-${randomBytes(12).toString('hex')}`;
}
