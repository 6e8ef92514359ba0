import type { ApplyResult } from '../../../../src/adapters/inventory-repository';
import { logger } from '../../../../src/commons/logger';
import { ledgerId, type InventoryUpdate, type SkuChange } from '../../../../src/domain/inventory';
import { createApplyInventoryUpdates, type QueuedUpdate } from '../../../../src/use-cases/events/apply-inventory-updates';
import type { InventoryPort } from '../../../../src/use-cases/ports';

logger.setLogLevel('SILENT');

const applyMock = jest.fn() as jest.MockedFunction<InventoryPort['applySkuChange']>;
const applyInventoryUpdates = createApplyInventoryUpdates({ inventory: { applySkuChange: applyMock } });
const NOW = new Date('2030-01-01T00:00:00.000Z');

function message(messageId: string, update: InventoryUpdate | Record<string, unknown> | string): QueuedUpdate {
  return { messageId, body: typeof update === 'string' ? update : JSON.stringify(update) };
}
const adjust = (updateId: string, sku: string, delta: number): InventoryUpdate => ({
  type: 'ADJUST',
  updateId,
  sku,
  delta,
  reason: 'unit test',
});
const commit = (updateId: string, lines: { sku: string; quantity: number }[]): InventoryUpdate => ({
  type: 'COMMIT',
  updateId,
  orderId: `ord-${updateId}`,
  lines,
});

/** The changes applySkuChange was asked to write, in call order (copied, since they are built per round). */
function calls(): SkuChange[] {
  return applyMock.mock.calls.map(([change]) => ({ ...change, ledgerIds: [...change.ledgerIds] }));
}
function callsFor(sku: string): SkuChange[] {
  return calls().filter((change) => change.sku === sku);
}

beforeEach(() => {
  jest.clearAllMocks();
  applyMock.mockResolvedValue({ applied: true });
});

