import { randomUUID } from 'node:crypto';
import * as inventory from '../../src/adapters/inventory-repository';
import * as queues from '../../src/adapters/queues';
import { getSecret } from '../../src/adapters/secrets';
import { requireAdmin } from '../../src/commons/admin-auth';
import { errorResult, header, httpHandler, json, parseJsonBody } from '../../src/commons/http';
import * as z from 'zod/mini';
import { createRequestInventoryAdjustment } from '../../src/use-cases/api/adjust-inventory';

const requestInventoryAdjustment = createRequestInventoryAdjustment({ inventory, queues });

const AdjustmentSchema = z.object({
  sku: z.string().check(z.minLength(1), z.maxLength(64)),
  delta: z.int().check(
    z.minimum(-1_000_000),
    z.maximum(1_000_000),
    z.refine((d) => d !== 0, 'delta must not be 0'),
  ),
  reason: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
});

export const handler = httpHandler(async (event) => {
  requireAdmin(event, await getSecret('adminApiKey'));
  const adjustment = parseJsonBody(event, AdjustmentSchema);
  // A client-supplied Idempotency-Key makes a retried adjustment apply once (the worker's ledger).
  const key = header(event, 'idempotency-key');
  const updateId = key && key.length <= 128 ? `adjust-${key}` : `adjust-${randomUUID()}`;
  const outcome = await requestInventoryAdjustment(adjustment, updateId);
  if (outcome.result === 'UNKNOWN_SKU') return errorResult(404, 'PRODUCT_NOT_FOUND', `No product ${adjustment.sku}`);
  return json(202, { updateId: outcome.updateId, status: 'QUEUED' });
});
