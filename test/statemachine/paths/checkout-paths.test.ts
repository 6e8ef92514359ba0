/**
 * Fast layer for stepfunctions/checkout.asl.yml: every Choice branch, Catch, Retry and end of the real
 * definition, run by the local Step Functions engine with scripted task stubs (no Lambda, DynamoDB,
 * Stripe or Java). Retries wait 1 ms; only the payment-window timeout takes its 1 s.
 * The last test computes, from the histories of all the runs above, that every route the
 * definition has was taken; a new route without a test here fails it (run the whole file: a -t
 * filter leaves routes untaken).
 */
import {
  answersFailure,
  answersSuccess,
  CheckoutPaths,
  LINES,
  neverAnswered,
  returns,
  throws,
  times,
  type PathRun,
} from './harness';
import { enumerateRoutes, routesTaken } from './routes';

const HAPPY_PATH = ['RouteStart', 'ReserveInventory', 'AwaitPayment', 'MarkPaid', 'FulfillOrder', 'CommitInventory', 'MarkCompleted'];
const AFTER_PAYMENT = ['MarkPaid', 'FulfillOrder', 'CommitInventory', 'MarkCompleted'];
const RESERVED_AND_AWAITED = ['RouteStart', 'ReserveInventory', 'AwaitPayment'];

const compensation = (outcome: string, status = 'CANCELED') => returns({ outcome, status });
/** A transient failure of each kind of task, as the state machine would see it. */
const LAMBDA_THROTTLED = 'Lambda.TooManyRequestsException';
const DYNAMODB_THROTTLED = 'DynamoDB.ProvisionedThroughputExceededException';
const SQS_UNAVAILABLE = 'SQS.SdkClientException';

let paths: CheckoutPaths;

beforeAll(async () => {
  paths = await CheckoutPaths.start();
}, 30_000);
afterAll(() => paths?.shutdown());

function requestTo(run: PathRun, stateName: string, attempt = 0): any {
  const call = run.invocations.find((invocation) => invocation.stateName === stateName && invocation.attempt === attempt);
  if (!call) throw new Error(`${stateName} attempt ${attempt} was not invoked; invoked: ${run.invocations.map((i) => i.stateName).join(', ')}`);
  return call.request;
}

describe('RouteStart', () => {
  test('a new checkout (no resumeAfterPayment) reserves, waits for payment and completes', async () => {
    const run = await paths.run({});

    expect(run.description.status).toBe('SUCCEEDED');
    expect(run.statesEntered).toEqual(HAPPY_PATH);
    expect(run.invocations.map((call) => call.functionKey ?? call.resource)).toEqual([
      'reserveInventory',
      'requestPayment',
      'arn:aws:states:::dynamodb:updateItem',
      'fulfillOrder',
      'arn:aws:states:::sqs:sendMessage',
      'arn:aws:states:::dynamodb:updateItem',
    ]);
    // The webhook's SendTaskSuccess output lands in $.payment; the reservation feeds the COMMIT.
    expect(run.output.payment).toEqual({ paymentIntentId: 'pi_1', status: 'succeeded' });
    expect(requestTo(run, 'CommitInventory').MessageBody).toEqual({ type: 'COMMIT', updateId: `commit-${run.output.orderId}`, orderId: run.output.orderId, lines: LINES });
  });

  test('an operator resume (resumeAfterPayment) re-enters at MarkPaid: no reservation, no payment wait', async () => {
    const resumedLines = [{ sku: 'MUG-LOGO', quantity: 1 }];
    const run = await paths.run({}, { resumeAfterPayment: true, reservation: { lines: resumedLines } });

    expect(run.description.status).toBe('SUCCEEDED');
    expect(run.statesEntered).toEqual(['RouteStart', ...AFTER_PAYMENT]);
    expect(run.attemptsOf('ReserveInventory')).toBe(0);
    expect(run.attemptsOf('AwaitPayment')).toBe(0);
    // The resume input's reservation is what gets committed.
    expect(requestTo(run, 'CommitInventory').MessageBody.lines).toEqual(resumedLines);
  });

  test('resumeAfterPayment present but not true does not skip reservation and payment', async () => {
    const run = await paths.run({}, { resumeAfterPayment: false });

    expect(run.statesEntered.slice(0, 2)).toEqual(['RouteStart', 'ReserveInventory']);
    expect(run.attemptsOf('AwaitPayment')).toBe(1);
  });
});

