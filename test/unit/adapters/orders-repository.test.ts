/**
 * Every status change is one conditional UpdateItem whose condition is the domain's list of
 * allowed predecessors (src/domain/order-status.ts): pinned here, run against DynamoDB Local in
 * test/adapters/orders-repository.test.ts.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

const send = jest.fn();
jest.mock('../../../src/adapters/clients/dynamodb', () => ({ documentClient: { send: (...args: unknown[]) => send(...args) } }));

import { transitionOrder, updateOrder } from '../../../src/adapters/orders-repository';
import { InvalidOrderState } from '../../../src/domain/errors';
import { allowedPredecessors, ORDER_STATUSES } from '../../../src/domain/order-status';

process.env.ORDERS_TABLE = 'orders';

beforeEach(() => send.mockReset());

const sentInput = () => send.mock.calls[0][0].input;

/** The statuses a condition `#status IN (:v.., ...)` admits, read back through its placeholders. */
function admittedStatuses(input: { ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> }): string[] {
  const match = /(#\w+) IN \(([^)]*)\)/.exec(input.ConditionExpression);
  expect(match).not.toBeNull();
  expect(input.ExpressionAttributeNames[match![1]]).toBe('status');
  return match![2].split(',').map((placeholder) => input.ExpressionAttributeValues[placeholder.trim()] as string);
}

test.each(ORDER_STATUSES.filter((to) => allowedPredecessors(to).length > 0))(
  'a transition to %s is conditioned on exactly its allowed predecessors, and appends to the history',
  async (to) => {
    send.mockResolvedValueOnce({ Attributes: { orderId: 'ord_1', status: to } });
    await transitionOrder('ord_1', to, '2026-01-01T00:00:00.000Z');
    const input = sentInput();
    expect(admittedStatuses(input).sort()).toEqual([...allowedPredecessors(to)].sort());
    expect(input.UpdateExpression).toMatch(/#history = list_append\(if_not_exists\(#history, :v\d+\), :v\d+\)/);
    expect(input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  },
);

test('a refused transition is an InvalidOrderState naming where the order is and where it was sent', async () => {
  send.mockRejectedValueOnce(
    new ConditionalCheckFailedException({ $metadata: {}, message: 'The conditional request failed', Item: marshall({ orderId: 'ord_1', status: 'COMPLETED' }) }),
  );
  const refusal = await transitionOrder('ord_1', 'CANCELED', 'now').catch((error) => error);
  expect(refusal).toBeInstanceOf(InvalidOrderState);
  expect(refusal.details).toEqual({ orderId: 'ord_1', from: 'COMPLETED', to: 'CANCELED' });
});

test('a field update never creates an order (attribute_exists) and honours the status and guard conditions', async () => {
  send.mockResolvedValueOnce({ Attributes: { orderId: 'ord_1' } });
  await updateOrder('ord_1', { set: { note: 'x' } }, ['AWAITING_PAYMENT'], { absent: ['claim'], present: ['payment.paymentIntentId'], paymentStatusNotIn: ['succeeded'] });
  const { ConditionExpression, ExpressionAttributeNames } = sentInput();
  expect(ConditionExpression.startsWith('attribute_exists(orderId) AND ')).toBe(true);
  expect(admittedStatuses(sentInput())).toEqual(['AWAITING_PAYMENT']);
  expect(ConditionExpression).toContain('attribute_not_exists(#claim)');
  expect(ConditionExpression).toContain('attribute_exists(#payment.#paymentIntentId)');
  expect(ConditionExpression).toMatch(/\(attribute_not_exists\(#payment\.#status\) OR NOT #payment\.#status IN \(:v\d+\)\)/);
  expect(ExpressionAttributeNames).toMatchObject({ '#claim': 'claim', '#paymentIntentId': 'paymentIntentId' });
});

test('a refused field update answers undefined ("the order moved on"), any other error is thrown', async () => {
  send.mockRejectedValueOnce(new ConditionalCheckFailedException({ $metadata: {}, message: 'The conditional request failed' }));
  await expect(updateOrder('ord_1', { set: { a: 1 } })).resolves.toBeUndefined();
  send.mockRejectedValueOnce(new Error('network'));
  await expect(updateOrder('ord_1', { set: { a: 1 } })).rejects.toThrow('network');
});
