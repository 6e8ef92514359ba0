/**
 * An operator's stock adjustment, applied by inventoryWorker through the inventory-updates queue.
 * One module per use case, so that each function loads only the SDK clients its own use case
 * needs (bench/README.md: "Cold-start proxies").
 */
import { logger } from '../../commons/logger';
import { getProduct } from '../../adapters/inventory-repository';
import { sendInventoryUpdate } from '../../adapters/queues';

export type AdjustmentResult = { result: 'QUEUED'; updateId: string } | { result: 'UNKNOWN_SKU' };

export async function requestInventoryAdjustment(
  adjustment: { sku: string; delta: number; reason: string },
  updateId: string,
): Promise<AdjustmentResult> {
  if (!(await getProduct(adjustment.sku))) return { result: 'UNKNOWN_SKU' };
  await sendInventoryUpdate({ type: 'ADJUST', updateId, ...adjustment });
  logger.info('Inventory adjustment queued', { sku: adjustment.sku, delta: adjustment.delta, updateId });
  return { result: 'QUEUED', updateId };
}
