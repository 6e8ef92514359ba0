/**
 * The saga under load, in one local cloud (payment window 900 s):
 *   1. AWS cost per order by path: happy, declined-then-paid, out of stock, post-payment failure
 *      (the expired path needs a short window: bench/parts/expiry.ts);
 *   2. throughput and latency with N = 1, 10, 50 concurrent customers, beside DynamoDB Local's
 *      own conditional-write ceiling measured in the same run;
 *   3. the hot SKU: every customer buys the same SKU;
 *   4. webhook acknowledgement times (the emulator's delivery log).
 *
 *   npx tsx bench/parts/saga.ts [--out file] [--quick]
 */
import { CreateTableCommand, DeleteTableCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BENCH_SKUS, HOT_SKU, OUT_OF_STOCK_SKU, iamPerOrder, startBenchCloud, type BenchCloud } from '../lib/bench-cloud';
import type { Purchase } from '../lib/customer';
import { progress, runPart } from '../lib/part';
import { distribution, round } from '../lib/stats';
import { summarise } from '../lib/usage';
import { runCustomersInChildProcess } from '../lib/customers';
import { cpuBetween, cpuSnapshot, type CpuSeconds } from '../lib/process-cpu';
import os from 'node:os';

const PART = 'saga';
const QUICK = process.argv.includes('--quick');

interface LoadResult {
  customers: number;
  pollMs: number;
  durationMs: number;
  completed: number;
  failed: number;
  errors: string[];
  ordersPerSecond: number;
  /** From the order's history (when the status was written). */
  toAwaitingMs: ReturnType<typeof distribution>;
  toCompletedMs: ReturnType<typeof distribution>;
  /** As the polling customer saw them (+ up to one poll interval). */
  toAwaitingSeenMs: ReturnType<typeof distribution>;
  toCompletedSeenMs: ReturnType<typeof distribution>;
  webhookAckMs: ReturnType<typeof distribution>;
  /** payment_intent.succeeded only: the delivery that resumes the saga. */
  webhookSucceededAckMs: ReturnType<typeof distribution>;
  pollsPerOrder: number;
  cpu: ReturnType<typeof cpuFigures>;
  /** Sum of webhook acknowledgement times over wall time: the emulator sends up to 8 at once, so 8 = saturated. */
  webhookDelivererBusy: number;
  dynamoDbCallsPerOrder: number;
  dynamoDbCallsPerOrderWithPolls: number;
  /** IAM enforcement's cost in this load (checks are in the local cloud's process, inside its CPU). */
  iam: ReturnType<typeof iamPerOrder>;
  purchases: Purchase[];
}

