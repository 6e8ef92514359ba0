import { ConditionalCheckFailedException, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import type { LocalStepFunctions } from '../../../local/stepfunctions/engine';
import { detailsOf, engineWithLambda, FakeLambda, historyTypes, loadFixture, namedError } from './helpers';

describe('LocalStepFunctions: executions', () => {
  let lambda: FakeLambda;
  let engine: LocalStepFunctions;

  beforeEach(() => {
    lambda = new FakeLambda();
    engine = engineWithLambda(lambda);
  });

  afterEach(() => engine.shutdown());

  it('runs Task, Choice and Pass states to success and records AWS-shaped history', async () => {
    lambda.on('price-order', (order) => ({ total: order.amount * 2 }));
    const { stateMachineArn } = engine.createStateMachine({ name: 'happy', definition: loadFixture('happy-path') });
    const { executionArn, startDate } = engine.startExecution({ stateMachineArn, name: 'order-1', input: { orderId: 'o-1', amount: 21 } });

    const final = await engine.waitForExecution(executionArn, { timeoutMs: 5000 });

    expect(final.status).toBe('SUCCEEDED');
    expect(JSON.parse(final.output as string)).toEqual({ orderId: 'o-1', amount: 21, pricing: { total: 42 }, status: 'TO_PAY' });
    expect(final.startDate).toEqual(startDate);
    expect(final.stopDate!.getTime()).toBeGreaterThanOrEqual(startDate.getTime());
    expect(lambda.callsTo('price-order').map((call) => call.payload)).toEqual([{ orderId: 'o-1', amount: 21 }]);

    const { events } = engine.getExecutionHistory(executionArn);
    expect(historyTypes(events)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(events.every((event, index) => event.previousEventId === index && event.timestamp instanceof Date)).toBe(true);
    expect(detailsOf(events[0])).toEqual({ input: '{"orderId":"o-1","amount":21}', inputDetails: { truncated: false }, roleArn: expect.stringMatching(/^arn:aws:iam::/) });
    expect(detailsOf(events[3])).toMatchObject({ name: 'PriceOrder', input: '{"orderId":"o-1","amount":21}' });
    expect(detailsOf(events[4])).toEqual({
      resourceType: 'lambda',
      resource: 'invoke',
      region: 'us-east-1',
      parameters: '{"FunctionName":"price-order","Payload":{"orderId":"o-1","amount":21}}',
    });
    expect(JSON.parse(detailsOf(events[6]).output)).toMatchObject({ ExecutedVersion: '$LATEST', StatusCode: 200, Payload: { total: 42 } });
    expect(detailsOf(events[12]).output).toBe(final.output);
  });

  it('pages and reverses the history', async () => {
    const { stateMachineArn } = engine.createStateMachine({ name: 'happy', definition: loadFixture('happy-path') });
    lambda.on('price-order', () => ({ total: 0 }));
    const { executionArn } = engine.startExecution({ stateMachineArn, input: { orderId: 'o-2', amount: 0 } });
    await engine.waitForExecution(executionArn);

    const all = engine.getExecutionHistory(executionArn).events;
    const first = engine.getExecutionHistory(executionArn, { maxResults: 5 });
    const second = engine.getExecutionHistory(executionArn, { maxResults: 5, nextToken: first.nextToken });
    const reversed = engine.getExecutionHistory(executionArn, { reverseOrder: true, maxResults: 2 });
    const withoutData = engine.getExecutionHistory(executionArn, { includeExecutionData: false });

    expect(first.events.map((event) => event.id)).toEqual([1, 2, 3, 4, 5]);
    expect(second.events.map((event) => event.id)).toEqual([6, 7, 8, 9, 10]);
    expect(reversed.events.map((event) => event.type)).toEqual(['ExecutionSucceeded', 'PassStateExited']);
    expect(all[all.length - 3]).toMatchObject({ type: 'PassStateEntered', stateEnteredEventDetails: { name: 'MarkFree' } });
    expect(detailsOf(withoutData.events[0])).toEqual({ roleArn: expect.any(String) });
    expect(() => engine.getExecutionHistory(executionArn, { nextToken: 'garbage' })).toThrow(expect.objectContaining({ name: 'InvalidToken' }));
  });

  it('routes a Lambda function error to the catcher named after it, with the Lambda error JSON as cause', async () => {
    lambda.on('reserve-stock', () => {
      throw namedError('OutOfStock', 'sku-1 has 0 left');
    });
    const { stateMachineArn } = engine.createStateMachine({ name: 'catch', definition: loadFixture('catch-by-name') });
    const { executionArn } = engine.startExecution({ stateMachineArn, input: { sku: 'sku-1' } });

    const final = await engine.waitForExecution(executionArn);

    expect(final.status).toBe('SUCCEEDED');
    const output = JSON.parse(final.output as string);
    expect(output.outcome).toBe('OUT_OF_STOCK');
    expect(output.error.Error).toBe('OutOfStock');
    const cause = JSON.parse(output.error.Cause);
    expect(Object.keys(cause)).toEqual(['errorType', 'errorMessage', 'trace']);
    expect(cause).toMatchObject({ errorType: 'OutOfStock', errorMessage: 'sku-1 has 0 left' });
    expect(cause.trace[0]).toBe('OutOfStock: sku-1 has 0 left');
    const failed = engine.getExecutionHistory(executionArn).events.find((event) => event.type === 'TaskFailed');
    expect(detailsOf(failed)).toEqual({ resourceType: 'lambda', resource: 'invoke', error: 'OutOfStock', cause: output.error.Cause });
  });

  it.each([
    ['ConditionalCheckFailedException', () => new ConditionalCheckFailedException({ $metadata: { httpStatusCode: 400 }, message: 'The conditional request failed' })],
    ['AccessDeniedException', () => new DynamoDBServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'not authorized to perform: dynamodb:UpdateItem' })],
  ])('an AWS SDK error the handler lets through is the function\'s error, named %s as on AWS (not Lambda.*)', async (name, makeError) => {
    lambda.on('reserve-stock', () => {
      throw makeError();
    });
    const { stateMachineArn } = engine.createStateMachine({ name: 'catch', definition: loadFixture('catch-by-name') });
    const { executionArn } = engine.startExecution({ stateMachineArn, input: {} });
    await engine.waitForExecution(executionArn);
    const failed = engine.getExecutionHistory(executionArn).events.find((event) => event.type === 'TaskFailed');
    expect(detailsOf(failed)).toMatchObject({ resourceType: 'lambda', resource: 'invoke', error: name });
    expect(JSON.parse((detailsOf(failed) as { cause: string }).cause)).toMatchObject({ errorType: name });
  });

  it('fails the execution with the Fail state error when no specific catcher matches', async () => {
    lambda.on('reserve-stock', () => {
      throw new TypeError('boom');
    });
    const { stateMachineArn } = engine.createStateMachine({ name: 'catch', definition: loadFixture('catch-by-name') });
    const { executionArn } = engine.startExecution({ stateMachineArn, input: {} });

    const final = await engine.waitForExecution(executionArn);

    expect(final).toMatchObject({ status: 'FAILED', error: 'CheckoutFailed', cause: 'unexpected' });
    const events = engine.getExecutionHistory(executionArn).events;
    expect(historyTypes(events).slice(-3)).toEqual(['TaskStateExited', 'FailStateEntered', 'ExecutionFailed']);
    expect(detailsOf(events[events.length - 1])).toEqual({ error: 'CheckoutFailed', cause: 'unexpected' });
  });

  it('exposes the context object with the real entry time and retry count of each state', async () => {
    lambda.on('slow', () => new Promise((resolve) => setTimeout(() => resolve({}), 150)));
    const { stateMachineArn } = engine.createStateMachine({ name: 'ctx', definition: loadFixture('context-object'), roleArn: 'arn:aws:iam::123456789012:role/checkout' });
    const { executionArn, startDate } = engine.startExecution({ stateMachineArn, name: 'ctx-1', input: { orderId: 'o-9' } });

    const final = await engine.waitForExecution(executionArn);

    const { first, second } = JSON.parse(final.output as string);
    expect(first).toEqual({
      executionId: executionArn,
      executionName: 'ctx-1',
      startTime: expect.any(String),
      executionInput: { orderId: 'o-9' },
      roleArn: 'arn:aws:iam::123456789012:role/checkout',
      stateMachineId: stateMachineArn,
      stateMachineName: 'ctx',
      stateName: 'First',
      enteredTime: expect.any(String),
      retryCount: 0,
    });
    expect(Math.abs(Date.parse(first.startTime) - startDate.getTime())).toBeLessThanOrEqual(5);
    expect(second.stateName).toBe('Second');
    expect(Date.parse(second.enteredTime) - Date.parse(first.enteredTime)).toBeGreaterThanOrEqual(140);
    const secondEntered = engine.getExecutionHistory(executionArn).events.find((event) => detailsOf(event).name === 'Second' && event.type === 'PassStateEntered');
    expect(Math.abs(secondEntered!.timestamp.getTime() - Date.parse(second.enteredTime))).toBeLessThanOrEqual(5);
  });

  it('fixes what the library gets wrong alone: ResultPath "$", falsy Pass results; runs Map and legacy Lambda ARNs', async () => {
    lambda.on('fetch-order', (input) => ({ ...input, items: ['a', 'b'] }));
    lambda.on('describe-item', ({ sku, position }) => `${position}:${sku}`);
    const { stateMachineArn } = engine.createStateMachine({ name: 'quirks', definition: loadFixture('library-quirks') });
    const { executionArn } = engine.startExecution({ stateMachineArn, input: { orderId: 'o-3' } });

    const final = await engine.waitForExecution(executionArn);

    expect(final.status).toBe('SUCCEEDED');
    expect(JSON.parse(final.output as string)).toEqual({ orderId: 'o-3', zero: 0, items: ['a', 'b'], described: ['0:a', '1:b'] });
    expect(lambda.callsTo('fetch-order')[0]).toMatchObject({ functionName: 'arn:aws:lambda:us-east-1:123456789012:function:fetch-order', payload: { orderId: 'o-3', zero: 0 } });
    const types = historyTypes(engine.getExecutionHistory(executionArn).events);
    expect(types).toEqual(expect.arrayContaining(['LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'MapStateStarted', 'MapIterationStarted', 'MapIterationSucceeded', 'MapStateSucceeded']));
    const mapStarted = engine.getExecutionHistory(executionArn).events.find((event) => event.type === 'MapStateStarted');
    expect(detailsOf(mapStarted)).toEqual({ length: 2 });
  });

  it('starts idempotently by name while running and refuses a reused name otherwise', async () => {
    lambda.on('slow', () => new Promise((resolve) => setTimeout(() => resolve({}), 300)));
    const { stateMachineArn } = engine.createStateMachine({ name: 'ctx', definition: loadFixture('context-object') });

    const first = engine.startExecution({ stateMachineArn, name: 'order-7', input: '{"orderId":"o-7"}' });
    const again = engine.startExecution({ stateMachineArn, name: 'order-7', input: { orderId: 'o-7' } });
    expect(again).toEqual(first);
    expect(engine.describeExecution(first.executionArn).input).toBe('{"orderId":"o-7"}');
    expect(() => engine.startExecution({ stateMachineArn, name: 'order-7', input: { orderId: 'other' } })).toThrow(
      expect.objectContaining({ name: 'ExecutionAlreadyExists' }),
    );

    await engine.waitForExecution(first.executionArn);
    expect(() => engine.startExecution({ stateMachineArn, name: 'order-7', input: { orderId: 'o-7' } })).toThrow(
      expect.objectContaining({ name: 'ExecutionAlreadyExists' }),
    );
    expect(engine.listExecutions({ stateMachineArn }).executions).toHaveLength(1);
    expect(() => engine.startExecution({ stateMachineArn, name: 'bad name', input: {} })).toThrow(expect.objectContaining({ name: 'InvalidName' }));
    expect(() => engine.startExecution({ stateMachineArn, input: '{not json' })).toThrow(expect.objectContaining({ name: 'InvalidExecutionInput' }));
  });

  it('stops a running execution: ABORTED with error and cause, pending callbacks closed', async () => {
    const { stateMachineArn } = engine.createStateMachine({ name: 'pay', definition: loadFixture('payment-callback') });
    const { executionArn } = engine.startExecution({ stateMachineArn, input: { orderId: 'o-8', paymentTimeoutSeconds: 60 } });
    const started = await lambda.nthCall('start-payment', 1);

    const { stopDate } = engine.stopExecution(executionArn, { error: 'CustomerCancelled', cause: 'cart abandoned' });

    expect(engine.describeExecution(executionArn)).toMatchObject({ status: 'ABORTED', error: 'CustomerCancelled', cause: 'cart abandoned', stopDate });
    expect(() => engine.sendTaskSuccess(started.payload.taskToken, '{}')).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
    await engine.waitForExecution(executionArn);
    const events = engine.getExecutionHistory(executionArn).events;
    expect(events[events.length - 1]).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'CustomerCancelled', cause: 'cart abandoned' } });
    expect(historyTypes(events)).not.toContain('TaskFailed');
    expect(engine.listExecutions({ stateMachineArn, statusFilter: 'ABORTED' }).executions.map((execution) => execution.executionArn)).toEqual([executionArn]);
    expect(engine.listExecutions({ stateMachineArn, statusFilter: 'RUNNING' }).executions).toEqual([]);
  });

  it('times the whole execution out after the top-level TimeoutSeconds', async () => {
    lambda.on('slow', () => new Promise(() => undefined));
    const definition = { ...loadFixture('context-object'), TimeoutSeconds: 1 };
    const { stateMachineArn } = engine.createStateMachine({ name: 'short', definition });
    const { executionArn } = engine.startExecution({ stateMachineArn, input: {} });

    const final = await engine.waitForExecution(executionArn, { timeoutMs: 3000 });

    expect(final).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(final.stopDate!.getTime() - final.startDate.getTime()).toBeGreaterThanOrEqual(990);
    const events = engine.getExecutionHistory(executionArn).events;
    expect(events[events.length - 1].type).toBe('ExecutionTimedOut');
  });

  it('fails, rather than skips, a Wait whose input-given duration is beyond what Node timers can wait', async () => {
    const definition = { StartAt: 'Cool', States: { Cool: { Type: 'Wait', SecondsPath: '$.seconds', End: true } } };
    const { stateMachineArn } = engine.createStateMachine({ name: 'long-wait', definition });
    const long = engine.startExecution({ stateMachineArn, input: { seconds: 40 * 24 * 3600 } });
    const short = engine.startExecution({ stateMachineArn, input: { seconds: 0 } });

    expect(await engine.waitForExecution(long.executionArn)).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: expect.stringContaining("State 'Cool'") });
    expect((await engine.waitForExecution(short.executionArn)).status).toBe('SUCCEEDED');
  });

  it('answers AWS errors for unknown resources', () => {
    expect(() => engine.describeExecution('arn:aws:states:us-east-1:123456789012:execution:x:y')).toThrow(expect.objectContaining({ name: 'ExecutionDoesNotExist' }));
    expect(() => engine.describeExecution('not-an-arn')).toThrow(expect.objectContaining({ name: 'InvalidArn' }));
    expect(() => engine.startExecution({ stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:none' })).toThrow(
      expect.objectContaining({ name: 'StateMachineDoesNotExist' }),
    );
  });
});