describe('ReserveInventory', () => {
  test('OutOfStock is not retried and ends in OrderRejected, without compensation', async () => {
    const run = await paths.run({ ReserveInventory: throws('OutOfStock') });

    expect(run.description.status).toBe('SUCCEEDED');
    expect(run.statesEntered).toEqual(['RouteStart', 'ReserveInventory', 'OrderRejected']);
    expect(run.attemptsOf('ReserveInventory')).toBe(1);
    expect(run.output.error.Error).toBe('OutOfStock');
  });

  test('InvalidOrderState is not retried and is compensated (the catch-all Catch)', async () => {
    const run = await paths.run({ ReserveInventory: throws('InvalidOrderState'), CompensateOrder: compensation('FAILED_BEFORE_PAYMENT', 'REJECTED') });

    expect(run.attemptsOf('ReserveInventory')).toBe(1);
    expect(run.statesEntered).toEqual(['RouteStart', 'ReserveInventory', 'CompensateOrder', 'CompensationOutcome', 'CheckoutFailed']);
    expect(requestTo(run, 'CompensateOrder').error.Error).toBe('InvalidOrderState');
  });

  test('a transient failure is retried: two throttles, then the reservation goes through', async () => {
    const run = await paths.run({ ReserveInventory: [...times(2, throws(LAMBDA_THROTTLED)), returns({ lines: LINES })] });

    expect(run.description.status).toBe('SUCCEEDED');
    expect(run.statesEntered).toEqual(HAPPY_PATH);
    expect(run.failuresOf('ReserveInventory')).toEqual([LAMBDA_THROTTLED, LAMBDA_THROTTLED]);
  });

  test('a failure that persists: 1 attempt + 3 retries, then compensation', async () => {
    const run = await paths.run({ ReserveInventory: throws(LAMBDA_THROTTLED), CompensateOrder: compensation('FAILED_BEFORE_PAYMENT', 'REJECTED') });

    expect(run.attemptsOf('ReserveInventory')).toBe(4);
    expect(run.statesEntered).toEqual(['RouteStart', 'ReserveInventory', 'CompensateOrder', 'CompensationOutcome', 'CheckoutFailed']);
    expect(run.description.error).toBe('CheckoutFailedBeforePayment');
  });
});