/** N customers (in their own process: bench/lib/customers-process.ts) buying back to back until `durationMs` has passed. */
async function load(bench: BenchCloud, customers: number, durationMs: number, skus: string[], maxOrders: number): Promise<LoadResult> {
  // Polls are load too (an HTTP request, a Lambda invocation and a DynamoDB read each): at most
  // about 200 polls/s in all, so that the figure is the saga's throughput, not the pollers'. The
  // latencies are taken from the order's history, so the poll interval does not blur them.
  const pollMs = Math.max(20, 5 * customers);
  const mark = bench.recorder.mark();
  const deliveriesBefore = bench.cloud.stripe.emulator!.deliveries().length;
  const { cloud } = bench;
  const children = { dynamodbLocal: cloud.infra.pids.dynamodb, fauxqs: cloud.infra.pids.fauxqs };
  const cpuBefore = cpuSnapshot(children);
  const iamBefore = cloud.iam.stats();
  const { purchases, errors, startedAt: started, endedAt, cpuSeconds: customersCpu } = await runCustomersInChildProcess({
    apiUrl: cloud.apiUrl,
    stripeApiBase: cloud.stripe.apiBase!,
    stripeSecretKey: cloud.stripe.secretKey,
    customers,
    durationMs,
    pollMs,
    skus,
    maxOrders,
  });
  const cpuUsed: CpuSeconds = { ...cpuBetween(cpuBefore, cpuSnapshot(children)), customers: customersCpu };
  const completed = purchases.filter((p) => p.status === 'COMPLETED');
  const lastCompletion = Math.max(...completed.map((p) => p.completedAt), started + 1);
  const wallMs = endedAt - started;
  const orderIds = purchases.map((p) => p.orderId);
  await bench.settle(orderIds, 90_000);
  const iam = iamPerOrder(cloud, iamBefore, orderIds.length);
  const window = bench.recorder.since(mark);
  const summary = summarise(bench.cloud, bench.recorder, window, orderIds, orderIds.length);
  const allDynamo = window.calls.filter((c) => c.service === 'dynamodb').length;
  const deliveries = bench.cloud.stripe.emulator!.deliveries().slice(deliveriesBefore);
  const acks = deliveries.map((d) => d.durationMs);
  return {
    customers,
    pollMs,
    durationMs: lastCompletion - started,
    completed: completed.length,
    failed: purchases.length - completed.length + errors.length,
    errors: [...new Set(errors)].slice(0, 5),
    ordersPerSecond: round(completed.length / ((lastCompletion - started) / 1000), 2),
    toAwaitingMs: distribution(completed.map((p) => p.toAwaitingRecordedMs!)),
    toCompletedMs: distribution(completed.map((p) => p.toCompletedRecordedMs!)),
    toAwaitingSeenMs: distribution(completed.map((p) => p.toAwaitingMs!)),
    toCompletedSeenMs: distribution(completed.map((p) => p.toCompletedMs!)),
    webhookAckMs: distribution(acks),
    webhookSucceededAckMs: distribution(deliveries.filter((d) => d.type === 'payment_intent.succeeded').map((d) => d.durationMs)),
    pollsPerOrder: round(summary.perOrder.getOrderPolls, 1),
    cpu: cpuFigures(cpuUsed, wallMs, completed.length),
    webhookDelivererBusy: round(acks.reduce((a, b) => a + b, 0) / wallMs, 2),
    dynamoDbCallsPerOrder: summary.perOrder.dynamoDbCalls,
    dynamoDbCallsPerOrderWithPolls: round(allDynamo / Math.max(1, orderIds.length), 2),
    iam,
    purchases,
  };
}

/**
 * Where an order's CPU goes, per process, and the most this machine could complete if all its cores
 * were busy with this mix (with the customers' CPU, and without it as if they ran elsewhere).
 */
function cpuFigures(used: CpuSeconds, wallMs: number, completed: number) {
  const cores = os.availableParallelism();
  const perOrderMs = Object.fromEntries(Object.entries(used).map(([name, seconds]) => [name, round((seconds * 1000) / Math.max(1, completed), 2)]));
  const totalMs = Object.values(perOrderMs).reduce((a, b) => a + b, 0);
  const withoutCustomersMs = totalMs - (perOrderMs.customers ?? 0);
  return {
    cores,
    coresBusy: Object.fromEntries(Object.entries(used).map(([name, seconds]) => [name, round((seconds * 1000) / wallMs, 2)])),
    msPerOrder: perOrderMs,
    totalMsPerOrder: round(totalMs, 1),
    machineBoundOrdersPerSecond: round((cores * 1000) / totalMs, 1),
    machineBoundWithoutCustomersOrdersPerSecond: round((cores * 1000) / withoutCustomersMs, 1),
  };
}

/**
 * DynamoDB Local's own ceiling: conditional UpdateItems (the kind the saga makes) from `concurrency`
 * callers for `durationMs`, spread over `items` items (1 = a single hot item). Own table, own client.
 */
