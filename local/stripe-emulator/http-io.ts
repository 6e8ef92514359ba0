import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {}

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError(`request body larger than ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
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
