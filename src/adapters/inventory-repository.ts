import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { config } from '../commons/config';
import { OutOfStock } from '../domain/errors';
import type { SkuChange, StockLevels } from '../domain/inventory';
import type { CatalogueEntry } from '../domain/pricing';
import { documentClient } from './clients/dynamodb';

export interface Product extends CatalogueEntry, StockLevels {}

type StockLine = { sku: string; quantity: number };

/** How long an applied update id is remembered: longer than the queue keeps a message (4 days). */
const LEDGER_TTL_SECONDS = 14 * 24 * 3600;

function toProduct(item: Record<string, unknown>): Product {
  return {
    sku: String(item.sku),
    name: String(item.name),
    price: Number(item.price),
    currency: String(item.currency),
    available: Number(item.available ?? 0),
    reserved: Number(item.reserved ?? 0),
    sold: Number(item.sold ?? 0),
  };
}

export async function getProduct(sku: string): Promise<Product | undefined> {
  const { Item } = await documentClient.send(new GetCommand({ TableName: config.inventoryTable, Key: { sku } }));
  return Item ? toProduct(Item) : undefined;
}

export async function listProducts(): Promise<Product[]> {
  const products: Product[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(new ScanCommand({ TableName: config.inventoryTable, ExclusiveStartKey }));
    products.push(...(page.Items ?? []).map(toProduct));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return products.sort((a, b) => a.sku.localeCompare(b.sku));
}

/** Catalogue entries for the given SKUs (BatchGet, unprocessed keys retried). */
export async function getCatalogue(skus: string[]): Promise<Map<string, CatalogueEntry>> {
  const found = new Map<string, CatalogueEntry>();
  let keys: Record<string, unknown>[] = [...new Set(skus)].map((sku) => ({ sku }));
  for (let attempt = 0; keys.length > 0; attempt++) {
    if (attempt > 5) throw new Error('Catalogue read kept returning unprocessed keys');
    const { Responses, UnprocessedKeys } = await documentClient.send(
      new BatchGetCommand({ RequestItems: { [config.inventoryTable]: { Keys: keys } } }),
    );
    for (const item of Responses?.[config.inventoryTable] ?? []) {
      const product = toProduct(item);
      found.set(product.sku, product);
    }
    keys = (UnprocessedKeys?.[config.inventoryTable]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    if (keys.length) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
  }
  return found;
}

function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  return error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
}

const CONFLICT_ATTEMPTS = 5;

/**
 * Runs a transaction, retrying it while DynamoDB cancels it only for TransactionConflict (another
 * transaction on the same item, e.g. a hot SKU): otherwise such a race would fail a reservation,
 * or, after the saga's retries, reject an order whose stock was there.
 */
async function transactWithConflictRetry(command: TransactWriteCommand): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await documentClient.send(command);
      return;
    } catch (error) {
      const reasons = cancellationReasons(error);
      const onlyConflicts =
        reasons?.some((r) => r.Code === 'TransactionConflict') &&
        reasons.every((r) => r.Code === 'TransactionConflict' || r.Code === 'None' || r.Code === undefined);
      if (!onlyConflicts || attempt >= CONFLICT_ATTEMPTS) throw error;
      // Full jitter, 10 ms doubling: the competing transaction usually finishes within a few ms.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
    }
  }
}

/**
 * Reserves every line in one transaction (all or nothing, `available >= quantity` per SKU) and
 * marks the order as holding stock. A retry after success finds the order marked and does nothing.
 * Returns false if the order already held its reservation.
 */
