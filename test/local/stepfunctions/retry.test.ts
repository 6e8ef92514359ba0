import type { LocalStepFunctions } from '../../../local/stepfunctions/engine';
import { engineWithLambda, FakeLambda, historyTypes, loadFixture, namedError } from './helpers';

/** Each test gets its own engine so that these time-bound tests can run concurrently. */
function withEngine(body: (lambda: FakeLambda, engine: LocalStepFunctions) => Promise<void>): () => Promise<void> {
  return async () => {
    const lambda = new FakeLambda();
    const engine = engineWithLambda(lambda);
    try {
      await body(lambda, engine);
    } finally {
      await engine.shutdown();
    }
  };
}

describe('LocalStepFunctions: Retry on top of the task overrides', () => {
  it.concurrent('retries with IntervalSeconds x BackoffRate capped by MaxDelaySeconds, then succeeds', withEngine(async (lambda, engine) => {
    lambda.on('reserve-stock', (payload, call) => {
      if (lambda.callsTo('reserve-stock').length <= 3) throw namedError('StockServiceBusy', 'try again');
      return { reserved: true, retryCount: payload.retryCount, at: call.at };
    });
    const { stateMachineArn } = engine.createStateMachine({ name: 'retry', definition: loadFixture('retry-backoff') });
    const { executionArn } = engine.startExecution({ stateMachineArn, input: {} });

    const final = await engine.waitForExecution(executionArn, { timeoutMs: 30_000 });

    expect(final.status).toBe('SUCCEEDED');
    const calls = lambda.callsTo('reserve-stock');
    expect(calls.map((call) => call.payload.retryCount)).toEqual([0, 1, 2, 3]);
    // $$.State.EnteredTime stays the time the state was entered, across retries.
    expect(new Set(calls.map((call) => call.payload.enteredTime)).size).toBe(1);
    const gaps = calls.slice(1).map((call, index) => call.at - calls[index].at);
    // 1 s, then 1 s x 10 and 1 s x 100, both capped to MaxDelaySeconds 2. The upper bounds tell the
    // cap from the uncapped 10 s and 100 s while leaving a loaded machine 6 s of room.
    expect(gaps[0]).toBeGreaterThanOrEqual(950);
    expect(gaps[1]).toBeGreaterThanOrEqual(1950);
    expect(gaps[1]).toBeLessThan(8000);
    expect(gaps[2]).toBeGreaterThanOrEqual(1950);
    expect(gaps[2]).toBeLessThan(8000);
    const types = historyTypes(engine.getExecutionHistory(executionArn).events);
    expect(types.filter((type) => type === 'TaskFailed')).toHaveLength(3);
    expect(types.filter((type) => type === 'TaskScheduled')).toHaveLength(4);
    expect(types.filter((type) => type === 'TaskStateEntered')).toHaveLength(1);
  }));

  it.concurrent('gives up after MaxAttempts and fails the execution with the task error', withEngine(async (lambda, engine) => {
    lambda.on('flaky', () => {
      throw namedError('Flaky', 'always');
    });
    const { stateMachineArn } = engine.createStateMachine({ name: 'jitter', definition: loadFixture('retry-jitter') });
    const { executionArn } = engine.startExecution({ stateMachineArn, input: {} });

    const final = await engine.waitForExecution(executionArn, { timeoutMs: 15_000 });

    expect(final.status).toBe('FAILED');
    expect(final.error).toBe('Flaky');
    expect(JSON.parse(final.cause as string)).toMatchObject({ errorType: 'Flaky', errorMessage: 'always' });
    const calls = lambda.callsTo('flaky');
    // (How long FULL jitter waits is random between 0 and the interval: no wall-clock bound here.)
    expect(calls).toHaveLength(2);
  }));
});
