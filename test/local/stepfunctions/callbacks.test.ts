import type { LocalStepFunctions } from '../../../local/stepfunctions/engine';
import { detailsOf, engineWithLambda, FakeLambda, historyTypes, loadFixture, namedError, pause } from './helpers';

interface Scenario {
  lambda: FakeLambda;
  engine: LocalStepFunctions;
  paymentMachine: string;
  courierMachine: string;
  startPayment(paymentTimeoutSeconds?: number): string;
}

/** Each test gets its own engine so that the time-bound ones can run concurrently. */
function scenario(body: (scenario: Scenario) => Promise<void>): () => Promise<void> {
  return async () => {
    const lambda = new FakeLambda();
    const engine = engineWithLambda(lambda);
    const paymentMachine = engine.createStateMachine({ name: 'payment', definition: loadFixture('payment-callback') }).stateMachineArn;
    const courierMachine = engine.createStateMachine({ name: 'courier', definition: loadFixture('heartbeat-callback') }).stateMachineArn;
    const startPayment = (paymentTimeoutSeconds = 30) =>
      engine.startExecution({ stateMachineArn: paymentMachine, input: { orderId: 'o-1', paymentTimeoutSeconds } }).executionArn;
    try {
      await body({ lambda, engine, paymentMachine, courierMachine, startPayment });
    } finally {
      await engine.shutdown();
    }
  };
}

