import { combineChanges, ledgerId, toSkuChanges, type SkuChange } from '../../../src/domain/inventory';

describe('ledgerId', () => {
  test('one id per (update, SKU)', () => {
    expect(ledgerId('commit-ord_1', 'MUG')).toBe('inventory-update#commit-ord_1#MUG');
    expect(ledgerId('u1', 'A')).not.toBe(ledgerId('u1', 'B'));
    expect(ledgerId('u1', 'A')).not.toBe(ledgerId('u2', 'A'));
  });
});

describe('toSkuChanges', () => {
  test('COMMIT moves each line from reserved to sold; available is untouched', () => {
    expect(
      toSkuChanges({
        type: 'COMMIT',
        updateId: 'commit-ord_1',
        orderId: 'ord_1',
        lines: [
          { sku: 'MUG', quantity: 2 },
          { sku: 'TSHIRT', quantity: 1 },
        ],
      }),
    ).toEqual([
      { sku: 'MUG', availableDelta: 0, reservedDelta: -2, soldDelta: 2, ledgerIds: ['inventory-update#commit-ord_1#MUG'] },
      {
        sku: 'TSHIRT',
        availableDelta: 0,
        reservedDelta: -1,
        soldDelta: 1,
        ledgerIds: ['inventory-update#commit-ord_1#TSHIRT'],
      },
    ]);
  });

  test.each([25, -7])('ADJUST changes only available, by %i', (delta) => {
    expect(toSkuChanges({ type: 'ADJUST', updateId: 'adjust-k1', sku: 'MUG', delta, reason: 'recount' })).toEqual([
      { sku: 'MUG', availableDelta: delta, reservedDelta: 0, soldDelta: 0, ledgerIds: ['inventory-update#adjust-k1#MUG'] },
    ]);
  });
});

describe('combineChanges', () => {
  const change = (sku: string, a: number, r: number, s: number, id: string): SkuChange => ({
    sku,
    availableDelta: a,
    reservedDelta: r,
    soldDelta: s,
    ledgerIds: [id],
  });

  test('sums per SKU, keeps every ledger id, keeps first-seen SKU order', () => {
    const combined = combineChanges([
      change('MUG', 0, -2, 2, 'l1'),
      change('TSHIRT', 5, 0, 0, 'l2'),
      change('MUG', 10, 0, 0, 'l3'),
      change('MUG', 0, -1, 1, 'l4'),
    ]);
    expect(combined).toEqual([
      { sku: 'MUG', availableDelta: 10, reservedDelta: -3, soldDelta: 3, ledgerIds: ['l1', 'l3', 'l4'] },
      { sku: 'TSHIRT', availableDelta: 5, reservedDelta: 0, soldDelta: 0, ledgerIds: ['l2'] },
    ]);
  });

  test('a single change comes back equal', () => {
    expect(combineChanges([change('MUG', -3, 0, 0, 'l1')])).toEqual([change('MUG', -3, 0, 0, 'l1')]);
  });

  test('no changes -> nothing', () => {
    expect(combineChanges([])).toEqual([]);
  });

  test('does not modify its input', () => {
    const first = change('MUG', 1, 0, 0, 'l1');
    const second = change('MUG', 2, 0, 0, 'l2');
    combineChanges([first, second]);
    expect(first).toEqual(change('MUG', 1, 0, 0, 'l1'));
    expect(second).toEqual(change('MUG', 2, 0, 0, 'l2'));
  });
});
