import { randomUUID } from 'node:crypto';
import * as inventory from '../../src/adapters/inventory-repository';
import * as queues from '../../src/adapters/queues';
import { getSecret } from '../../src/adapters/secrets';
import { requireAdmin } from '../../src/commons/admin-auth';
import { errorResult, httpHandler, idempotencyKey, json, parseJsonBody } from '../../src/commons/http';
import { createRequestInventoryAdjustment, type RequestInventoryAdjustment } from '../../src/use-cases/api/adjust-inventory';
import { AdjustmentSchema } from './schema';

/** POST /inventory/adjustments: an operator's stock adjustment, applied through the inventory-updates queue. */
export function createAdjustInventoryHandler({
  requestInventoryAdjustment,
  adminKey,
}: {
  requestInventoryAdjustment: RequestInventoryAdjustment;
  adminKey: () => Promise<string | undefined>;
}) {
  return httpHandler(async (event) => {
    requireAdmin(event, await adminKey());
    const adjustment = parseJsonBody(event, AdjustmentSchema);
    // A client-supplied Idempotency-Key makes a retried adjustment apply once (the worker's ledger).
    const key = idempotencyKey(event);
    const updateId = `adjust-${key ?? randomUUID()}`;
    const outcome = await requestInventoryAdjustment(adjustment, updateId);
    if (outcome.result === 'UNKNOWN_SKU') return errorResult(404, 'PRODUCT_NOT_FOUND', `No product ${adjustment.sku}`);
    return json(202, { updateId: outcome.updateId, status: 'QUEUED' });
  });
}

export const handler = createAdjustInventoryHandler({
  requestInventoryAdjustment: createRequestInventoryAdjustment({ inventory, queues }),
  adminKey: () => getSecret('adminApiKey'),
});
