import { loadLibraryTimeoutErrorClass } from '../../../local/stepfunctions/library-timeout-error';
import { LongTimer, MAX_NODE_TIMER_MS } from '../../../local/stepfunctions/long-timer';
import type { LocalStepFunctions } from '../../../local/stepfunctions/engine';
import { engineWithLambda, FakeLambda } from './helpers';

const DAY_MS = 24 * 3600 * 1000;

describe('timers beyond what a single Node timer can do (fake clock)', () => {
  beforeAll(() => loadLibraryTimeoutErrorClass()); // a real 1 ms timer, before the clock is faked
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('LongTimer re-arms in chunks and fires at the real deadline', () => {
    const fired = jest.fn();
    const timer = new LongTimer(40 * DAY_MS, fired);

    jest.advanceTimersByTime(MAX_NODE_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(40 * DAY_MS - MAX_NODE_TIMER_MS - 1);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    timer.cancel();
  });

  describe('engine', () => {
    let lambda: FakeLambda;
    let engine: LocalStepFunctions;

    beforeEach(() => {
      lambda = new FakeLambda();
      engine = engineWithLambda(lambda);
    });

    afterEach(() => engine.shutdown());

    it('gives a callback task without TimeoutSeconds no timeout (the library alone would fail it after 60 s)', async () => {
      const definition = {
        StartAt: 'Wait',
        States: { Wait: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: 'f', Payload: { 't.$': '$$.Task.Token' } }, End: true } },
      };
      const { stateMachineArn } = engine.createStateMachine({ name: 'no-timeout', definition });
      const { executionArn } = engine.startExecution({ stateMachineArn, input: {} });
      await jest.advanceTimersByTimeAsync(10);
      const token: string = lambda.callsTo('f')[0].payload.t;

      await jest.advanceTimersByTimeAsync(2 * 3600 * 1000);

      expect(engine.describeExecution(executionArn).status).toBe('RUNNING');
      engine.sendTaskSuccess(token, '"late but fine"');
      await jest.advanceTimersByTimeAsync(10);
      expect(engine.describeExecution(executionArn)).toMatchObject({ status: 'SUCCEEDED', output: '"late but fine"' });
    });

    it('fails the execution explicitly when a task attempt reaches the 24.8-day limit of the library', async () => {
      const definition = {
        StartAt: 'Wait',
        States: { Wait: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: 'f' }, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], End: true }, Caught: { Type: 'Pass', End: true } },
      };
      const { stateMachineArn } = engine.createStateMachine({ name: 'too-long', definition });
      const { executionArn } = engine.startExecution({ stateMachineArn, input: {} });

      await jest.advanceTimersByTimeAsync(MAX_NODE_TIMER_MS + 1000);

      expect(engine.describeExecution(executionArn)).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: expect.stringContaining('24.8 days') });
    });

    it('enforces an execution TimeoutSeconds of 30 days across task attempts', async () => {
      const wait = { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: 'f' }, TimeoutSeconds: 1_000_000 };
      const definition = {
        TimeoutSeconds: 30 * 24 * 3600,
        StartAt: 'Wait',
        States: { Wait: { ...wait, Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Wait' }], End: true } },
      };
      const { stateMachineArn } = engine.createStateMachine({ name: 'month', definition });
      const { executionArn } = engine.startExecution({ stateMachineArn, input: {} });

      await jest.advanceTimersByTimeAsync(MAX_NODE_TIMER_MS + 1000);
      expect(engine.describeExecution(executionArn).status).toBe('RUNNING');
      expect(lambda.callsTo('f')).toHaveLength(3);
      await jest.advanceTimersByTimeAsync(30 * DAY_MS - MAX_NODE_TIMER_MS);
      expect(engine.describeExecution(executionArn)).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    });
  });
});
