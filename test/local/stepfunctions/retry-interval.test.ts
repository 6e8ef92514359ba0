/**
 * LocalStepFunctions' retryIntervalMs option: retries wait a fixed, short time (so tests of routes
 * run in milliseconds) while MaxAttempts and ErrorEquals still decide whether and how often to retry.
 */
import { LocalStepFunctions } from '../../../local/stepfunctions/engine';
import { engineWithLambda, FakeLambda, historyTypes, loadFixture, namedError } from './helpers';

async function runReserveStock(lambda: FakeLambda, engine: LocalStepFunctions) {
  const { stateMachineArn } = engine.createStateMachine({ name: 'retry', definition: loadFixture('retry-backoff') });
  const { executionArn } = engine.startExecution({ stateMachineArn, input: {} });
  try {
    return { executionArn, final: await engine.waitForExecution(executionArn, { timeoutMs: 10_000 }) };
  } finally {
    await engine.shutdown();
  }
}

describe('LocalStepFunctions: retryIntervalMs', () => {
  it('replaces IntervalSeconds x BackoffRate: three retries take far less than the 5 s the fixture asks for', async () => {
    const lambda = new FakeLambda().on('reserve-stock', (payload) => {
      if (lambda.callsTo('reserve-stock').length <= 3) throw namedError('StockServiceBusy', 'try again');
      return { retryCount: payload.retryCount };
    });
    const started = Date.now();

    const { final } = await runReserveStock(lambda, engineWithLambda(lambda, { retryIntervalMs: 0 }));

    expect(final.status).toBe('SUCCEEDED');
    expect(lambda.callsTo('reserve-stock').map((call) => call.payload.retryCount)).toEqual([0, 1, 2, 3]);
    // Unchanged intervals would wait 1 s + 2 s + 2 s (MaxDelaySeconds): 2.5 s tells them apart with slack.
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('keeps MaxAttempts: the fourth failure is not retried and fails the execution', async () => {
    const lambda = new FakeLambda().on('reserve-stock', () => {
      throw namedError('StockServiceBusy', 'always');
    });

    const engine = engineWithLambda(lambda, { retryIntervalMs: 1 });

    const { executionArn, final } = await runReserveStock(lambda, engine);

    expect(final.status).toBe('FAILED');
    expect(final.error).toBe('StockServiceBusy');
    expect(lambda.callsTo('reserve-stock')).toHaveLength(4);
    expect(historyTypes(engine.getExecutionHistory(executionArn).events).filter((type) => type === 'TaskFailed')).toHaveLength(4);
  });

  it('keeps ErrorEquals: an error no retrier names is not retried', async () => {
    const lambda = new FakeLambda().on('reserve-stock', () => {
      throw namedError('SomethingElse', 'not listed');
    });

    const { final } = await runReserveStock(lambda, engineWithLambda(lambda, { retryIntervalMs: 0 }));

    expect(final.status).toBe('FAILED');
    expect(final.error).toBe('SomethingElse');
    expect(lambda.callsTo('reserve-stock')).toHaveLength(1);
  });

  it('refuses a negative or non-finite interval', () => {
    expect(() => new LocalStepFunctions({ retryIntervalMs: -1 })).toThrow(RangeError);
    expect(() => new LocalStepFunctions({ retryIntervalMs: Number.NaN })).toThrow(RangeError);
  });
});
