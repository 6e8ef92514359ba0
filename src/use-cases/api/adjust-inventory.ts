/**
 * An operator's stock adjustment, applied by inventoryWorker through the inventory-updates queue.
 * One module per use case, so that each function loads only the SDK clients its own use case
 * needs (bench/README.md: "Cold-start proxies").
 */
import { logger } from '../../commons/logger';
import type { InventoryPort, QueuesPort } from '../ports';

export interface AdjustInventoryDeps {
  inventory: Pick<InventoryPort, 'getProduct'>;
  queues: Pick<QueuesPort, 'sendInventoryUpdate'>;
}

export type AdjustmentResult = { result: 'QUEUED'; updateId: string } | { result: 'UNKNOWN_SKU' };

export function createRequestInventoryAdjustment({ inventory, queues }: AdjustInventoryDeps) {
  async function requestInventoryAdjustment(
    adjustment: { sku: string; delta: number; reason: string },
    updateId: string,
  ): Promise<AdjustmentResult> {
    if (!(await inventory.getProduct(adjustment.sku))) return { result: 'UNKNOWN_SKU' };
    await queues.sendInventoryUpdate({ type: 'ADJUST', updateId, ...adjustment });
    logger.info('Inventory adjustment queued', { sku: adjustment.sku, delta: adjustment.delta, updateId });
    return { result: 'QUEUED', updateId };
  }

  return requestInventoryAdjustment;
}

export type RequestInventoryAdjustment = ReturnType<typeof createRequestInventoryAdjustment>;