describe('LocalStepFunctions: task tokens', () => {
  it.concurrent('delivers an unguessable token to the invoked function and resumes with the SendTaskSuccess output', scenario(async ({ lambda, engine, startPayment }) => {
    const executionArn = startPayment();
    const { payload } = await lambda.nthCall('start-payment', 1);
    const token: string = payload.taskToken;

    expect(token).toMatch(/^[A-Za-z0-9_-]{600,2048}$/);
    expect(payload).toEqual({ orderId: 'o-1', taskToken: token, attempt: 0 });
    expect(engine.describeExecution(executionArn).status).toBe('RUNNING');

    engine.sendTaskSuccess(token, JSON.stringify({ paymentIntentId: 'pi_1', amount: 4200 }));
    const final = await engine.waitForExecution(executionArn);

    expect(final.status).toBe('SUCCEEDED');
    expect(JSON.parse(final.output as string)).toMatchObject({ payment: { paymentIntentId: 'pi_1', amount: 4200 }, status: 'PAID' });
    const events = engine.getExecutionHistory(executionArn).events;
    expect(historyTypes(events)).toEqual([
      'ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded', 'TaskStateExited',
      'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded',
    ]);
    expect(detailsOf(events[2])).toMatchObject({ resourceType: 'lambda', resource: 'invoke.waitForTaskToken', timeoutInSeconds: 30 });
    expect(JSON.parse(detailsOf(events[4]).output)).toMatchObject({ StatusCode: 200, Payload: {} });
    expect(detailsOf(events[5])).toMatchObject({ output: '{"paymentIntentId":"pi_1","amount":4200}' });
  }));

  it.concurrent('answers TaskTimedOut to a second SendTaskSuccess, InvalidToken to garbage and InvalidOutput to non-JSON', scenario(async ({ lambda, engine, startPayment }) => {
    const executionArn = startPayment();
    const token: string = (await lambda.nthCall('start-payment', 1)).payload.taskToken;

    expect(() => engine.sendTaskSuccess('not-a-token', '{}')).toThrow(expect.objectContaining({ name: 'InvalidToken' }));
    expect(() => engine.sendTaskSuccess(`${token.slice(0, -2)}xx`, '{}')).toThrow(expect.objectContaining({ name: 'InvalidToken' }));
    expect(() => engine.sendTaskSuccess(token, '{not json')).toThrow(expect.objectContaining({ name: 'InvalidOutput' }));
    engine.sendTaskSuccess(token, '"first"');
    expect(() => engine.sendTaskSuccess(token, '"second"')).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
    expect(() => engine.sendTaskFailure(token, 'Late')).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
    expect(() => engine.sendTaskHeartbeat(token)).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));

    const final = await engine.waitForExecution(executionArn);
    expect(JSON.parse(final.output as string).payment).toBe('first');
  }));

  it.concurrent('routes SendTaskFailure to the catcher with its error and cause', scenario(async ({ lambda, engine, startPayment }) => {
    const executionArn = startPayment();
    const token: string = (await lambda.nthCall('start-payment', 1)).payload.taskToken;

    engine.sendTaskFailure(token, 'CardDeclined', 'insufficient_funds');
    const final = await engine.waitForExecution(executionArn);

    expect(JSON.parse(final.output as string)).toMatchObject({ status: 'PAYMENT_FAILED', error: { Error: 'CardDeclined', Cause: 'insufficient_funds' } });
    const failed = engine.getExecutionHistory(executionArn).events.find((event) => event.type === 'TaskFailed');
    expect(detailsOf(failed)).toEqual({ resourceType: 'lambda', resource: 'invoke.waitForTaskToken', error: 'CardDeclined', cause: 'insufficient_funds' });
  }));

  it.concurrent('gives every retry of a callback task a new token and closes the old one', scenario(async ({ lambda, engine, startPayment }) => {
    const executionArn = startPayment();
    const first = (await lambda.nthCall('start-payment', 1)).payload;

    engine.sendTaskFailure(first.taskToken, 'PaymentProviderBusy', 'try later');
    const second = (await lambda.nthCall('start-payment', 2)).payload;

    expect(second.attempt).toBe(1);
    expect(second.taskToken).not.toBe(first.taskToken);
    expect(() => engine.sendTaskSuccess(first.taskToken, '{}')).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
    engine.sendTaskSuccess(second.taskToken, '{"paid":true}');
    const final = await engine.waitForExecution(executionArn);
    expect(JSON.parse(final.output as string)).toMatchObject({ status: 'PAID', payment: { paid: true } });
    expect(historyTypes(engine.getExecutionHistory(executionArn).events).filter((type) => type === 'TaskScheduled')).toHaveLength(2);
  }));

  it.concurrent('fires States.Timeout from TimeoutSecondsPath (not caught by States.TaskFailed); a late callback answers TaskTimedOut', scenario(async ({ lambda, engine, startPayment }) => {
    const executionArn = startPayment(1);
    const token: string = (await lambda.nthCall('start-payment', 1)).payload.taskToken;

    const final = await engine.waitForExecution(executionArn, { timeoutMs: 3000 });

    expect(JSON.parse(final.output as string)).toMatchObject({ status: 'PAYMENT_TIMED_OUT', error: { Error: 'States.Timeout', Cause: '' } });
    const events = engine.getExecutionHistory(executionArn).events;
    const timedOut = events.find((event) => event.type === 'TaskTimedOut');
    expect(detailsOf(timedOut)).toEqual({ resourceType: 'lambda', resource: 'invoke.waitForTaskToken', error: 'States.Timeout' });
    const scheduledAt = events.find((event) => event.type === 'TaskStarted')!.timestamp.getTime();
    expect(timedOut!.timestamp.getTime() - scheduledAt).toBeGreaterThanOrEqual(990);
    expect(() => engine.sendTaskSuccess(token, '{}')).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
  }));

  it.concurrent('fails with States.Runtime when TimeoutSecondsPath does not resolve', scenario(async ({ lambda, engine, paymentMachine }) => {
    const executionArn = engine.startExecution({ stateMachineArn: paymentMachine, input: { orderId: 'o-2' } }).executionArn;

    const final = await engine.waitForExecution(executionArn);

    expect(final.status).toBe('FAILED');
    expect(final.error).toBe('States.Runtime');
    expect(final.cause).toContain('$.paymentTimeoutSeconds');
    expect(lambda.callsTo('start-payment')).toHaveLength(0);
  }));

  it.concurrent('fails the task with the integration error when starting the callback integration throws', scenario(async ({ lambda, engine, startPayment }) => {
    lambda.on('start-payment', () => {
      throw namedError('StripeUnavailable', 'connection refused');
    });
    const executionArn = startPayment();

    const final = await engine.waitForExecution(executionArn);

    expect(JSON.parse(final.output as string)).toMatchObject({ status: 'PAYMENT_FAILED', error: { Error: 'StripeUnavailable' } });
    expect(historyTypes(engine.getExecutionHistory(executionArn).events)).not.toContain('TaskSubmitted');
  }));

  it.concurrent('accepts a callback that arrives before the integration returns', scenario(async ({ lambda, engine, startPayment }) => {
    lambda.on('start-payment', (payload) => {
      engine.sendTaskSuccess(payload.taskToken, '{"instant":true}');
      return new Promise(() => undefined); // the invocation itself never returns
    });
    const executionArn = startPayment();

    const final = await engine.waitForExecution(executionArn);

    expect(JSON.parse(final.output as string)).toMatchObject({ status: 'PAID', payment: { instant: true } });
  }));

  describe('heartbeats', () => {
    it.concurrent('keeps a task alive past HeartbeatSeconds while heartbeats arrive', scenario(async ({ lambda, engine, courierMachine }) => {
      const { executionArn } = engine.startExecution({ stateMachineArn: courierMachine, input: {} });
      const token: string = (await lambda.nthCall('book-courier', 1)).payload.taskToken;

      // Beats every 500 ms against HeartbeatSeconds 2: 1.5 s of slack for a loaded machine, and
      // five of them (2.5 s) outlast the 2 s a missing heartbeat would allow.
      for (let beat = 0; beat < 5; beat++) {
        await pause(500);
        engine.sendTaskHeartbeat(token);
      }
      expect(engine.describeExecution(executionArn).status).toBe('RUNNING');
      engine.sendTaskSuccess(token, '{"trackingId":"t-1"}');

      const final = await engine.waitForExecution(executionArn);
      expect(final.status).toBe('SUCCEEDED');
      expect(JSON.parse(final.output as string).shipment).toEqual({ trackingId: 't-1' });
      expect(final.stopDate!.getTime() - final.startDate.getTime()).toBeGreaterThanOrEqual(2450);
    }));

    it.concurrent('fails the task with States.HeartbeatTimeout when a heartbeat is missed', scenario(async ({ lambda, engine, courierMachine }) => {
      const { executionArn } = engine.startExecution({ stateMachineArn: courierMachine, input: {} });
      const token: string = (await lambda.nthCall('book-courier', 1)).payload.taskToken;

      // Ended by the missed 2 s heartbeat, not the task's 20 s timeout: the error says which.
      const final = await engine.waitForExecution(executionArn, { timeoutMs: 15_000 });

      expect(JSON.parse(final.output as string)).toMatchObject({ status: 'COURIER_LOST', error: { Error: 'States.HeartbeatTimeout' } });
      expect(detailsOf(engine.getExecutionHistory(executionArn).events.find((event) => event.type === 'TaskTimedOut'))).toMatchObject({ error: 'States.HeartbeatTimeout' });
      expect(() => engine.sendTaskHeartbeat(token)).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
    }));
  });

  it.concurrent('closes the pending callback of a Parallel branch when another branch fails', scenario(async ({ lambda, engine }) => {
    lambda.on('reserve', async () => {
      await lambda.nthCall('authorize', 1);
      throw namedError('OutOfStock', 'none left');
    });
    const { stateMachineArn } = engine.createStateMachine({ name: 'parallel', definition: loadFixture('parallel-cancel') });
    const { executionArn } = engine.startExecution({ stateMachineArn, input: {} });
    const token: string = (await lambda.nthCall('authorize', 1)).payload.taskToken;
    const refundToken: string = (await lambda.nthCall('refund', 1)).payload.taskToken;

    // The execution goes on (waiting for the refund) while the abandoned branch's token is already closed.
    expect(engine.describeExecution(executionArn).status).toBe('RUNNING');
    expect(() => engine.sendTaskSuccess(token, '{}')).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
    engine.sendTaskSuccess(refundToken, '{"refunded":true}');
    const final = await engine.waitForExecution(executionArn);

    expect(JSON.parse(final.output as string)).toMatchObject({ status: 'COMPENSATED', error: { Error: 'OutOfStock' }, refund: { refunded: true } });
    expect(historyTypes(engine.getExecutionHistory(executionArn).events)).toEqual(
      expect.arrayContaining(['ParallelStateEntered', 'ParallelStateStarted', 'ParallelStateFailed', 'ParallelStateExited']),
    );
  }));
});