describe('applyInventoryUpdates', () => {
  test('a batch that applies cleanly fails nothing; every write gets the batch time', async () => {
    const failed = await applyInventoryUpdates([message('m1', adjust('a1', 'MUG', 5))], NOW);
    expect(failed).toEqual([]);
    expect(applyMock).toHaveBeenCalledTimes(1);
    expect(applyMock).toHaveBeenCalledWith(
      { sku: 'MUG', availableDelta: 5, reservedDelta: 0, soldDelta: 0, ledgerIds: [ledgerId('a1', 'MUG')] },
      NOW,
    );
  });

  test('malformed messages fail alone; the good ones in the batch are applied', async () => {
    const failed = await applyInventoryUpdates(
      [
        message('not-json', '{"type":'),
        message('good-1', adjust('a1', 'MUG', 5)),
        message('unknown-type', { type: 'REFUND', updateId: 'x', sku: 'MUG' }),
        message('bad-delta', { ...adjust('a2', 'MUG', 1), delta: 1.5 }),
        message('empty-lines', commit('c0', [])),
        message('zero-quantity', commit('c1', [{ sku: 'MUG', quantity: 0 }])),
        message('no-update-id', { type: 'ADJUST', sku: 'MUG', delta: 1, reason: 'x' }),
        message('good-2', commit('c2', [{ sku: 'TSHIRT', quantity: 2 }])),
      ],
      NOW,
    );
    expect(failed.sort()).toEqual(
      ['bad-delta', 'empty-lines', 'no-update-id', 'not-json', 'unknown-type', 'zero-quantity'].sort(),
    );
    expect(calls()).toEqual([
      { sku: 'MUG', availableDelta: 5, reservedDelta: 0, soldDelta: 0, ledgerIds: [ledgerId('a1', 'MUG')] },
      { sku: 'TSHIRT', availableDelta: 0, reservedDelta: -2, soldDelta: 2, ledgerIds: [ledgerId('c2', 'TSHIRT')] },
    ]);
  });

  test('changes to one SKU are combined into one applySkuChange call', async () => {
    const failed = await applyInventoryUpdates(
      [
        message('m1', commit('c1', [{ sku: 'MUG', quantity: 2 }, { sku: 'TSHIRT', quantity: 1 }])),
        message('m2', adjust('a1', 'MUG', 10)),
        message('m3', commit('c2', [{ sku: 'MUG', quantity: 3 }])),
      ],
      NOW,
    );
    expect(failed).toEqual([]);
    expect(applyMock).toHaveBeenCalledTimes(2);
    expect(callsFor('MUG')).toEqual([
      {
        sku: 'MUG',
        availableDelta: 10,
        reservedDelta: -5,
        soldDelta: 5,
        ledgerIds: [ledgerId('c1', 'MUG'), ledgerId('a1', 'MUG'), ledgerId('c2', 'MUG')],
      },
    ]);
    expect(callsFor('TSHIRT')).toEqual([
      { sku: 'TSHIRT', availableDelta: 0, reservedDelta: -1, soldDelta: 1, ledgerIds: [ledgerId('c1', 'TSHIRT')] },
    ]);
  });

  test('already-applied ledger ids are dropped and the rest retried, combined', async () => {
    applyMock
      .mockResolvedValueOnce({ applied: false, alreadyApplied: [ledgerId('a1', 'MUG')] })
      .mockResolvedValueOnce({ applied: true });
    const failed = await applyInventoryUpdates(
      [message('m1', adjust('a1', 'MUG', 5)), message('m2', adjust('a2', 'MUG', 7)), message('m3', adjust('a3', 'MUG', -2))],
      NOW,
    );
    expect(failed).toEqual([]);
    expect(calls()).toEqual([
      {
        sku: 'MUG',
        availableDelta: 10,
        reservedDelta: 0,
        soldDelta: 0,
        ledgerIds: [ledgerId('a1', 'MUG'), ledgerId('a2', 'MUG'), ledgerId('a3', 'MUG')],
      },
      { sku: 'MUG', availableDelta: 5, reservedDelta: 0, soldDelta: 0, ledgerIds: [ledgerId('a2', 'MUG'), ledgerId('a3', 'MUG')] },
    ]);
  });

  test('when every change was already applied, nothing is written again and nothing fails', async () => {
    applyMock.mockResolvedValueOnce({
      applied: false,
      alreadyApplied: [ledgerId('a1', 'MUG'), ledgerId('a2', 'MUG')],
    });
    const failed = await applyInventoryUpdates(
      [message('m1', adjust('a1', 'MUG', 5)), message('m2', adjust('a2', 'MUG', 7))],
      NOW,
    );
    expect(failed).toEqual([]);
    expect(applyMock).toHaveBeenCalledTimes(1);
  });

  test('a refused combined change is split to find the poison message; the others are applied', async () => {
    // Stock on MUG is 3: the combined -10 + 5 - 20 is refused, then each alone.
    applyMock.mockImplementation(async (change): Promise<ApplyResult> =>
      change.availableDelta < -3 ? { applied: false, rejected: true } : { applied: true },
    );
    const failed = await applyInventoryUpdates(
      [
        message('ok-1', adjust('a1', 'MUG', -1)),
        message('poison-1', adjust('a2', 'MUG', -20)),
        message('ok-2', adjust('a3', 'MUG', 5)),
        message('poison-2', adjust('a4', 'MUG', -10)),
      ],
      NOW,
    );
    expect(failed.sort()).toEqual(['poison-1', 'poison-2']);
    expect(calls()).toEqual([
      expect.objectContaining({ availableDelta: -26, ledgerIds: [ledgerId('a1', 'MUG'), ledgerId('a2', 'MUG'), ledgerId('a3', 'MUG'), ledgerId('a4', 'MUG')] }),
      expect.objectContaining({ availableDelta: -1, ledgerIds: [ledgerId('a1', 'MUG')] }),
      expect.objectContaining({ availableDelta: -20, ledgerIds: [ledgerId('a2', 'MUG')] }),
      expect.objectContaining({ availableDelta: 5, ledgerIds: [ledgerId('a3', 'MUG')] }),
      expect.objectContaining({ availableDelta: -10, ledgerIds: [ledgerId('a4', 'MUG')] }),
    ]);
  });

  test('a single refused change fails its message (a SKU that does not exist)', async () => {
    applyMock.mockImplementation(async (change): Promise<ApplyResult> =>
      change.sku === 'GONE' ? { applied: false, rejected: true } : { applied: true },
    );
    const failed = await applyInventoryUpdates(
      [message('m1', adjust('a1', 'GONE', 1)), message('m2', adjust('a2', 'MUG', 1))],
      NOW,
    );
    expect(failed).toEqual(['m1']);
    expect(callsFor('GONE')).toHaveLength(1);
  });

  test('a thrown error fails only the messages touching that SKU', async () => {
    applyMock.mockImplementation(async (change): Promise<ApplyResult> => {
      if (change.sku === 'HOT') throw new Error('ProvisionedThroughputExceededException');
      return { applied: true };
    });
    const failed = await applyInventoryUpdates(
      [
        message('hot-1', adjust('a1', 'HOT', 1)),
        message('cold', adjust('a2', 'MUG', 1)),
        message('hot-and-cold', commit('c1', [{ sku: 'HOT', quantity: 1 }, { sku: 'TSHIRT', quantity: 1 }])),
        message('cold-2', commit('c2', [{ sku: 'TSHIRT', quantity: 2 }])),
      ],
      NOW,
    );
    expect(failed.sort()).toEqual(['hot-1', 'hot-and-cold']);
    expect(callsFor('MUG')).toHaveLength(1);
    expect(callsFor('TSHIRT')).toEqual([
      expect.objectContaining({ reservedDelta: -3, soldDelta: 3, ledgerIds: [ledgerId('c1', 'TSHIRT'), ledgerId('c2', 'TSHIRT')] }),
    ]);
  });

  test('a message refused on one SKU fails as a whole while its other SKU is applied (the ledger makes the retry safe)', async () => {
    applyMock.mockImplementation(async (change): Promise<ApplyResult> =>
      change.sku === 'SHORT' ? { applied: false, rejected: true } : { applied: true },
    );
    const failed = await applyInventoryUpdates(
      [message('m1', commit('c1', [{ sku: 'SHORT', quantity: 1 }, { sku: 'MUG', quantity: 1 }]))],
      NOW,
    );
    expect(failed).toEqual(['m1']);
    expect(callsFor('MUG')).toEqual([expect.objectContaining({ ledgerIds: [ledgerId('c1', 'MUG')] })]);
  });

  test('each failed message id is reported once', async () => {
    applyMock.mockRejectedValue(new Error('down'));
    const failed = await applyInventoryUpdates(
      [message('m1', commit('c1', [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }]))],
      NOW,
    );
    expect(failed).toEqual(['m1']);
  });

  test('an empty batch does nothing', async () => {
    expect(await applyInventoryUpdates([], NOW)).toEqual([]);
    expect(applyMock).not.toHaveBeenCalled();
  });

  // Regression (fixed): two copies of one update in a batch were combined as different updates,
  // doubling the delta and writing one ledger item twice, which DynamoDB refuses for the whole batch.
  test('the same update delivered twice in one batch is applied once', async () => {
    const failed = await applyInventoryUpdates(
      [message('m1', adjust('a1', 'MUG', 5)), message('m1-copy', adjust('a1', 'MUG', 5))],
      NOW,
    );
    expect(failed).toEqual([]);
    expect(calls()).toEqual([
      { sku: 'MUG', availableDelta: 5, reservedDelta: 0, soldDelta: 0, ledgerIds: [ledgerId('a1', 'MUG')] },
    ]);
  });
});
