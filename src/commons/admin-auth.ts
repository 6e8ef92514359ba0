import { timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { getSecret } from '../adapters/secrets';
import { header, HttpError } from './http';

/** Admin routes need the `x-api-key` header to match the admin key secret (compared in constant time). */
export async function requireAdmin(event: APIGatewayProxyEventV2): Promise<void> {
  const expected = await getSecret('adminApiKey');
  if (!expected) throw new HttpError(503, 'ADMIN_DISABLED', 'Admin API key is not configured');
  const given = header(event, 'x-api-key') ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new HttpError(401, 'UNAUTHORIZED', 'A valid x-api-key header is required');
  }
}
