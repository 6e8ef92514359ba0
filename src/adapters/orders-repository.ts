import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { config } from '../commons/config';
import { InvalidOrderState } from '../domain/errors';
import type { Order } from '../domain/order';
import { allowedPredecessors, type OrderStatus } from '../domain/order-status';
import { documentClient } from './clients/dynamodb';
import { ExpressionBuilder, type UpdateSpec } from './dynamodb-expressions';

export async function createOrder(order: Order): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: config.ordersTable,
      Item: order,
      ConditionExpression: 'attribute_not_exists(orderId)',
    }),
  );
}

export async function getOrder(orderId: string): Promise<Order | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: config.ordersTable, Key: { orderId }, ConsistentRead: true }),
  );
  return Item as Order | undefined;
}

export async function requireOrder(orderId: string): Promise<Order> {
  const order = await getOrder(orderId);
  if (!order) throw new InvalidOrderState(`Order ${orderId} does not exist`, { orderId });
  return order;
}

/**
 * Moves an order to `to`, atomically refused unless its current status is one the domain allows
 * (src/domain/order-status.ts). Returns the order as written.
 */
export async function transitionOrder(
  orderId: string,
  to: OrderStatus,
  at: string,
  changes: Omit<UpdateSpec, 'append'> = {},
  guard: UpdateGuard = {},
): Promise<Order> {
  const expr = new ExpressionBuilder();
  const UpdateExpression = expr.update({
    ...changes,
    set: { ...changes.set, status: to, updatedAt: at },
    append: { history: [{ status: to, at }] },
  });
  const ConditionExpression = [expr.in('status', allowedPredecessors(to)), ...guardConditions(expr, guard)].join(' AND ');
  try {
    return await conditionalUpdate(orderId, expr, UpdateExpression, ConditionExpression);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      const current = error.Item ? (unmarshall(error.Item) as Order).status : 'missing';
      throw new InvalidOrderState(`Order ${orderId} cannot go from ${current} to ${to}`, { orderId, from: current, to }, { cause: error });
    }
    throw error;
  }
}

/** Extra conditions of `updateOrder`, besides the status guard. */
export interface UpdateGuard {
  /** Refuse if the PaymentIntent status last recorded is one of these (e.g. a late decline after a success). */
  paymentStatusNotIn?: readonly string[];
  /** Refuse if any of these (dotted) attributes exists (e.g. a claim already taken). */
  absent?: readonly string[];
  /** Refuse unless all of these (dotted) attributes exist. */
  present?: readonly string[];
}

/** One conditional UpdateItem on an order, returning it as written (the old item on a refused condition). */
async function conditionalUpdate(
  orderId: string,
  expr: ExpressionBuilder,
  UpdateExpression: string,
  ConditionExpression: string,
): Promise<Order> {
  const { Attributes } = await documentClient.send(
    new UpdateCommand({
      TableName: config.ordersTable,
      Key: { orderId },
      UpdateExpression,
      ConditionExpression,
      ...expr.attributes(),
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }),
  );
  return Attributes as Order;
}

function guardConditions(expr: ExpressionBuilder, guard: UpdateGuard): string[] {
  const conditions: string[] = [];
  if (guard.paymentStatusNotIn?.length) {
    conditions.push(`(attribute_not_exists(${expr.name('payment.status')}) OR NOT ${expr.in('payment.status', guard.paymentStatusNotIn)})`);
  }
  for (const path of guard.absent ?? []) conditions.push(`attribute_not_exists(${expr.name(path)})`);
  for (const path of guard.present ?? []) conditions.push(`attribute_exists(${expr.name(path)})`);
  return conditions;
}

/**
 * Changes fields that are not the status. `onlyIn` guards the write by status, `guard` adds
 * conditions; a refused guard returns undefined rather than throwing, because callers treat
 * "order moved on" as a normal outcome.
 */
export async function updateOrder(
  orderId: string,
  changes: UpdateSpec,
  onlyIn?: readonly OrderStatus[],
  guard: UpdateGuard = {},
): Promise<Order | undefined> {
  const expr = new ExpressionBuilder();
  const UpdateExpression = expr.update(changes);
  const conditions = ['attribute_exists(orderId)'];
  if (onlyIn) conditions.push(expr.in('status', onlyIn));
  conditions.push(...guardConditions(expr, guard));
  try {
    return await conditionalUpdate(orderId, expr, UpdateExpression, conditions.join(' AND '));
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}