describe('AwaitPayment', () => {
  test('requestPayment receives the task token; SendTaskSuccess resumes at MarkPaid', async () => {
    const run = await paths.run({});

    const request = requestTo(run, 'AwaitPayment');
    expect(Object.keys(request).sort()).toEqual(['orderId', 'taskToken']);
    expect(typeof request.taskToken).toBe('string');
    expect(run.statesEntered.slice(2, 4)).toEqual(['AwaitPayment', 'MarkPaid']);
  });

  test.each([
    ['OrderCanceled', 'the customer cancelled (cancel-order)'],
    ['PaymentCanceled', 'the PaymentIntent was cancelled in Stripe (webhook)'],
    ['PaymentAmountMismatch', 'Stripe reports another amount (webhook)'],
  ])('SendTaskFailure %s (%s) is not retried and compensates', async (error) => {
    const run = await paths.run({ AwaitPayment: answersFailure(error) });

    expect(run.attemptsOf('AwaitPayment')).toBe(1);
    expect(run.failuresOf('AwaitPayment')).toEqual([error]);
    expect(run.statesEntered).toEqual([...RESERVED_AND_AWAITED, 'CompensateOrder', 'CompensationOutcome', 'OrderClosed']);
    expect(requestTo(run, 'CompensateOrder')).toMatchObject({ orderId: run.output.orderId, error: { Error: error }, executionId: run.description.executionArn });
  });

  test.each(['InvalidOrderState', 'OrderCanceled'])('requestPayment throwing %s is not retried and compensates', async (error) => {
    const run = await paths.run({ AwaitPayment: throws(error) });

    expect(run.attemptsOf('AwaitPayment')).toBe(1);
    expect(run.statesEntered).toEqual([...RESERVED_AND_AWAITED, 'CompensateOrder', 'CompensationOutcome', 'OrderClosed']);
  });

  test('the payment window closing (States.Timeout) is not retried and compensates', async () => {
    const run = await paths.run({ AwaitPayment: neverAnswered() }, { paymentWindowSeconds: 1 });

    expect(run.failuresOf('AwaitPayment')).toEqual(['States.Timeout']);
    expect(run.attemptsOf('AwaitPayment')).toBe(1);
    expect(run.statesEntered).toEqual([...RESERVED_AND_AWAITED, 'CompensateOrder', 'CompensationOutcome', 'OrderClosed']);
    expect(requestTo(run, 'CompensateOrder').error.Error).toBe('States.Timeout');
  });

  test('a transient requestPayment failure is retried with a new token, then the payment succeeds', async () => {
    const run = await paths.run({ AwaitPayment: [throws(LAMBDA_THROTTLED), answersSuccess({ paymentIntentId: 'pi_2', status: 'succeeded' })] });

    expect(run.statesEntered).toEqual(HAPPY_PATH);
    expect(run.attemptsOf('AwaitPayment')).toBe(2);
    expect(requestTo(run, 'AwaitPayment', 1).taskToken).not.toBe(requestTo(run, 'AwaitPayment', 0).taskToken);
  });

  test('a failure that persists: 1 attempt + 3 retries, then compensation', async () => {
    const run = await paths.run({ AwaitPayment: throws(LAMBDA_THROTTLED) });

    expect(run.attemptsOf('AwaitPayment')).toBe(4);
    expect(run.statesEntered).toEqual([...RESERVED_AND_AWAITED, 'CompensateOrder', 'CompensationOutcome', 'OrderClosed']);
  });
});