async function conditionalWriteCeiling(dynamodb: DynamoDBClient, dynamodbPid: number, items: number, concurrency: number, durationMs: number) {
  const table = `bench-ceiling-${items}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'sku', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'sku', KeyType: 'HASH' }],
    }),
  );
  try {
    for (let i = 0; i < items; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, items - i) }, (_, j) =>
          dynamodb.send(new PutItemCommand({ TableName: table, Item: { sku: { S: `s${i + j}` }, available: { N: '1000000000' }, reserved: { N: '0' } } })),
        ),
      );
    }
    let next = 0;
    const hammer = async (ms: number) => {
      let writes = 0;
      const started = Date.now();
      const deadline = started + ms;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (Date.now() < deadline) {
            await dynamodb.send(
              new UpdateItemCommand({
                TableName: table,
                Key: { sku: { S: `s${next++ % items}` } },
                UpdateExpression: 'SET available = available - :q, reserved = reserved + :q',
                ConditionExpression: 'available >= :q',
                ExpressionAttributeValues: { ':q': { N: '1' } },
              }),
            );
            writes++;
          }
        }),
      );
      return { writes, seconds: (Date.now() - started) / 1000 };
    };
    await hammer(Math.min(1_000, durationMs / 3)); // JIT warm-up, not counted
    const cpuBefore = cpuSnapshot({ dynamodbLocal: dynamodbPid });
    const { writes, seconds } = await hammer(durationMs);
    const cpu = cpuBetween(cpuBefore, cpuSnapshot({ dynamodbLocal: dynamodbPid }));
    return {
      items,
      concurrency,
      writes,
      writesPerSecond: round(writes / seconds, 0),
      /** The JVM and this process (the SDK client) share the machine's cores while hammering. */
      coresBusy: { dynamodbLocal: round(cpu.dynamodbLocal / seconds, 2), client: round(cpu.main / seconds, 2) },
      dynamodbLocalCpuMsPerWrite: round((cpu.dynamodbLocal * 1000) / writes, 3),
    };
  } finally {
    await dynamodb.send(new DeleteTableCommand({ TableName: table }));
  }
}

async function main() {
  const bench = await startBenchCloud({ paymentWindowSeconds: 900 });
  const { cloud } = bench;
  try {
    progress(PART, `local cloud up in ${cloud.timings.totalMs} ms`);
    const customer = bench.customer();
    // Warm-up: loads every handler module once (a Lambda cold start is not an order's cost here).
    const warm = await Promise.all([customer.buy([{ sku: BENCH_SKUS[0], quantity: 1 }]), customer.buy([{ sku: BENCH_SKUS[1], quantity: 1 }], { declineFirst: true })]);
    await bench.settle(warm.map((w) => w.orderId));
    const deliveriesAfterWarmUp = cloud.stripe.emulator!.deliveries().length;
    const afterWarmUp = bench.recorder.mark();

    // 1. Cost per order, path by path, one after another so every call is the path's own.
    progress(PART, 'cost per order by path');
    const happy = await bench.scenario(async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await customer.buy([{ sku: BENCH_SKUS[2], quantity: 1 }])).orderId);
      return ids;
    });
    const declinedThenPaid = await bench.scenario(async () => [(await customer.buy([{ sku: BENCH_SKUS[3], quantity: 1 }], { declineFirst: true })).orderId]);
    const outOfStock = await bench.scenario(async () => [(await customer.buy([{ sku: OUT_OF_STOCK_SKU, quantity: 1 }])).orderId]);
    const faultsUrl = `${cloud.apiUrl}/_local/faults/fulfillOrder`;
    await fetch(faultsUrl, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'always' }) });
    let postPaymentFailure;
    try {
      postPaymentFailure = await bench.scenario(async () => [(await customer.buy([{ sku: BENCH_SKUS[4], quantity: 1 }], { finalTimeoutMs: 60_000 })).orderId]);
    } finally {
      await fetch(faultsUrl, { method: 'DELETE' });
    }
    const paths = { happy, declinedThenPaid, outOfStock, postPaymentFailure };

    // Where the webhook's time goes (cost paths, unloaded): its AWS calls, mean round trip per operation.
    const functionOfRequest = bench.recorder.functionOfRequest();
    const pathsWindow = bench.recorder.since(afterWarmUp);
    const webhookInvocations = pathsWindow.invocations.filter((i) => i.functionName === 'stripeWebhook');
    const webhookCalls = pathsWindow.calls.filter((c) => c.requestId && functionOfRequest.get(c.requestId) === 'stripeWebhook');
    const breakdown: Record<string, { calls: number; meanMs: number }> = {};
    for (const call of webhookCalls) {
      const key = `${call.service}.${call.operation}`;
      const entry = (breakdown[key] ??= { calls: 0, meanMs: 0 });
      entry.meanMs = (entry.meanMs * entry.calls + call.ms) / (entry.calls + 1);
      entry.calls++;
    }
    for (const entry of Object.values(breakdown)) entry.meanMs = round(entry.meanMs, 1);
    const webhookDurations = webhookInvocations.map((i) => i.durationMs);
    for (const [name, path] of Object.entries(paths)) {
      progress(PART, `  ${name}: ${path.perOrder.stateTransitions} transitions, ${path.perOrder.lambdaRequests} Lambda, $${path.costPerOrderUsd.total} per order`);
    }

    // Webhook acknowledgement, unloaded: the deliveries of the cost paths (warm-up excluded).
    const deliveriesAfterPaths = cloud.stripe.emulator!.deliveries().length;

    // 2. Throughput and latency.
    const loads: LoadResult[] = [];
    const durationMs = QUICK ? 3_000 : 10_000;
    for (const n of [1, 10, 50]) {
      progress(PART, `throughput with ${n} concurrent customer(s) for ${durationMs / 1000} s`);
      const result = await load(bench, n, durationMs, BENCH_SKUS, 2_000);
      progress(PART, `  ${result.completed} completed, ${result.ordersPerSecond} orders/s, p50 ${result.toAwaitingMs.p50}/${result.toCompletedMs.p50} ms`);
      loads.push(result);
    }

    // 3. The hot SKU: every customer buys the same one.
    progress(PART, 'hot SKU with 50 customers');
    const hotMark = bench.recorder.mark();
    const hot = await load(bench, 50, QUICK ? 3_000 : 8_000, [HOT_SKU], 2_000);
    const hotWindow = bench.recorder.since(hotMark);
    const functionOf = bench.recorder.functionOfRequest();
    const hotWrites = hotWindow.calls.filter((c) => c.skuWrites.includes(HOT_SKU));
    const byWriter: Record<string, number> = {};
    for (const call of hotWrites) {
      const who = (call.requestId && functionOf.get(call.requestId)) || call.origin;
      byWriter[who] = (byWriter[who] ?? 0) + 1;
    }
    const reservations = hotWindow.invocations.filter((i) => i.functionName === 'reserveInventory' && !i.error);
    const reservationSpanS = reservations.length > 1 ? (reservations.at(-1)!.at - reservations[0].at) / 1000 : 1;
    const hotOrders = hot.purchases.length;
    const synchronous = hotWrites.filter((c) => c.requestId && functionOf.get(c.requestId) !== 'inventoryWorker').length;

    // DynamoDB Local's ceiling, same run, after the load (the cloud is idle now).
    progress(PART, 'DynamoDB Local conditional-write ceiling');
    const ceilingMs = QUICK ? 1_500 : 3_000;
    const manyItems = await conditionalWriteCeiling(bench.dynamodb, cloud.infra.pids.dynamodb, 1_000, 32, ceilingMs);
    const singleItem = await conditionalWriteCeiling(bench.dynamodb, cloud.infra.pids.dynamodb, 1, 32, ceilingMs);
    const callsPerOrder = happy.perOrder.dynamoDbCalls;
    const ceilingOrdersPerSecond = manyItems.writesPerSecond / callsPerOrder;
    const best = loads.reduce((a, b) => (b.ordersPerSecond > a.ordersPerSecond ? b : a));

    const strip = (l: LoadResult) => {
      const { purchases, ...rest } = l;
      return rest;
    };
    return {
      command: 'npx tsx bench/parts/saga.ts',
      quick: QUICK,
      costPerOrder: paths,
      throughput: loads.map(strip),
      dynamoDbLocalCeiling: {
        conditionalWritesPerSecond: manyItems.writesPerSecond,
        singleItemConditionalWritesPerSecond: singleItem.writesPerSecond,
        concurrency: manyItems.concurrency,
        coresBusy: manyItems.coresBusy,
        dynamodbLocalCpuMsPerWrite: manyItems.dynamodbLocalCpuMsPerWrite,
        /** The machine's bound at the best load, over the ceiling: the ratio no local cloud on these cores could beat with this CPU per order. */
        machineBoundRatio: round(best.cpu.machineBoundOrdersPerSecond / ceilingOrdersPerSecond, 2),
        machineBoundWithoutCustomersRatio: round(best.cpu.machineBoundWithoutCustomersOrdersPerSecond / ceilingOrdersPerSecond, 2),
        dynamoDbCallsPerOrder: callsPerOrder,
        ceilingOrdersPerSecond: round(ceilingOrdersPerSecond, 1),
        bestOrdersPerSecond: best.ordersPerSecond,
        bestAtCustomers: best.customers,
        ratio: round(best.ordersPerSecond / ceilingOrdersPerSecond, 2),
      },
      hotSku: {
        customers: hot.customers,
        orders: hotOrders,
        completed: hot.completed,
        ordersPerSecond: hot.ordersPerSecond,
        writesToSkuItemPerOrder: round(hotWrites.length / Math.max(1, hotOrders), 2),
        synchronousWritesPerOrder: round(synchronous / Math.max(1, hotOrders), 2),
        workerWritesPerOrder: round((byWriter.inventoryWorker ?? 0) / Math.max(1, hotOrders), 2),
        writesByFunction: byWriter,
        reservationsPerSecond: round(reservations.length / Math.max(0.001, reservationSpanS), 1),
        singleItemCeilingWritesPerSecond: singleItem.writesPerSecond,
        reservationsOverCeiling: round(reservations.length / Math.max(0.001, reservationSpanS) / singleItem.writesPerSecond, 2),
        toAwaitingMs: hot.toAwaitingMs,
        toCompletedMs: hot.toCompletedMs,
        webhookAckMs: hot.webhookAckMs,
        webhookSucceededAckMs: hot.webhookSucceededAckMs,
      },
      webhookAck: (() => {
        const all = cloud.stripe.emulator!.deliveries();
        const unloaded = all.slice(deliveriesAfterWarmUp, deliveriesAfterPaths);
        const underLoad = all.slice(deliveriesAfterPaths);
        const succeeded = (ds: typeof all) => ds.filter((d) => d.type === 'payment_intent.succeeded').map((d) => d.durationMs);
        return {
          unloadedMs: distribution(unloaded.map((d) => d.durationMs)),
          underLoadMs: distribution(underLoad.map((d) => d.durationMs)),
          unloadedBySucceededMs: distribution(succeeded(unloaded)),
          handlerDurationMs: distribution(webhookDurations),
          awsCallsOfTheHandler: breakdown,
          underLoadBySucceededMs: distribution(succeeded(underLoad)),
          deliveriesByType: all.reduce<Record<string, number>>((acc, d) => ({ ...acc, [d.type]: (acc[d.type] ?? 0) + 1 }), {}),
          non2xx: all.filter((d) => !(d.statusCode && d.statusCode < 300)).length,
        };
      })(),
    };
  } finally {
    await bench.close();
  }
}

runPart(PART, 240_000, main);
