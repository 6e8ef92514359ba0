import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { InvalidOrderState } from '../../../src/domain/errors';
import {
  allowedPredecessors,
  assertTransition,
  canTransition,
  FINAL_STATUSES,
  isOrderStatus,
  ORDER_STATUSES,
  type OrderStatus,
} from '../../../src/domain/order-status';

/*
 * The whole lifecycle, written out by hand: row = from, column = to, 1 = allowed.
 *
 *                     PEN AWA PAI COM REJ CAN EXP NEE
 */
const COLUMNS: OrderStatus[] = [
  'PENDING',
  'AWAITING_PAYMENT',
  'PAID',
  'COMPLETED',
  'REJECTED',
  'CANCELED',
  'EXPIRED',
  'NEEDS_ATTENTION',
];
const EXPECTED: Record<OrderStatus, number[]> = {
  PENDING: /*          */ [0, 1, 0, 0, 1, 1, 1, 1],
  AWAITING_PAYMENT: /* */ [0, 0, 1, 0, 1, 1, 1, 1],
  PAID: /*             */ [0, 0, 0, 1, 0, 0, 0, 1],
  COMPLETED: /*        */ [0, 0, 0, 0, 0, 0, 0, 0],
  REJECTED: /*         */ [0, 0, 0, 0, 0, 0, 0, 1],
  CANCELED: /*         */ [0, 0, 0, 0, 0, 0, 0, 1],
  EXPIRED: /*          */ [0, 0, 0, 0, 0, 0, 0, 1],
  NEEDS_ATTENTION: /*  */ [0, 0, 1, 0, 0, 0, 0, 0],
};

const PAIRS = COLUMNS.flatMap((from) =>
  COLUMNS.map((to, column) => ({ from, to, allowed: EXPECTED[from][column] === 1 })),
);

describe('order status transitions', () => {
  test('the table in this test covers exactly the statuses the domain knows', () => {
    expect([...ORDER_STATUSES].sort()).toEqual([...COLUMNS].sort());
    expect(Object.keys(EXPECTED).sort()).toEqual([...COLUMNS].sort());
    expect(PAIRS).toHaveLength(64);
  });

  test.each(PAIRS)('$from -> $to allowed: $allowed', ({ from, to, allowed }) => {
    expect(canTransition(from, to)).toBe(allowed);
    expect(allowedPredecessors(to).includes(from)).toBe(allowed);
    if (allowed) {
      expect(() => assertTransition(from, to)).not.toThrow();
    } else {
      expect(() => assertTransition(from, to)).toThrow(InvalidOrderState);
    }
  });

  test.each(COLUMNS)('allowedPredecessors(%s) lists the column of the table, without duplicates', (to) => {
    const column = COLUMNS.indexOf(to);
    const expected = COLUMNS.filter((from) => EXPECTED[from][column] === 1);
    const actual = allowedPredecessors(to);
    expect([...actual].sort()).toEqual(expected.sort());
    expect(new Set(actual).size).toBe(actual.length);
  });

  test('no status transitions to itself', () => {
    for (const status of COLUMNS) expect(canTransition(status, status)).toBe(false);
  });

  test('PENDING is only ever the first status', () => {
    expect(allowedPredecessors('PENDING')).toEqual([]);
  });

  test('final statuses have no automatic way forward (only a person, via NEEDS_ATTENTION)', () => {
    expect([...FINAL_STATUSES].sort()).toEqual(['CANCELED', 'COMPLETED', 'EXPIRED', 'REJECTED']);
    for (const from of FINAL_STATUSES) {
      const targets = COLUMNS.filter((to) => canTransition(from, to));
      expect(targets.filter((to) => to !== 'NEEDS_ATTENTION')).toEqual([]);
    }
  });

  test('assertTransition throws InvalidOrderState naming both statuses', () => {
    let caught: unknown;
    try {
      assertTransition('COMPLETED', 'PENDING');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOrderState);
    const error = caught as InvalidOrderState;
    expect(error.name).toBe('InvalidOrderState');
    expect(error.message).toBe('Order cannot go from COMPLETED to PENDING');
    expect(error.details).toEqual({ from: 'COMPLETED', to: 'PENDING' });
  });

  test('assertTransition returns nothing for an allowed step', () => {
    expect(assertTransition('PENDING', 'AWAITING_PAYMENT')).toBeUndefined();
  });

  test('isOrderStatus accepts exactly the known statuses', () => {
    for (const status of COLUMNS) expect(isOrderStatus(status)).toBe(true);
    for (const value of ['pending', 'Paid', '', 'REFUNDED', undefined, null, 3, {}]) {
      expect(isOrderStatus(value)).toBe(false);
    }
  });
});