describe('CompensateOrder and CompensationOutcome', () => {
  const cancelled = { AwaitPayment: answersFailure('OrderCanceled') };
  const compensated = [...RESERVED_AND_AWAITED, 'CompensateOrder', 'CompensationOutcome'];

  test('PAYMENT_SUCCEEDED (paid in the race with the cancel) goes forward to MarkPaid and completes', async () => {
    const run = await paths.run({ ...cancelled, CompensateOrder: compensation('PAYMENT_SUCCEEDED', 'AWAITING_PAYMENT') });

    expect(run.description.status).toBe('SUCCEEDED');
    expect(run.statesEntered).toEqual([...compensated, ...AFTER_PAYMENT]);
  });

  test('NEEDS_ATTENTION ends in NeedsAttention; compensateOrder already flagged it, so FlagNeedsAttention is not invoked', async () => {
    const run = await paths.run({ ...cancelled, CompensateOrder: compensation('NEEDS_ATTENTION', 'NEEDS_ATTENTION') });

    expect(run.description.status).toBe('SUCCEEDED');
    expect(run.statesEntered).toEqual([...compensated, 'NeedsAttention']);
    expect(run.attemptsOf('FlagNeedsAttention')).toBe(0);
  });

  test('CLOSED (cancelled or expired, stock released) ends in OrderClosed', async () => {
    const run = await paths.run({ ...cancelled, CompensateOrder: compensation('CLOSED', 'CANCELED') });

    expect(run.description.status).toBe('SUCCEEDED');
    expect(run.statesEntered).toEqual([...compensated, 'OrderClosed']);
    expect(run.output.compensation).toEqual({ outcome: 'CLOSED', status: 'CANCELED' });
  });

  test('FAILED_BEFORE_PAYMENT ends in the Fail state CheckoutFailed', async () => {
    const run = await paths.run({ AwaitPayment: answersFailure('PaymentAmountMismatch'), CompensateOrder: compensation('FAILED_BEFORE_PAYMENT', 'REJECTED') });

    expect(run.description.status).toBe('FAILED');
    expect(run.description.error).toBe('CheckoutFailedBeforePayment');
    expect(run.statesEntered).toEqual([...compensated, 'CheckoutFailed']);
  });

  test('a transient compensation failure is retried, then the compensation completes', async () => {
    const run = await paths.run({ ...cancelled, CompensateOrder: [...times(5, throws(LAMBDA_THROTTLED)), compensation('CLOSED')] });

    expect(run.attemptsOf('CompensateOrder')).toBe(6);
    expect(run.statesEntered).toEqual([...compensated, 'OrderClosed']);
  });

  test('an outcome the machine does not route fails the execution (UnknownCompensationOutcome), never a silent success', async () => {
    const run = await paths.run({ ...cancelled, CompensateOrder: compensation('SOMETHING_NEW' as never, 'CANCELED') });

    expect(run.description.status).toBe('FAILED');
    expect(run.description.error).toBe('UnknownCompensationOutcome');
    expect(run.statesEntered).toEqual([...compensated, 'UnknownCompensationOutcome']);
  });

  test('InvalidOrderState (the order is already paid) is not retried: the execution fails at once, visible to ops', async () => {
    const run = await paths.run({ ...cancelled, CompensateOrder: throws('InvalidOrderState') });

    expect(run.attemptsOf('CompensateOrder')).toBe(1);
    expect(run.description.status).toBe('FAILED');
    expect(run.description.error).toBe('InvalidOrderState');
  });

  test('a compensation that keeps failing: 1 attempt + 6 retries, then the execution fails with its error (no Catch)', async () => {
    const run = await paths.run({ ...cancelled, CompensateOrder: throws(LAMBDA_THROTTLED) });

    expect(run.attemptsOf('CompensateOrder')).toBe(7);
    expect(run.description.status).toBe('FAILED');
    expect(run.description.error).toBe(LAMBDA_THROTTLED);
    expect(run.statesEntered).toEqual([...RESERVED_AND_AWAITED, 'CompensateOrder']);
  });
});

describe('after payment: retried, then flagged, never compensated', () => {
  test.each([
    ['MarkPaid', DYNAMODB_THROTTLED, 4],
    ['FulfillOrder', LAMBDA_THROTTLED, 4],
    ['CommitInventory', SQS_UNAVAILABLE, 4],
    ['MarkCompleted', DYNAMODB_THROTTLED, 4],
  ])('%s: a transient %s is retried and the order completes', async (stateName, error, retries) => {
    const success = stateName === 'FulfillOrder' ? returns({ fulfilled: true }) : returns({});
    const run = await paths.run({ [stateName]: [...times(retries, throws(error)), success] });

    expect(run.description.status).toBe('SUCCEEDED');
    expect(run.statesEntered).toEqual(HAPPY_PATH);
    expect(run.attemptsOf(stateName)).toBe(retries + 1);
  });

  test.each([
    ['MarkPaid', DYNAMODB_THROTTLED, 5],
    ['FulfillOrder', 'InvalidOrderState', 5],
    ['CommitInventory', SQS_UNAVAILABLE, 5],
    ['MarkCompleted', DYNAMODB_THROTTLED, 5],
  ])('%s failing with %s after its %i attempts goes to its Failed state and FlagNeedsAttention', async (stateName, error, attempts) => {
    const run = await paths.run({ [stateName]: throws(error) });

    expect(run.attemptsOf(stateName)).toBe(attempts);
    expectFlagged(run, stateName, error);
  });

  test.each(['MarkPaid', 'MarkCompleted'])('%s: a refused condition (DynamoDB.ConditionalCheckFailedException) is not retried and is flagged', async (stateName) => {
    const run = await paths.run({ [stateName]: throws('DynamoDB.ConditionalCheckFailedException') });

    expect(run.attemptsOf(stateName)).toBe(1);
    expectFlagged(run, stateName, 'DynamoDB.ConditionalCheckFailedException');
  });

  test('a resumed order whose MarkPaid is refused is flagged again, not compensated', async () => {
    const run = await paths.run({ MarkPaid: throws('DynamoDB.ConditionalCheckFailedException') }, { resumeAfterPayment: true, reservation: { lines: LINES } });

    expect(run.statesEntered).toEqual(['RouteStart', 'MarkPaid', 'MarkPaidFailed', 'FlagNeedsAttention', 'NeedsAttention']);
    expect(run.attemptsOf('CompensateOrder')).toBe(0);
  });

  test('FlagNeedsAttention: a transient failure is retried, then the order ends in NeedsAttention', async () => {
    const run = await paths.run({ FulfillOrder: throws('InvalidOrderState'), FlagNeedsAttention: [...times(6, throws(LAMBDA_THROTTLED)), returns({ flagged: true })] });

    expect(run.attemptsOf('FlagNeedsAttention')).toBe(7);
    expect(run.description.status).toBe('SUCCEEDED');
    expect(run.statesEntered.slice(-3)).toEqual(['FulfillOrderFailed', 'FlagNeedsAttention', 'NeedsAttention']);
  });

  test('FlagNeedsAttention failing after 1 attempt + 6 retries fails the execution (no Catch)', async () => {
    const run = await paths.run({ FulfillOrder: throws('InvalidOrderState'), FlagNeedsAttention: throws(LAMBDA_THROTTLED) });

    expect(run.attemptsOf('FlagNeedsAttention')).toBe(7);
    expect(run.description.status).toBe('FAILED');
    expect(run.description.error).toBe(LAMBDA_THROTTLED);
  });
});

