/** Inventory updates that travel through the inventory-updates queue to inventoryWorker. */
export type InventoryUpdate =
  | { type: 'COMMIT'; updateId: string; orderId: string; lines: { sku: string; quantity: number }[] }
  | { type: 'ADJUST'; updateId: string; sku: string; delta: number; reason: string };

/** The change one update makes to one SKU, identified for the ledger so it applies once. */
export interface SkuChange {
  sku: string;
  availableDelta: number;
  reservedDelta: number;
  soldDelta: number;
  /** One ledger id per (update, SKU): applying the same change twice has no effect. */
  ledgerIds: string[];
}

export function ledgerId(updateId: string, sku: string): string {
  return `inventory-update#${updateId}#${sku}`;
}

export function toSkuChanges(update: InventoryUpdate): SkuChange[] {
  if (update.type === 'COMMIT') {
    // reserved -> sold: the customer paid for what was held.
    return update.lines.map(({ sku, quantity }) => ({
      sku,
      availableDelta: 0,
      reservedDelta: -quantity,
      soldDelta: quantity,
      ledgerIds: [ledgerId(update.updateId, sku)],
    }));
  }
  return [
    {
      sku: update.sku,
      availableDelta: update.delta,
      reservedDelta: 0,
      soldDelta: 0,
      ledgerIds: [ledgerId(update.updateId, update.sku)],
    },
  ];
}

/** Sums changes per SKU so a batch writes each hot SKU item once. */
export function combineChanges(changes: SkuChange[]): SkuChange[] {
  const bySku = new Map<string, SkuChange>();
  for (const change of changes) {
    const current = bySku.get(change.sku);
    if (!current) {
      bySku.set(change.sku, { ...change, ledgerIds: [...change.ledgerIds] });
      continue;
    }
    current.availableDelta += change.availableDelta;
    current.reservedDelta += change.reservedDelta;
    current.soldDelta += change.soldDelta;
    current.ledgerIds.push(...change.ledgerIds);
  }
  return [...bySku.values()];
}

export interface StockLevels {
  available: number;
  reserved: number;
  sold: number;
}
