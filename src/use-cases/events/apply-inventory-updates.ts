import { logger } from '../../commons/logger';
import * as z from 'zod/mini';
import { validate } from '../../commons/validation';
import { combineChanges, toSkuChanges, type InventoryUpdate, type SkuChange } from '../../domain/inventory';
import type { InventoryPort } from '../ports';

const SKU = z.string().check(z.minLength(1), z.maxLength(64));
export const InventoryUpdateSchema: z.ZodMiniType<InventoryUpdate> = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('COMMIT'),
    updateId: z.string().check(z.minLength(1), z.maxLength(300)),
    orderId: z.string().check(z.minLength(1)),
    lines: z.array(z.object({ sku: SKU, quantity: z.int().check(z.positive()) })).check(z.minLength(1), z.maxLength(50)),
  }),
  z.object({
    type: z.literal('ADJUST'),
    updateId: z.string().check(z.minLength(1), z.maxLength(300)),
    sku: SKU,
    delta: z.int(),
    reason: z.string(),
  }),
]);

export interface QueuedUpdate {
  messageId: string;
  body: string;
}

interface TrackedChange {
  messageId: string;
  change: SkuChange;
}

export interface ApplyInventoryUpdatesDeps {
  inventory: Pick<InventoryPort, 'applySkuChange'>;
}

/**
 * Applies a batch of inventory updates: changes to the same SKU are combined into one write, each
 * (update, SKU) pair is applied once thanks to the ledger, and only the messages that could not be
 * applied are returned as failed (they come back, and after 5 receives go to the DLQ).
 */
export function createApplyInventoryUpdates({ inventory }: ApplyInventoryUpdatesDeps) {
  async function applyInventoryUpdates(messages: QueuedUpdate[], now = new Date()): Promise<string[]> {
    const failed = new Set<string>();
    const tracked: TrackedChange[] = [];
    // The same update can arrive twice in one batch (a retried send, SQS redelivery): keep one copy,
    // since a transaction may not write the same ledger item twice.
    const seenLedgerIds = new Set<string>();
    for (const message of messages) {
      const update = parseUpdate(message);
      if (!update) {
        failed.add(message.messageId);
        continue;
      }
      for (const change of toSkuChanges(update)) {
        if (change.ledgerIds.some((id) => seenLedgerIds.has(id))) continue;
        change.ledgerIds.forEach((id) => seenLedgerIds.add(id));
        tracked.push({ messageId: message.messageId, change });
      }
    }

    const bySku = new Map<string, TrackedChange[]>();
    for (const item of tracked) bySku.set(item.change.sku, [...(bySku.get(item.change.sku) ?? []), item]);

    await Promise.all(
      [...bySku.entries()].map(async ([sku, items]) => {
        try {
          for (const messageId of await applyForSku(items, now)) failed.add(messageId);
        } catch (error) {
          logger.error('Inventory update failed; will be retried', { sku, error: error as Error });
          items.forEach((item) => failed.add(item.messageId));
        }
      }),
    );
    return [...failed];
  }

  /** Returns the message ids whose change to this SKU was refused. */
  async function applyForSku(items: TrackedChange[], now: Date): Promise<string[]> {
    let pending = items;
    // Each round either applies everything or drops the changes found already applied.
    for (let round = 0; pending.length > 0 && round <= items.length; round++) {
      const [combined] = combineChanges(pending.map((item) => item.change));
      const result = await inventory.applySkuChange(combined, now);
      if (result.applied) return [];
      if ('alreadyApplied' in result) {
        const done = new Set(result.alreadyApplied);
        pending = pending.filter((item) => !item.change.ledgerIds.some((id) => done.has(id)));
        continue;
      }
      // Combined change refused (missing SKU or a counter would go negative): find the culprits alone.
      if (pending.length === 1) {
        logger.error('Inventory update refused', { sku: combined.sku, ledgerIds: combined.ledgerIds });
        return [pending[0].messageId];
      }
      const refused: string[] = [];
      for (const item of pending) refused.push(...(await applyForSku([item], now)));
      return refused;
    }
    return [];
  }

  return applyInventoryUpdates;
}

function parseUpdate(message: QueuedUpdate): InventoryUpdate | undefined {
  try {
    const parsed = validate(InventoryUpdateSchema, JSON.parse(message.body));
    if (parsed.success) return parsed.data;
    logger.error('Malformed inventory update', { messageId: message.messageId, issues: parsed.error.issues.slice(0, 5) });
  } catch {
    logger.error('Inventory update is not JSON', { messageId: message.messageId });
  }
  return undefined;
}
