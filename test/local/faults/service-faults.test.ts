/**
 * Service faults: the syntax (LOCAL_FAULTS, the control routes' JSON), its validation, and which
 * calls a fault strikes (service, operation, resource, phase, times, rate, duration).
 */
import { eventKeyOf } from '../../../local/faults';
import { FaultSpecError, ServiceFaults, splitLocalFaults, validateSpec } from '../../../local/faults/service-faults';

const resources = { dynamodb: ['checkout-saga-local-orders', 'checkout-saga-local-inventory'], sqs: ['checkout-saga-local-inventory-updates'] };

function codeOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    if (error instanceof FaultSpecError) return error.code;
    throw error;
  }
  throw new Error('expected a FaultSpecError');
}

describe('LOCAL_FAULTS with services', () => {
  test('function entries stay as they were; service entries are read with their options', () => {
    const { functions, services } = splitLocalFaults(
      'fulfillOrder:always, dynamodb:ThrottlingException;rate=0.3;operations=UpdateItem|TransactWriteItems;resources=inventory;latencyMs=50-400;forSeconds=60,reserveInventory:2,stripe;latencyMs=200,lambda:Sandbox.Timedout;times=1;when=after',
    );
    expect(functions).toBe('fulfillOrder:always,reserveInventory:2');
    expect(services).toEqual([
      { service: 'dynamodb', spec: { error: 'ThrottlingException', rate: 0.3, operations: ['UpdateItem', 'TransactWriteItems'], resources: ['inventory'], latencyMs: [50, 400], forSeconds: 60 } },
      { service: 'stripe', spec: { latencyMs: 200 } },
      { service: 'lambda', spec: { error: 'Sandbox.Timedout', times: 1, when: 'after' } },
    ]);
  });

  test('an option without a value is refused', () => {
    expect(codeOf(() => splitLocalFaults('dynamodb:ThrottlingException;rate'))).toBe('INVALID_FAULT');
  });
});

describe('validation: unknown names are refused with a code', () => {
  test.each([
    ['an unknown error', 'dynamodb', { error: 'Throttled' }, 'UNKNOWN_ERROR'],
    ['an operation of another service', 'dynamodb', { error: 'ThrottlingException', operations: ['SendMessage'] }, 'UNKNOWN_OPERATION'],
    ['TransactionCanceledException on a single-item write', 'dynamodb', { error: 'TransactionCanceledException', operations: ['UpdateItem'] }, 'UNKNOWN_OPERATION'],
    ['TaskTimedOut on StartExecution', 'stepfunctions', { error: 'TaskTimedOut', operations: ['StartExecution'] }, 'UNKNOWN_OPERATION'],
    ['a table that does not exist', 'dynamodb', { error: 'ThrottlingException', resources: ['invntory'] }, 'UNKNOWN_RESOURCE'],
    ['resources for stripe', 'stripe', { error: 'rate_limit', resources: ['pi_1'] }, 'INVALID_FAULT'],
    ['a rate above 1', 'sqs', { error: 'RequestThrottled', rate: 1.5 }, 'INVALID_FAULT'],
    ['neither error nor latency', 'sns', { rate: 0.5 }, 'INVALID_FAULT'],
    ['an unknown field', 'sns', { error: 'Throttled', count: 2 }, 'INVALID_FAULT'],
    ['a rate limit "after the work"', 'stripe', { error: 'rate_limit', when: 'after' }, 'INVALID_FAULT'],
    ['a reversed latency range', 'stripe', { latencyMs: [400, 50] }, 'INVALID_FAULT'],
  ])('%s', (_what, service, spec, code) => {
    expect(codeOf(() => validateSpec(service as never, spec, { resources }))).toBe(code);
  });

  test('an unknown service', () => {
    expect(codeOf(() => new ServiceFaults().set('dynamo', { error: 'ThrottlingException' }))).toBe('UNKNOWN_SERVICE');
  });

  test('a function timeout or crash strikes after the work by default; a service error before it', () => {
    expect(validateSpec('lambda', { error: 'Runtime.ExitError' }).when).toBe('after');
    expect(validateSpec('lambda', { error: 'TooManyRequestsException' }).when).toBe('before');
  });

  test('a resource may be named by the end of its name', () => {
    expect(validateSpec('dynamodb', { error: 'InternalServerError', resources: ['inventory'] }, { resources }).resources).toEqual(['inventory']);
  });
});