export async function reserveStock(orderId: string, lines: StockLine[], at: string): Promise<boolean> {
  const stockUpdates = lines.map(({ sku, quantity }) => ({
    Update: {
      TableName: config.inventoryTable,
      Key: { sku },
      UpdateExpression: 'SET available = available - :q, reserved = reserved + :q, updatedAt = :at',
      ConditionExpression: 'available >= :q',
      ExpressionAttributeValues: { ':q': quantity, ':at': at },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  }));
  const markOrder = {
    Update: {
      TableName: config.ordersTable,
      Key: { orderId },
      UpdateExpression: 'SET stock = :reserved',
      ConditionExpression: 'attribute_exists(orderId) AND attribute_not_exists(stock)',
      ExpressionAttributeValues: { ':reserved': 'RESERVED' },
    },
  };
  try {
    await transactWithConflictRetry(new TransactWriteCommand({ TransactItems: [...stockUpdates, markOrder] }));
    return true;
  } catch (error) {
    const reasons = cancellationReasons(error);
    if (!reasons) throw error;
    const orderReason = reasons[lines.length];
    if (orderReason?.Code === 'ConditionalCheckFailed') return false;
    const shortIndex = reasons.findIndex((r, i) => i < lines.length && r.Code === 'ConditionalCheckFailed');
    if (shortIndex >= 0) {
      const item = reasons[shortIndex].Item ? unmarshall(reasons[shortIndex].Item!) : undefined;
      throw new OutOfStock(lines[shortIndex].sku, lines[shortIndex].quantity, item?.available as number | undefined, { cause: error });
    }
    throw error;
  }
}

/**
 * Gives an order's reserved stock back, once: the order's `stock` marker flips RESERVED -> RELEASED
 * in the same transaction. Returns false if there was nothing to release.
 */
export async function releaseStock(orderId: string, lines: StockLine[], at: string): Promise<boolean> {
  const stockUpdates = lines.map(({ sku, quantity }) => ({
    Update: {
      TableName: config.inventoryTable,
      Key: { sku },
      UpdateExpression: 'SET available = available + :q, reserved = reserved - :q, updatedAt = :at',
      ConditionExpression: 'reserved >= :q',
      ExpressionAttributeValues: { ':q': quantity, ':at': at },
    },
  }));
  const markOrder = {
    Update: {
      TableName: config.ordersTable,
      Key: { orderId },
      UpdateExpression: 'SET stock = :released',
      ConditionExpression: 'stock = :reserved',
      ExpressionAttributeValues: { ':released': 'RELEASED', ':reserved': 'RESERVED' },
    },
  };
  try {
    await transactWithConflictRetry(new TransactWriteCommand({ TransactItems: [...stockUpdates, markOrder] }));
    return true;
  } catch (error) {
    const reasons = cancellationReasons(error);
    if (reasons?.[lines.length]?.Code === 'ConditionalCheckFailed') return false;
    throw error;
  }
}

export type ApplyResult =
  | { applied: true }
  /** Some ledger ids were applied before: retry with the others. */
  | { applied: false; alreadyApplied: string[] }
  /** The SKU is missing or the change would drive a counter below zero. */
  | { applied: false; rejected: true };

/**
 * Applies one (possibly combined) change to a SKU with its ledger entries, in one transaction:
 * one write to the SKU item however many updates were combined, and none applied twice.
 */
export async function applySkuChange(change: SkuChange, now: Date): Promise<ApplyResult> {
  const expiration = Math.floor(now.getTime() / 1000) + LEDGER_TTL_SECONDS;
  const ledgerPuts = change.ledgerIds.map((id) => ({
    Put: {
      TableName: config.idempotencyTable,
      Item: { id, expiration, appliedAt: now.toISOString() },
      ConditionExpression: 'attribute_not_exists(id)',
    },
  }));
  const stockUpdate = {
    Update: {
      TableName: config.inventoryTable,
      Key: { sku: change.sku },
      UpdateExpression: 'ADD available :a, reserved :r, sold :s SET updatedAt = :at',
      // Counters never go below zero: the condition checks the value before the change.
      ConditionExpression: 'attribute_exists(sku) AND available >= :minA AND reserved >= :minR AND sold >= :minS',
      ExpressionAttributeValues: {
        ':a': change.availableDelta,
        ':r': change.reservedDelta,
        ':s': change.soldDelta,
        ':minA': Math.max(0, -change.availableDelta),
        ':minR': Math.max(0, -change.reservedDelta),
        ':minS': Math.max(0, -change.soldDelta),
        ':at': now.toISOString(),
      },
    },
  };
  try {
    await transactWithConflictRetry(new TransactWriteCommand({ TransactItems: [...ledgerPuts, stockUpdate] }));
    return { applied: true };
  } catch (error) {
    const reasons = cancellationReasons(error);
    if (!reasons) throw error;
    const alreadyApplied = change.ledgerIds.filter((_, i) => reasons[i]?.Code === 'ConditionalCheckFailed');
    if (alreadyApplied.length) return { applied: false, alreadyApplied };
    if (reasons[ledgerPuts.length]?.Code === 'ConditionalCheckFailed') return { applied: false, rejected: true };
    throw error;
  }
}
