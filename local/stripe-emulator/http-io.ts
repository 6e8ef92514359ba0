import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody as readBodyWithin } from '../shared/http-body';

const MAX_BODY_BYTES = 1024 * 1024;

export { BodyTooLargeError };

export function readBody(request: IncomingMessage): Promise<string> {
  return readBodyWithin(request, MAX_BODY_BYTES);
}

export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function sendReply(response: ServerResponse, reply: HttpReply): void {
  response.writeHead(reply.status, { ...reply.headers, 'Content-Length': String(Buffer.byteLength(reply.body)) });
  response.end(reply.body);
}

/** Stripe pretty-prints its JSON with two spaces. */
export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): HttpReply {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body, null, 2) };
}
