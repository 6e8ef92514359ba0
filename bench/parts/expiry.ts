/**
 * The expired path's cost per order: its own local cloud with a 2-second payment window (the
 * window is given to orders when they are created, for the whole process).
 *
 *   npx tsx bench/parts/expiry.ts [--out file]
 */
import { BENCH_SKUS, startBenchCloud } from '../lib/bench-cloud';
import { progress, runPart } from '../lib/part';

const PART = 'expiry';
const WINDOW_SECONDS = 2;

async function main() {
  const bench = await startBenchCloud({ paymentWindowSeconds: WINDOW_SECONDS });
  try {
    progress(PART, `local cloud up in ${bench.cloud.timings.totalMs} ms; payment window ${WINDOW_SECONDS} s`);
    const customer = bench.customer();
    // Warm-up: one paid order loads the handlers.
    const warm = await customer.buy([{ sku: BENCH_SKUS[0], quantity: 1 }]);
    await bench.settle([warm.orderId]);
    const expired = await bench.scenario(async () => {
      const orderId = await customer.checkout([{ sku: BENCH_SKUS[1], quantity: 1 }]);
      await customer.waitFor(orderId, ['AWAITING_PAYMENT']);
      const final = await customer.waitFor(orderId, ['EXPIRED'], (WINDOW_SECONDS + 20) * 1000);
      if (final.order.status !== 'EXPIRED') throw new Error(`expected EXPIRED, got ${final.order.status}`);
      return [orderId];
    });
    progress(PART, `expired: ${expired.perOrder.stateTransitions} transitions, $${expired.costPerOrderUsd.total} per order`);
    return { command: 'npx tsx bench/parts/expiry.ts', paymentWindowSeconds: WINDOW_SECONDS, costPerOrder: { expired } };
  } finally {
    await bench.close();
  }
}

runPart(PART, 120_000, main);