describe('the state machine repeats the allowed predecessors (stepfunctions/checkout.asl.yml)', () => {
  type AttributeValue = { S?: string; L?: AttributeValue[]; M?: Record<string, AttributeValue> };
  interface UpdateItemParameters {
    ConditionExpression: string;
    UpdateExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues: Record<string, AttributeValue>;
  }
  const asl = parse(readFileSync(join(__dirname, '../../../stepfunctions/checkout.asl.yml'), 'utf8')) as {
    States: Record<string, { Type: string; Resource?: string; Parameters?: UpdateItemParameters }>;
  };

  function directUpdate(stateName: string): UpdateItemParameters {
    const state = asl.States[stateName];
    expect(state).toBeDefined();
    expect(state.Type).toBe('Task');
    expect(state.Resource).toBe('arn:aws:states:::dynamodb:updateItem');
    return state.Parameters!;
  }

  function stringValue(params: UpdateItemParameters, placeholder: string): string {
    const value = params.ExpressionAttributeValues[placeholder];
    expect(value).toBeDefined();
    expect(typeof value.S).toBe('string');
    return value.S!;
  }

  /** The statuses in `#status IN (:a, :b)`, resolved through ExpressionAttributeValues. */
  function conditionStatuses(params: UpdateItemParameters): string[] {
    expect(params.ExpressionAttributeNames['#status']).toBe('status');
    const match = /^\s*#status\s+IN\s*\(([^)]*)\)\s*$/.exec(params.ConditionExpression);
    expect(match).not.toBeNull();
    return match![1].split(',').map((placeholder) => stringValue(params, placeholder.trim()));
  }

  function writtenStatus(params: UpdateItemParameters): { set: string; history: string } {
    const set = /SET\s+#status\s*=\s*(:\w+)/.exec(params.UpdateExpression);
    expect(set).not.toBeNull();
    const history = /history\s*=\s*list_append\(\s*history\s*,\s*(:\w+)\s*\)/.exec(params.UpdateExpression);
    expect(history).not.toBeNull();
    const entries = params.ExpressionAttributeValues[history![1]].L;
    expect(entries).toHaveLength(1);
    return { set: stringValue(params, set![1]), history: entries![0].M!.status.S! };
  }

  test.each([
    ['MarkPaid', 'PAID'],
    ['MarkCompleted', 'COMPLETED'],
  ] as const)('%s is conditioned on exactly allowedPredecessors(%s)', (stateName, target) => {
    const statuses = conditionStatuses(directUpdate(stateName));
    expect(new Set(statuses).size).toBe(statuses.length);
    expect([...statuses].sort()).toEqual([...allowedPredecessors(target)].sort());
  });

  test.each([
    ['MarkPaid', 'PAID'],
    ['MarkCompleted', 'COMPLETED'],
  ] as const)('%s writes %s both as the status and in the history entry', (stateName, target) => {
    expect(writtenStatus(directUpdate(stateName))).toEqual({ set: target, history: target });
  });

  test('no other state writes the orders table directly (so no other list to keep in sync)', () => {
    const direct = Object.entries(asl.States)
      .filter(([, state]) => state.Resource?.startsWith('arn:aws:states:::dynamodb:'))
      .map(([name]) => name)
      .sort();
    expect(direct).toEqual(['MarkCompleted', 'MarkPaid']);
  });
});
