/**
 * Orders through DynamoDB's API: the list from the by-status-created index (newest first, one Query per
 * status merged, never a Scan), one order by key, the stock of its SKUs, and the search box.
 */
import { BatchGetCommand, GetCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { ConsoleTarget } from '../target';

export const ORDER_STATUSES = ['PENDING', 'AWAITING_PAYMENT', 'PAID', 'COMPLETED', 'REJECTED', 'CANCELED', 'EXPIRED', 'NEEDS_ATTENTION'] as const;
const INDEX = 'by-status-created';

export interface OrderSummary {
  orderId: string;
  status: string;
  createdAt: string;
  updatedAt?: string;
  skus: string[];
  total?: number;
  currency?: string;
  paymentIntentId?: string;
}

export interface ListQuery {
  status?: string;
  sku?: string;
  /** ISO times bounding createdAt. */
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export interface OrdersPage {
  orders: OrderSummary[];
  /** Opaque: the next page (older orders); absent on the last page. */
  cursor?: string;
  /** Index items read for this page (a SKU filter reads more than it shows). */
  read: number;
}

type StartKeys = Record<string, Record<string, unknown> | null>;

function summary(item: Record<string, any>): OrderSummary {
  return {
    orderId: item.orderId,
    status: item.status,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    skus: (item.items ?? []).map((line: { sku: string }) => line.sku),
    total: item.amounts?.total,
    currency: item.amounts?.currency,
    paymentIntentId: item.payment?.paymentIntentId,
  };
}

function keyCondition(query: ListQuery) {
  const values: Record<string, string> = {};
  let range = '';
  if (query.from && query.to) {
    range = ' AND createdAt BETWEEN :from AND :to';
    Object.assign(values, { ':from': query.from, ':to': query.to });
  } else if (query.from) {
    range = ' AND createdAt >= :from';
    values[':from'] = query.from;
  } else if (query.to) {
    range = ' AND createdAt <= :to';
    values[':to'] = query.to;
  }
  return { range, values };
}

/** At most this many rounds of reads per page when a SKU filter hides most orders. */
const MAX_ROUNDS = 5;

export async function listOrders(target: ConsoleTarget, query: ListQuery = {}): Promise<OrdersPage> {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
  const statuses = query.status ? [query.status] : [...ORDER_STATUSES];
  // One start key per status partition; null = that partition is exhausted.
  let starts: StartKeys = query.cursor ? JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8')) : {};
  const { range, values } = keyCondition(query);
  const shown: OrderSummary[] = [];
  let read = 0;

  for (let round = 0; round < MAX_ROUNDS && shown.length < limit; round += 1) {
    const want = limit - shown.length;
    const pages = await Promise.all(
      statuses.map(async (status) => {
        if (starts[status] === null) return { status, items: [] as Record<string, any>[], more: false };
        const page: QueryCommandOutput = await target.dynamodb.send(
          new QueryCommand({
            TableName: target.names.ordersTable,
            IndexName: INDEX,
            KeyConditionExpression: `#status = :status${range}`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':status': status, ...values },
            ScanIndexForward: false,
            Limit: want,
            ExclusiveStartKey: starts[status] ?? undefined,
          }),
        );
        return { status, items: page.Items ?? [], more: Boolean(page.LastEvaluatedKey) };
      }),
    );
    // Merge newest first, take `want`, then move each partition's start past what was taken.
    const merged = pages
      .flatMap((page) => page.items.map((item) => ({ item, page })))
      .sort((a, b) => (a.item.createdAt < b.item.createdAt ? 1 : a.item.createdAt > b.item.createdAt ? -1 : a.item.orderId < b.item.orderId ? 1 : -1))
      .slice(0, want);
    read += merged.length;
    const next: StartKeys = { ...starts };
    for (const page of pages) {
      const taken = merged.filter((entry) => entry.page === page).map((entry) => entry.item);
      const last = taken[taken.length - 1];
      if (last) next[page.status] = { orderId: last.orderId, status: last.status, createdAt: last.createdAt };
      if (taken.length === page.items.length && !page.more) next[page.status] = null;
    }
    starts = next;
    for (const { item } of merged) if (!query.sku || (item.items ?? []).some((line: { sku: string }) => line.sku === query.sku)) shown.push(summary(item));
    if (statuses.every((status) => starts[status] === null)) break;
  }
  const done = statuses.every((status) => starts[status] === null);
  return { orders: shown, cursor: done ? undefined : Buffer.from(JSON.stringify(starts)).toString('base64url'), read };
}

/** How many orders are in a status (a COUNT Query on the index, paginated). */
export async function countByStatus(target: ConsoleTarget, status: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await target.dynamodb.send(
      new QueryCommand({
        TableName: target.names.ordersTable,
        IndexName: INDEX,
        KeyConditionExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status },
        Select: 'COUNT',
        ExclusiveStartKey: start,
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

export async function getOrder(target: ConsoleTarget, orderId: string): Promise<Record<string, any> | undefined> {
  const { Item } = await target.dynamodb.send(new GetCommand({ TableName: target.names.ordersTable, Key: { orderId }, ConsistentRead: true }));
  if (!Item) return undefined;
  // The payment wait's task token is a credential: it never leaves the console's server.
  const { taskToken: _secret, ...order } = Item;
  return order;
}

export async function stockOf(target: ConsoleTarget, skus: string[]): Promise<Array<Record<string, any>>> {
  const unique = [...new Set(skus)].slice(0, 100);
  if (!unique.length) return [];
  const { Responses } = await target.dynamodb.send(
    new BatchGetCommand({ RequestItems: { [target.names.inventoryTable]: { Keys: unique.map((sku) => ({ sku })) } } }),
  );
  return (Responses?.[target.names.inventoryTable] ?? []).sort((a, b) => String(a.sku).localeCompare(String(b.sku)));
}

const ORDER_ID = /^ord_[A-Za-z0-9_-]{22}$/;
const RESUME_EXECUTION = /^(ord_[A-Za-z0-9_-]{22})-resume-\d+$/;

export type SearchResult = { orderId: string; via: string } | { error: string };

/** The search box: an order id, a PaymentIntent id, an event id or an execution name (or ARN). */
export async function findOrder(target: ConsoleTarget, raw: string): Promise<SearchResult> {
  const query = raw.trim();
  const name = query.startsWith('arn:aws:states:') ? query.split(':').pop()! : query;
  const resumed = RESUME_EXECUTION.exec(name);
  if (resumed) return { orderId: resumed[1], via: 'execution name' };
  if (ORDER_ID.test(name)) {
    return (await getOrder(target, name)) ? { orderId: name, via: query === name ? 'order id' : 'execution name' } : { error: `No order ${name}` };
  }
  try {
    if (query.startsWith('pi_')) {
      const intent = await target.stripeClient.paymentIntents.retrieve(query);
      return intent.metadata?.orderId ? { orderId: intent.metadata.orderId, via: 'PaymentIntent' } : { error: `${query} names no order` };
    }
    if (query.startsWith('evt_')) {
      const event = await target.stripeClient.events.retrieve(query);
      const object = event.data.object as { metadata?: Record<string, string>; payment_intent?: string | null };
      if (object.metadata?.orderId) return { orderId: object.metadata.orderId, via: 'event' };
      if (typeof object.payment_intent === 'string') {
        const intent = await target.stripeClient.paymentIntents.retrieve(object.payment_intent);
        if (intent.metadata?.orderId) return { orderId: intent.metadata.orderId, via: 'event' };
      }
      return { error: `${query} names no order` };
    }
  } catch (error) {
    return { error: `Stripe: ${(error as Error).message}` };
  }
  return { error: 'Search takes an order id (ord_...), a PaymentIntent id (pi_...), an event id (evt_...) or an execution name' };
}
