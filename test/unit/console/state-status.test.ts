import { join } from 'node:path';
import { buildSagaGraph, readAsl } from '../../../console/server/model/asl-graph';
import { runOf, stateLabel, type HistoryEvent } from '../../../console/server/model/state-status';
import { whyThisState } from '../../../console/server/model/why';

const asl = readAsl(join(__dirname, '..', '..', '..', 'stepfunctions', 'checkout.asl.yml'));
const names = Object.keys(asl.States);

let id = 0;
const at = (s: number) => new Date(Date.UTC(2026, 11, 6, 12, 0, s)).toISOString();
const event = (type: string, s: number, details: Record<string, unknown> = {}): HistoryEvent => {
  id += 1;
  const key = type.endsWith('StateEntered') ? 'stateEnteredEventDetails' : type.endsWith('StateExited') ? 'stateExitedEventDetails' : `${type[0].toLowerCase()}${type.slice(1)}EventDetails`;
  return { id, timestamp: at(s), type, [key]: details };
};

/** A paid order whose FulfillOrder fails 5 times and is caught into FlagNeedsAttention. */
function fulfilmentFailure(): HistoryEvent[] {
  const events = [
    event('ExecutionStarted', 0),
    event('ChoiceStateEntered', 0, { name: 'RouteStart' }),
    event('ChoiceStateExited', 0, { name: 'RouteStart' }),
    event('TaskStateEntered', 1, { name: 'ReserveInventory' }),
    event('TaskScheduled', 1, { resourceType: 'lambda' }),
    event('TaskSucceeded', 1, {}),
    event('TaskStateExited', 1, { name: 'ReserveInventory' }),
    event('TaskStateEntered', 2, { name: 'FulfillOrder' }),
  ];
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    events.push(event('TaskScheduled', 2 + attempt, { resourceType: 'lambda' }));
    events.push(event('TaskFailed', 2 + attempt, { error: 'InjectedFault', cause: '{"errorMessage":"fulfillOrder is broken"}' }));
  }
  events.push(event('PassStateEntered', 9, { name: 'FulfillOrderFailed' }));
  return events;
}

test('the graph has every ASL state, its transitions, and the compensation branch apart', () => {
  const graph = buildSagaGraph(asl);
  expect(graph.states.map((s) => s.name).sort()).toEqual([...names].sort());
  expect(graph.edges).toContainEqual(expect.objectContaining({ from: 'AwaitPayment', to: 'CompensateOrder', kind: 'catch' }));
  const compensation = graph.states.filter((s) => s.compensation).map((s) => s.name);
  expect(compensation).toEqual(expect.arrayContaining(['CompensateOrder', 'CompensationOutcome', 'OrderClosed', 'FlagNeedsAttention']));
  expect(compensation).not.toContain('FulfillOrder');
  expect(graph.states.find((s) => s.name === 'FulfillOrder')?.functionName).toBe('fulfillOrder');
});

test('a task that failed and was caught is "caught" with its attempts; the states after it are in progress or not entered', () => {
  const run = runOf(fulfilmentFailure(), names);
  expect(stateLabel(run.states.RouteStart)).toBe('RouteStart: succeeded');
  expect(stateLabel(run.states.ReserveInventory)).toBe('ReserveInventory: succeeded');
  expect(stateLabel(run.states.FulfillOrder)).toBe('FulfillOrder: caught after 5 attempts');
  expect(run.states.FulfillOrder.error).toBe('InjectedFault');
  expect(run.states.FulfillOrderFailed.status).toBe('in progress');
  expect(run.states.MarkCompleted.status).toBe('not entered');
  expect(run.transitions).toEqual(['RouteStart->ReserveInventory', 'ReserveInventory->FulfillOrder', 'FulfillOrder->FulfillOrderFailed']);
});

test('a task waiting for its next retry is "retrying" with the attempt count', () => {
  const events = fulfilmentFailure().slice(0, 8 + 4); // two attempts failed, none caught yet
  expect(stateLabel(runOf(events, names).states.FulfillOrder)).toBe('FulfillOrder: retrying, attempt 2');
});

test('a failed execution marks the state it failed in', () => {
  const events = [...fulfilmentFailure().slice(0, 10), event('ExecutionFailed', 10, { error: 'States.Runtime', cause: 'boom' })];
  const run = runOf(events, names);
  expect(run.states.FulfillOrder.status).toBe('failed');
  expect(run.ended?.type).toBe('ExecutionFailed');
});

test('the why-sentence names the failed function, its attempts and last error for NEEDS_ATTENTION', () => {
  const run = runOf(fulfilmentFailure(), names);
  const why = whyThisState(
    { orderId: 'ord_x', status: 'NEEDS_ATTENTION', createdAt: at(0), updatedAt: at(9), attention: { kind: 'POST_PAYMENT_STEP_FAILED', step: 'FulfillOrder', error: 'InjectedFault', at: at(9) } },
    run,
  );
  expect(why).toBe('NEEDS_ATTENTION: fulfillOrder failed 5 times, last error InjectedFault: fulfillOrder is broken. Paid and never refunded automatically: fix the cause, then resume.');
});

test('the why-sentence of an order awaiting payment gives the window and the last decline', () => {
  const why = whyThisState(
    {
      orderId: 'ord_x',
      status: 'AWAITING_PAYMENT',
      createdAt: at(0),
      updatedAt: at(1),
      paymentWindowSeconds: 900,
      history: [{ status: 'PENDING', at: at(0) }, { status: 'AWAITING_PAYMENT', at: at(1) }],
      payment: { lastError: { code: 'card_declined', declineCode: 'insufficient_funds' } },
    },
    undefined,
  );
  expect(why).toBe('Waiting for payment since 2026-12-06 12:00:01Z, the window closes at 2026-12-06 12:15:01Z; the last attempt was declined: card_declined / insufficient_funds, the customer may retry.');
});