/** Paid, then `stateName` failed: named in $.failedStep, flagged once, ended in NeedsAttention; no compensation. */
function expectFlagged(run: PathRun, stateName: string, error: string): void {
  const paidAt = run.statesEntered.indexOf('MarkPaid');
  expect(run.statesEntered.slice(paidAt)).toEqual([...AFTER_PAYMENT.slice(0, AFTER_PAYMENT.indexOf(stateName) + 1), `${stateName}Failed`, 'FlagNeedsAttention', 'NeedsAttention']);
  expect(run.description.status).toBe('SUCCEEDED');
  expect(run.attemptsOf('CompensateOrder')).toBe(0);
  expect(run.attemptsOf('FlagNeedsAttention')).toBe(1);
  expect(requestTo(run, 'FlagNeedsAttention')).toMatchObject({
    orderId: run.output.orderId,
    failedStep: stateName,
    failure: { Error: error },
    executionId: run.description.executionArn,
  });
}

describe('route coverage', () => {
  test('every route of the definition (Next, Choices, Default, Catch, Retry, End, Fail, uncaught failure) was taken by a test above', () => {
    const all = enumerateRoutes(paths.definition);
    const taken = new Set(paths.runs.flatMap((run) => routesTaken(paths.definition, run.history)));

    expect(all.filter((route) => !taken.has(route))).toEqual([]);
    expect([...taken].filter((route) => !all.includes(route))).toEqual([]);
  });

  test('a route added to the definition without a test shows up as not taken', () => {
    const extended = structuredClone(paths.definition);
    extended.States.CompensationOutcome.Choices.push({ Variable: '$.compensation.outcome', StringEquals: 'REFUNDED', Next: 'OrderRefunded' });
    extended.States.OrderRefunded = { Type: 'Succeed' };

    const takenBefore = new Set(paths.runs.flatMap((run) => routesTaken(paths.definition, run.history)));
    const takenAfter = new Set(paths.runs.flatMap((run) => routesTaken(extended, run.history)));
    const missingBefore = enumerateRoutes(paths.definition).filter((route) => !takenBefore.has(route));

    expect(enumerateRoutes(extended).filter((route) => !takenAfter.has(route) && !missingBefore.includes(route))).toEqual([
      'CompensationOutcome --Choices[4]--> OrderRefunded',
      'OrderRefunded --Succeed--> SUCCEEDED',
    ]);
  });
});
