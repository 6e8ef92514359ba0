import { timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { header, HttpError } from './http';

/**
 * Admin routes need the `x-api-key` header to match the admin key (compared in constant time). The
 * caller reads the key (an SSM secret): commons stays below the adapters.
 */
export function requireAdmin(event: APIGatewayProxyEventV2, expected: string | undefined): void {
  if (!expected) throw new HttpError(503, 'ADMIN_DISABLED', 'Admin API key is not configured');
  const given = header(event, 'x-api-key') ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new HttpError(401, 'UNAUTHORIZED', 'A valid x-api-key header is required');
  }
}
