import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { requireAdmin } from '../../src/commons/admin-auth';
import { errorResult, header, httpHandler, json, parseJsonBody } from '../../src/commons/http';
import { requestInventoryAdjustment } from '../../src/use-cases/order-commands';

const AdjustmentSchema = z.object({
  sku: z.string().min(1).max(64),
  delta: z
    .number()
    .int()
    .min(-1_000_000)
    .max(1_000_000)
    .refine((d) => d !== 0, 'delta must not be 0'),
  reason: z.string().trim().min(1).max(200),
});

export const handler = httpHandler(async (event) => {
  await requireAdmin(event);
  const adjustment = parseJsonBody(event, AdjustmentSchema);
  // A client-supplied Idempotency-Key makes a retried adjustment apply once (the worker's ledger).
  const key = header(event, 'idempotency-key');
  const updateId = key && key.length <= 128 ? `adjust-${key}` : `adjust-${randomUUID()}`;
  const outcome = await requestInventoryAdjustment(adjustment, updateId);
  if (outcome.result === 'UNKNOWN_SKU') return errorResult(404, 'PRODUCT_NOT_FOUND', `No product ${adjustment.sku}`);
  return json(202, { updateId: outcome.updateId, status: 'QUEUED' });
});