describe('which calls a fault strikes', () => {
  test('only the named operations and resources, and only on its path', () => {
    const faults = new ServiceFaults({ resources });
    faults.set('dynamodb', { error: 'ThrottlingException', operations: ['UpdateItem'], resources: ['inventory'] });
    expect(faults.strike('dynamodb', 'sdk', { operation: 'GetItem', resources: ['checkout-saga-local-inventory'] })).toBeUndefined();
    expect(faults.strike('dynamodb', 'sdk', { operation: 'UpdateItem', resources: ['checkout-saga-local-orders'] })).toBeUndefined();
    expect(faults.strike('sqs', 'sdk', { operation: 'UpdateItem', resources: ['checkout-saga-local-inventory'] })).toBeUndefined();
    expect(faults.strike('dynamodb', 'sdk', { operation: 'UpdateItem', resources: ['checkout-saga-local-inventory'] })).toMatchObject({ error: 'ThrottlingException', when: 'before' });
    expect(faults.list()).toEqual([expect.objectContaining({ service: 'dynamodb', matched: 1, injected: 1, state: 'active' })]);
  });

  test("an error's own operations bound it: TransactionCanceledException strikes only transactions", () => {
    const faults = new ServiceFaults();
    faults.set('dynamodb', { error: 'TransactionCanceledException' });
    expect(faults.strike('dynamodb', 'sdk', { operation: 'BatchGetItem', resources: ['inventory'] })).toBeUndefined();
    expect(faults.strike('dynamodb', 'sdk', { operation: 'TransactWriteItems', resources: ['inventory'] })?.error).toBe('TransactionCanceledException');
  });

  test('callers: only the calls of those functions, or of the state machine', () => {
    const faults = new ServiceFaults({ callers: ['requestPayment'] });
    faults.set('dynamodb', { error: 'InternalServerError', callers: ['stateMachine'] });
    expect(faults.strike('dynamodb', 'sdk', { operation: 'UpdateItem', resources: ['orders'], caller: 'requestPayment' })).toBeUndefined();
    expect(faults.strike('dynamodb', 'sdk', { operation: 'UpdateItem', resources: ['orders'], caller: 'stateMachine' })?.error).toBe('InternalServerError');
    expect(codeOf(() => faults.set('dynamodb', { error: 'InternalServerError', callers: ['nobody'] }))).toBe('UNKNOWN_CALLER');
    expect(codeOf(() => faults.set('lambda', { error: 'ServiceException', callers: ['stateMachine'] }))).toBe('INVALID_FAULT');
  });

  test('times: the first N matching calls, then spent (still listed with its count)', () => {
    const faults = new ServiceFaults();
    faults.set('stepfunctions', { error: 'ThrottlingException', times: 2, operations: ['SendTaskSuccess'] });
    const call = { operation: 'SendTaskSuccess', resources: [] };
    expect([faults.strike('stepfunctions', 'sdk', call), faults.strike('stepfunctions', 'sdk', call), faults.strike('stepfunctions', 'sdk', call)].map((strike) => strike?.error)).toEqual([
      'ThrottlingException',
      'ThrottlingException',
      undefined,
    ]);
    expect(faults.list()[0]).toMatchObject({ injected: 2, state: 'spent' });
  });

  test('per event: times counts per event, so the first attempt of every invocation fails and its retry goes through', () => {
    const faults = new ServiceFaults();
    faults.set('lambda', { error: 'Sandbox.Timedout', times: 1, per: 'event', resources: ['reserveInventory'] });
    const attempt = (eventKey: string) => faults.strike('lambda', 'lambda-runtime', { operation: 'Invoke', resources: ['reserveInventory'], eventKey }, 'after')?.error;
    expect([attempt('order-1'), attempt('order-1'), attempt('order-2'), attempt('order-2'), attempt('order-1')]).toEqual(['Sandbox.Timedout', undefined, 'Sandbox.Timedout', undefined, undefined]);
    expect(faults.list()[0]).toMatchObject({ injected: 2, state: 'active' });
  });

  test("an event is what a retry sends again: the payload without its task token, an HTTP request's route, body and Idempotency-Key, an SQS batch's message ids", () => {
    expect(eventKeyOf({ orderId: 'o1', taskToken: 'a' })).toBe(eventKeyOf({ orderId: 'o1', taskToken: 'b' }));
    expect(eventKeyOf({ orderId: 'o1' })).not.toBe(eventKeyOf({ orderId: 'o2' }));
    const request = (requestId: string, key: string) => ({ routeKey: 'POST /checkout', body: '{}', headers: { 'idempotency-key': key }, requestContext: { requestId } });
    expect(eventKeyOf(request('r1', 'k1'))).toBe(eventKeyOf(request('r2', 'k1')));
    expect(eventKeyOf(request('r1', 'k1'))).not.toBe(eventKeyOf(request('r1', 'k2')));
    const batch = (receipt: string) => ({ Records: [{ messageId: 'm1', receiptHandle: receipt }, { messageId: 'm2', receiptHandle: receipt }] });
    expect(eventKeyOf(batch('x'))).toBe(eventKeyOf(batch('y')));
  });

  test('per event applies to function timeouts and crashes only, and needs times', () => {
    expect(codeOf(() => validateSpec('dynamodb', { error: 'ThrottlingException', times: 1, per: 'event' }))).toBe('INVALID_FAULT');
    expect(codeOf(() => validateSpec('lambda', { error: 'Runtime.ExitError', per: 'event' }))).toBe('INVALID_FAULT');
    expect(codeOf(() => validateSpec('lambda', { error: 'Runtime.ExitError', times: 1, per: 'each' }))).toBe('INVALID_FAULT');
    expect(splitLocalFaults('lambda:Runtime.ExitError;times=1;per=event,dynamodb:ThrottlingException;callers=stateMachine|reserveInventory').services).toEqual([
      { service: 'lambda', spec: { error: 'Runtime.ExitError', times: 1, per: 'event' } },
      { service: 'dynamodb', spec: { error: 'ThrottlingException', callers: ['stateMachine', 'reserveInventory'] } },
    ]);
  });

  test('rate: each matching call with that probability', () => {
    const draws = [0.1, 0.5, 0.29, 0.9];
    const faults = new ServiceFaults({ random: () => draws.shift()! });
    faults.set('sns', { error: 'Throttled', rate: 0.3 });
    const struck = [1, 2, 3, 4].map(() => faults.strike('sns', 'sdk', { operation: 'Publish', resources: ['ops'] })?.error);
    expect(struck).toEqual(['Throttled', undefined, 'Throttled', undefined]);
    expect(faults.list()[0]).toMatchObject({ matched: 4, injected: 2 });
  });

  test('forSeconds: it heals by itself', () => {
    let now = 1_000_000;
    const faults = new ServiceFaults({ now: () => now });
    faults.set('stripe', { error: 'api_error', forSeconds: 30 });
    const call = { operation: 'paymentIntents.create', resources: [] };
    expect(faults.strike('stripe', 'stripe', call)?.error).toBe('api_error');
    now += 30_000;
    expect(faults.strike('stripe', 'stripe', call)).toBeUndefined();
    expect(faults.list()[0].state).toBe('expired');
  });

  test('latency: fixed or drawn from the range', () => {
    const faults = new ServiceFaults({ random: () => 0.5 });
    faults.set('stripe', [{ latencyMs: [100, 300], operations: ['paymentIntents.create'] }, { latencyMs: 40 }]);
    expect(faults.strike('stripe', 'stripe', { operation: 'paymentIntents.create', resources: [] })).toMatchObject({ latencyMs: 200, error: undefined });
    expect(faults.strike('stripe', 'stripe', { operation: 'events.list', resources: [] })).toMatchObject({ latencyMs: 40 });
  });

  test('phase: a function fault "after" is not taken before the handler runs', () => {
    const faults = new ServiceFaults();
    faults.set('lambda', { error: 'Sandbox.Timedout', times: 1, resources: ['reserveInventory'] });
    const call = { operation: 'Invoke', resources: ['reserveInventory'] };
    expect(faults.strike('lambda', 'lambda-runtime', call, 'before')).toBeUndefined();
    expect(faults.strike('lambda', 'lambda-invoke', call)).toBeUndefined();
    expect(faults.strike('lambda', 'lambda-runtime', call, 'after')?.error).toBe('Sandbox.Timedout');
  });

  test('set replaces the service faults; clear heals one service or all', () => {
    const faults = new ServiceFaults();
    faults.set('sqs', { error: 'RequestThrottled' });
    faults.set('sqs', [{ error: 'DuplicateDelivery', times: 1 }, { error: 'ServiceUnavailable', operations: ['SendMessage'] }]);
    faults.set('sns', { error: 'InternalError' });
    expect(faults.list().map((fault) => `${fault.service}:${fault.error}`)).toEqual(['sqs:DuplicateDelivery', 'sqs:ServiceUnavailable', 'sns:InternalError']);
    faults.clear('sqs');
    expect(faults.list().map((fault) => fault.service)).toEqual(['sns']);
    faults.clear();
    expect(faults.list()).toEqual([]);
  });
});
