/**
 * The stock and status promises at their mechanism: the repositories' conditional writes run
 * against DynamoDB Local (AWS's own engine) with the tables as serverless.yml declares them.
 * Each test names the promise its condition keeps, so a weakened condition fails here, in seconds,
 * instead of through an end-to-end timeout (unit tests pin the expressions themselves).
 */
import { join } from 'node:path';
import { GetCommand, PutCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalInfrastructure, type LocalInfrastructure } from '../../local/local-infrastructure';
import type * as InventoryRepository from '../../src/adapters/inventory-repository';
import type * as OrdersRepository from '../../src/adapters/orders-repository';
import { ledgerId, type SkuChange } from '../../src/domain/inventory';

let infra: LocalInfrastructure;
let db: DynamoDBDocumentClient;
let repository: typeof InventoryRepository;
let orders: typeof OrdersRepository;
let tables: { orders: string; inventory: string };
const AT = '2026-12-06T12:00:00.000Z';
let skuCounter = 0;
let orderCounter = 0;

beforeAll(async () => {
  infra = await startLocalInfrastructure({ root: join(__dirname, '..', '..'), stage: 'adapters' });
  // The adapter's clients read their endpoint and table names from the environment at load, as a handler's do.
  Object.assign(process.env, infra.environment);
  db = DynamoDBDocumentClient.from(infra.clients.dynamodb);
  tables = { orders: infra.environment.ORDERS_TABLE, inventory: infra.environment.INVENTORY_TABLE };
  repository = await import('../../src/adapters/inventory-repository');
  orders = await import('../../src/adapters/orders-repository');
}, 60_000);

afterAll(async () => {
  const { dynamoDb } = await import('../../src/adapters/clients/dynamodb');
  dynamoDb.destroy();
  await infra?.close();
});

async function newSku(levels: { available: number; reserved?: number; sold?: number }): Promise<string> {
  const sku = `SKU-${++skuCounter}`;
  await db.send(
    new PutCommand({
      TableName: tables.inventory,
      Item: { sku, name: sku, price: 1000, currency: 'usd', reserved: 0, sold: 0, ...levels },
    }),
  );
  return sku;
}

async function newOrder(): Promise<string> {
  const orderId = `ord_adapter_${++orderCounter}`;
  await db.send(new PutCommand({ TableName: tables.orders, Item: { orderId, status: 'PENDING' } }));
  return orderId;
}

async function levels(sku: string) {
  const { Item } = await db.send(new GetCommand({ TableName: tables.inventory, Key: { sku } }));
  return { available: Item?.available, reserved: Item?.reserved, sold: Item?.sold };
}

async function stockMarker(orderId: string) {
  const { Item } = await db.send(new GetCommand({ TableName: tables.orders, Key: { orderId } }));
  return Item?.stock;
}

describe('reserveStock: no overselling, all or nothing, once per order', () => {
  test('no overselling: a reservation of more than is available is refused (OutOfStock) and changes nothing', async () => {
    const sku = await newSku({ available: 2 });
    const orderId = await newOrder();
    await expect(repository.reserveStock(orderId, [{ sku, quantity: 3 }], AT)).rejects.toMatchObject({ name: 'OutOfStock' });
    expect(await levels(sku)).toEqual({ available: 2, reserved: 0, sold: 0 });
    expect(await stockMarker(orderId)).toBeUndefined();
  });

  test('no overselling: exactly what is available can be reserved, then nothing more', async () => {
    const sku = await newSku({ available: 2 });
    await expect(repository.reserveStock(await newOrder(), [{ sku, quantity: 2 }], AT)).resolves.toBe(true);
    await expect(repository.reserveStock(await newOrder(), [{ sku, quantity: 1 }], AT)).rejects.toMatchObject({ name: 'OutOfStock' });
    expect(await levels(sku)).toEqual({ available: 0, reserved: 2, sold: 0 });
  });

  test('all or nothing: a cart with one short line reserves none of its lines', async () => {
    const plenty = await newSku({ available: 10 });
    const short = await newSku({ available: 1 });
    const orderId = await newOrder();
    await expect(
      repository.reserveStock(orderId, [{ sku: plenty, quantity: 3 }, { sku: short, quantity: 2 }], AT),
    ).rejects.toMatchObject({ name: 'OutOfStock', sku: short });
    expect(await levels(plenty)).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await levels(short)).toEqual({ available: 1, reserved: 0, sold: 0 });
  });

  test('reserved once per order: a retried reservation (Lambda retry after success) holds the stock once', async () => {
    const sku = await newSku({ available: 5 });
    const orderId = await newOrder();
    await expect(repository.reserveStock(orderId, [{ sku, quantity: 2 }], AT)).resolves.toBe(true);
    await expect(repository.reserveStock(orderId, [{ sku, quantity: 2 }], AT)).resolves.toBe(false);
    expect(await levels(sku)).toEqual({ available: 3, reserved: 2, sold: 0 });
    expect(await stockMarker(orderId)).toBe('RESERVED');
  });
});

