/**
 * Scenario 1, no overselling. A SKU stocked with S through POST /inventory/adjustments, 3xS
 * concurrent checkouts of quantity 1, every customer who got AWAITING_PAYMENT paying at once:
 * exactly S COMPLETED, the rest REJECTED, and available 0 / reserved 0 / sold S. Then multi-line
 * carts over two SKUs of different stock: every cart gets all of its lines or none.
 */
import { Harness, ledgerTotal, showStock, type CartLine } from './support/harness';
import { mapLimit, showTally, tally } from '../support/poll';
import { HELD, recordResult } from './support/results';

const S = 20;

describe('scenario 1: no overselling', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start({ paymentWindowSeconds: 60 });
  }, 60_000);
  afterAll(() => h?.close());

  /** Checks out every cart at once, then pays every order that reached AWAITING_PAYMENT at once. */
  async function burst(carts: CartLine[][]) {
    const orderIds = await Promise.all(carts.map((items) => h.checkout(items)));
    const reached = await mapLimit(orderIds, 60, (id) => h.waitForStatus(id, ['AWAITING_PAYMENT', 'REJECTED'], 60_000, 250));
    const payable = reached.filter((order) => order.status === 'AWAITING_PAYMENT');
    const payments = await Promise.all(payable.map((order) => h.pay(order.payment.paymentIntentId)));
    const orders = await h.waitAllSettled(orderIds, 90_000);
    await h.inventoryQueueDrained();
    await h.noExecutionRunning();
    return { orderIds, orders, payments };
  }

  test(`one SKU, S = ${S}, ${3 * S} concurrent checkouts of 1, all paying at once`, async () => {
    const sku = 'REL-SINGLE';
    await h.createSku(sku, S);
    const { orderIds, orders, payments } = await burst(Array.from({ length: 3 * S }, () => [{ sku, quantity: 1 }]));

    const statuses = tally(orderIds.map((id) => orders.get(id).status));
    const stock = await h.product(sku);
    const rejectedReasons = orderIds.map((id) => orders.get(id)).filter((o) => o.status === 'REJECTED').map((o) => o.failureReason ?? '');
    const ok =
      statuses.COMPLETED === S &&
      statuses.REJECTED === 2 * S &&
      Object.keys(statuses).length === 2 &&
      payments.every((p) => p.ok) &&
      stock.available === 0 && stock.reserved === 0 && stock.sold === S &&
      rejectedReasons.every((reason) => reason.includes(sku));
    const verdict = recordResult({
      scenario: '1 no overselling: one SKU',
      attempts: `${3 * S} concurrent checkouts, S = ${S}, ${payments.length} paying at once`,
      expected: `${S} COMPLETED, ${2 * S} REJECTED (out of stock); available 0, reserved 0, sold ${S}`,
      observed: `${showTally(statuses)}; ${showStock(stock)}`,
      ok,
    });
    expect(statuses).toEqual({ COMPLETED: S, REJECTED: 2 * S });
    expect(payments.every((p) => p.ok)).toBe(true);
    expect(stock).toEqual({ available: 0, reserved: 0, sold: S });
    for (const reason of rejectedReasons) expect(reason).toContain(sku);
    expect(verdict).toBe(HELD);
  }, 180_000);

  test('multi-line carts over two SKUs of different stock: all lines or none', async () => {
    const [a, b] = ['REL-PAIR-A', 'REL-PAIR-B'];
    const stockA = 12;
    const stockB = 7;
    await h.createSku(a, stockA);
    await h.createSku(b, stockB);
    // 36 carts: both SKUs (in either order, various quantities) and single-SKU carts.
    const shapes: CartLine[][] = [
      [{ sku: a, quantity: 1 }, { sku: b, quantity: 1 }],
      [{ sku: b, quantity: 2 }, { sku: a, quantity: 1 }],
      [{ sku: a, quantity: 3 }, { sku: b, quantity: 1 }],
      [{ sku: a, quantity: 2 }],
      [{ sku: b, quantity: 1 }],
      [{ sku: a, quantity: 1 }, { sku: b, quantity: 3 }],
    ];
    const carts = Array.from({ length: 36 }, (_, i) => shapes[i % shapes.length]);
    const { orderIds, orders, payments } = await burst(carts);

    const stockAfter = { [a]: await h.product(a), [b]: await h.product(b) };
    const sold: Record<string, number> = { [a]: 0, [b]: 0 };
    const problems: string[] = [];
    for (const id of orderIds) {
      const order = orders.get(id);
      if (order.status === 'COMPLETED') {
        for (const line of order.items) sold[line.sku] += line.quantity;
        if (order.stock !== 'RESERVED') problems.push(`${id} completed without its reservation marker`);
      } else if (order.status === 'REJECTED') {
        if (order.stock !== undefined) problems.push(`${id} rejected but its stock marker is ${order.stock}`);
        // Stock only went down during this test: a rejected cart must still be short somewhere at the end.
        const short = order.items.some((line: CartLine) => line.quantity > stockAfter[line.sku].available);
        if (!short) problems.push(`${id} rejected although every line fits in what is left`);
      } else {
        problems.push(`${id} ended ${order.status}`);
      }
    }
    const statuses = tally(orderIds.map((id) => orders.get(id).status));
    const ledgerOk =
      stockAfter[a].sold === sold[a] && stockAfter[b].sold === sold[b] &&
      stockAfter[a].reserved === 0 && stockAfter[b].reserved === 0 &&
      ledgerTotal(stockAfter[a]) === stockA && ledgerTotal(stockAfter[b]) === stockB;
    const ok = problems.length === 0 && ledgerOk && payments.every((p) => p.ok) && statuses.COMPLETED > 0 && statuses.REJECTED > 0;
    const verdict = recordResult({
      scenario: '1 no overselling: multi-line carts',
      attempts: `${carts.length} concurrent carts over 2 SKUs (stock ${stockA} and ${stockB}), all paying at once`,
      expected: 'each cart all lines or none; sold = lines of COMPLETED carts; reserved 0; a REJECTED cart is short on some line',
      observed: `${showTally(statuses)}; ${a}: ${showStock(stockAfter[a])}; ${b}: ${showStock(stockAfter[b])}; ${problems.length} violations`,
      ok,
    });
    expect(problems).toEqual([]);
    expect(payments.every((p) => p.ok)).toBe(true);
    expect(stockAfter[a]).toEqual({ available: stockA - sold[a], reserved: 0, sold: sold[a] });
    expect(stockAfter[b]).toEqual({ available: stockB - sold[b], reserved: 0, sold: sold[b] });
    expect(statuses.COMPLETED).toBeGreaterThan(0);
    expect(statuses.REJECTED).toBeGreaterThan(0);
    expect(verdict).toBe(HELD);
  }, 180_000);
});