describe('releaseStock: the order stock marker makes release once-only', () => {
  test('release is once-only: a retried compensation after its release gives nothing back a second time', async () => {
    // Another order holds stock of the same SKU, so a second release would not be stopped by `reserved >= q`.
    const sku = await newSku({ available: 10 });
    await repository.reserveStock(await newOrder(), [{ sku, quantity: 3 }], AT);
    const orderId = await newOrder();
    await repository.reserveStock(orderId, [{ sku, quantity: 2 }], AT);
    expect(await levels(sku)).toEqual({ available: 5, reserved: 5, sold: 0 });

    await expect(repository.releaseStock(orderId, [{ sku, quantity: 2 }], AT)).resolves.toBe(true);
    await expect(repository.releaseStock(orderId, [{ sku, quantity: 2 }], AT)).resolves.toBe(false);
    expect(await levels(sku)).toEqual({ available: 7, reserved: 3, sold: 0 });
    expect(await stockMarker(orderId)).toBe('RELEASED');
  });

  test('release is once-only: an order that never reserved (rejected for stock) gives nothing back', async () => {
    const sku = await newSku({ available: 4 });
    await repository.reserveStock(await newOrder(), [{ sku, quantity: 1 }], AT);
    const neverReserved = await newOrder();
    await expect(repository.releaseStock(neverReserved, [{ sku, quantity: 1 }], AT)).resolves.toBe(false);
    expect(await levels(sku)).toEqual({ available: 3, reserved: 1, sold: 0 });
    expect(await stockMarker(neverReserved)).toBeUndefined();
  });
});

describe("applySkuChange: the inventory worker's ledger applies each update once", () => {
  const commit = (sku: string, updateId: string, quantity = 1): SkuChange => ({
    sku,
    availableDelta: 0,
    reservedDelta: -quantity,
    soldDelta: quantity,
    ledgerIds: [ledgerId(updateId, sku)],
  });

  test('applied once: the same commit in a later batch (SQS redelivery, a retried CommitInventory) is refused, sold counted once', async () => {
    const sku = await newSku({ available: 0, reserved: 3 });
    const change = commit(sku, 'commit-ord_ledger_1');
    await expect(repository.applySkuChange(change, new Date(AT))).resolves.toEqual({ applied: true });
    await expect(repository.applySkuChange(change, new Date(AT))).resolves.toEqual({
      applied: false,
      alreadyApplied: change.ledgerIds,
    });
    expect(await levels(sku)).toEqual({ available: 0, reserved: 2, sold: 1 });
  });

  test('applied once: a combined change naming one applied id is refused whole and says which id was applied', async () => {
    const sku = await newSku({ available: 0, reserved: 3 });
    const first = commit(sku, 'commit-ord_ledger_2');
    await repository.applySkuChange(first, new Date(AT));
    const combined = { ...commit(sku, 'commit-ord_ledger_3', 2), soldDelta: 3, reservedDelta: -3, ledgerIds: [...first.ledgerIds, ledgerId('commit-ord_ledger_3', sku)] };
    await expect(repository.applySkuChange(combined, new Date(AT))).resolves.toEqual({ applied: false, alreadyApplied: first.ledgerIds });
    expect(await levels(sku)).toEqual({ available: 0, reserved: 2, sold: 1 });
  });

  test('counters never go below zero: a change that would is rejected and writes no ledger entry', async () => {
    const sku = await newSku({ available: 0, reserved: 0 });
    const change = commit(sku, 'commit-ord_ledger_4');
    await expect(repository.applySkuChange(change, new Date(AT))).resolves.toEqual({ applied: false, rejected: true });
    expect(await levels(sku)).toEqual({ available: 0, reserved: 0, sold: 0 });
    // Refused, not remembered: once the stock is there the same update applies.
    await db.send(new PutCommand({ TableName: tables.inventory, Item: { sku, name: sku, price: 1, currency: 'usd', available: 0, reserved: 1, sold: 0 } }));
    await expect(repository.applySkuChange(change, new Date(AT))).resolves.toEqual({ applied: true });
  });

  test('an update for a SKU that does not exist is rejected and creates no item', async () => {
    const change = { sku: 'SKU-MISSING', availableDelta: 5, reservedDelta: 0, soldDelta: 0, ledgerIds: [ledgerId('adjust-missing', 'SKU-MISSING')] };
    await expect(repository.applySkuChange(change, new Date(AT))).resolves.toEqual({ applied: false, rejected: true });
    const { Item } = await db.send(new GetCommand({ TableName: tables.inventory, Key: { sku: 'SKU-MISSING' } }));
    expect(Item).toBeUndefined();
  });
});

describe('transitionOrder: the domain refuses an illegal transition in the database itself', () => {
  test('an allowed transition writes the status and appends to the history', async () => {
    const orderId = await newOrder();
    const written = await orders.transitionOrder(orderId, 'AWAITING_PAYMENT', AT);
    expect(written).toMatchObject({ orderId, status: 'AWAITING_PAYMENT', history: [{ status: 'AWAITING_PAYMENT', at: AT }] });
  });

  test('a paid order is never cancelled: COMPLETED -> CANCELED is refused and the order is unchanged', async () => {
    const orderId = await newOrder();
    for (const status of ['AWAITING_PAYMENT', 'PAID', 'COMPLETED'] as const) await orders.transitionOrder(orderId, status, AT);
    const refusal = await orders.transitionOrder(orderId, 'CANCELED', AT).catch((error) => error);
    expect(refusal).toMatchObject({ name: 'InvalidOrderState', details: { orderId, from: 'COMPLETED', to: 'CANCELED' } });
    expect((await orders.getOrder(orderId))?.status).toBe('COMPLETED');
  });

  test('of two racing transitions from AWAITING_PAYMENT (paid vs expired), exactly one wins', async () => {
    const orderId = await newOrder();
    await orders.transitionOrder(orderId, 'AWAITING_PAYMENT', AT);
    const results = await Promise.allSettled([orders.transitionOrder(orderId, 'PAID', AT), orders.transitionOrder(orderId, 'EXPIRED', AT)]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const order = await orders.getOrder(orderId);
    expect(order?.history.map((change) => change.status)).toEqual(['AWAITING_PAYMENT', order?.status]);
  });

  test('a field update of a missing order creates nothing', async () => {
    await expect(orders.updateOrder('ord_missing', { set: { note: 'x' } })).resolves.toBeUndefined();
    expect(await orders.getOrder('ord_missing')).toBeUndefined();
  });
});
