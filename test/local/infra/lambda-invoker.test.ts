import { createLambdaRuntime, type InvocationReport, type LambdaRuntime } from '../../../local/lambda/invoker';
import { createFaultInjector, parseFaultSpec } from '../../../local/lambda/faults';
import { EnvironmentConflictError } from '../../../local/lambda/function-environment';
import { fixtureFunction, fixtureService, REPO_ROOT } from './fixtures/fixture-service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const service = fixtureService(
  {
    echo: fixtureFunction('echo', { timeout: 3, memorySize: 256, environment: { FIXTURE_ECHO_ONLY: 'echo-value', FIXTURE_SHARED: 'same' } }),
    failing: fixtureFunction('errors'),
    slow: fixtureFunction('slow', { timeout: 1 }),
    callback: fixtureFunction('callback'),
    other: fixtureFunction('echo', { environment: { FIXTURE_SHARED: 'same' } }),
    lazy: fixtureFunction('counted-load'),
  },
  { FIXTURE_PROVIDER_LEVEL: 'provider' },
);

const runtimes: LambdaRuntime[] = [];
function runtime(options: Partial<Parameters<typeof createLambdaRuntime>[0]> = {}): LambdaRuntime {
  const created = createLambdaRuntime({ service, root: REPO_ROOT, environment: { FIXTURE_PROVIDER_LEVEL: 'provider', AWS_REGION: 'us-east-1' }, faults: '', ...options });
  runtimes.push(created);
  return created;
}
afterEach(() => {
  while (runtimes.length) runtimes.pop()!.close();
});

const loadsOfLazyFixture = () => (globalThis as { countedLoadFixture?: { loads: number } }).countedLoadFixture?.loads ?? 0;

describe('invocation', () => {
  test('passes an AWS-shaped context and a JSON copy of the event', async () => {
    const lambda = runtime();
    const event = { orderId: 'o-1', at: new Date('2026-01-02T03:04:05Z') };
    const result = (await lambda.invoke('echo', event)) as any;

    expect(result.event).toEqual({ orderId: 'o-1', at: '2026-01-02T03:04:05.000Z' });
    expect(result.context).toMatchObject({
      functionName: 'fixture-local-echo',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fixture-local-echo',
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/fixture-local-echo',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(result.context.awsRequestId).toMatch(UUID);
    expect(result.context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(result.context.remainingTimeInMillis).toBeGreaterThan(2000);
    expect(result.context.remainingTimeInMillis).toBeLessThanOrEqual(3000);
  });

  test('loads a handler on its first invocation, once, and not at all while a fault stops it', async () => {
    const lambda = runtime({ faults: 'lazy:1' });
    expect(loadsOfLazyFixture()).toBe(0);
    await expect(lambda.invoke('lazy', {})).rejects.toMatchObject({ name: 'LocalFaultInjected' });
    expect(loadsOfLazyFixture()).toBe(0);
    expect(await lambda.invoke('lazy', {})).toEqual({ loads: 1 });
    expect(await lambda.invoke('lazy', {})).toEqual({ loads: 1 });
  });

  test('accepts the serverless.yml key, the deployed name and the ARN', async () => {
    const lambda = runtime();
    expect(lambda.functionNames).toEqual(['echo', 'failing', 'slow', 'callback', 'other', 'lazy']);
    expect(lambda.arnOf('echo')).toBe('arn:aws:lambda:us-east-1:000000000000:function:fixture-local-echo');
    for (const name of ['echo', 'fixture-local-echo', lambda.arnOf('echo'), `${lambda.arnOf('echo')}:$LATEST`]) {
      expect(((await lambda.invoke(name, { via: name })) as any).event).toEqual({ via: name });
    }
    await expect(lambda.invoke('nope', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test("propagates a handler's error with its name", async () => {
    const lambda = runtime();
    await expect(lambda.invoke('failing', { sku: 'SKU-1' })).rejects.toMatchObject({ name: 'OutOfStock', message: 'SKU SKU-1 is out of stock' });
  });

  test('enforces the function timeout with a Sandbox.Timedout error', async () => {
    const lambda = runtime();
    const startedAt = Date.now();
    await expect(lambda.invoke('slow', {})).rejects.toMatchObject({ name: 'Sandbox.Timedout', message: expect.stringContaining('Task timed out after 1.00 seconds') });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(990);
  });

  test('runs callback-style handlers', async () => {
    expect(await runtime().invoke('callback', { value: 21 })).toEqual({ doubled: 42 });
  });

  test("'Event' invocations return at once; idle() waits for them; onInvocation reports each", async () => {
    const reports: InvocationReport[] = [];
    const lambda = runtime({ onInvocation: (report) => reports.push(report) });
    expect(await lambda.invoke('slow', {}, { invocationType: 'Event' })).toBeUndefined();
    expect(reports).toHaveLength(0);
    await lambda.idle();
    await lambda.invoke('echo', {});
    expect(reports.map((report) => [report.functionName, report.invocationType, report.error?.name])).toEqual([
      ['slow', 'Event', 'Sandbox.Timedout'],
      ['echo', 'RequestResponse', undefined],
    ]);
    expect(reports[0].durationMs).toBeGreaterThanOrEqual(990);
  });
});

describe('environment', () => {
  test('sets the provider and every function environment into process.env, and close() restores it', async () => {
    delete process.env.FIXTURE_ECHO_ONLY;
    const lambda = runtime();
    expect(process.env.FIXTURE_PROVIDER_LEVEL).toBe('provider');
    // Set before any handler runs, and visible to all functions (one process).
    expect(((await lambda.invoke('other', {})) as any).env).toEqual({ FIXTURE_SHARED: 'same', FIXTURE_ECHO_ONLY: 'echo-value' });
    lambda.close();
    runtimes.pop();
    expect(process.env.FIXTURE_ECHO_ONLY).toBeUndefined();
    expect(process.env.FIXTURE_PROVIDER_LEVEL).toBeUndefined();
  });

  test('refuses to start when two functions give a variable different values', () => {
    const conflicting = fixtureService({
      a: fixtureFunction('echo', { environment: { TABLE: 'one' } }),
      b: fixtureFunction('echo', { environment: { TABLE: 'two' } }),
    });
    const attempt = () => createLambdaRuntime({ service: conflicting, root: REPO_ROOT, environment: {}, faults: '' });
    expect(attempt).toThrow(EnvironmentConflictError);
    expect(attempt).toThrow(/TABLE: "one" in functions\.a\.environment vs "two" in functions\.b\.environment/);
    expect(process.env.TABLE).toBeUndefined();
  });

  test('refuses an unresolved intrinsic in a function environment', () => {
    const unresolved = fixtureService({ a: fixtureFunction('echo', { environment: { QUEUE: { Ref: 'Queue' } } }) });
    expect(() => createLambdaRuntime({ service: unresolved, root: REPO_ROOT, environment: {}, faults: '' })).toThrow(/functions\.a\.environment\.QUEUE is not a string/);
  });
});

describe('LOCAL_FAULTS', () => {
  const names = ['echo', 'failing', 'slow'];

  test.each([
    ['echo:sometimes', /cannot read "echo:sometimes"; write function:always or function:N/],
    ['echo', /cannot read "echo"/],
    ['echo:-1', /cannot read "echo:-1"/],
    ['echo:0', /positive whole number/],
    ['fulfillOrder:always', /"fulfillOrder" is not a function of serverless\.yml; known: echo, failing, slow/],
    ['echo:1,echo:2', /names echo twice/],
  ])('refuses %s at start', (spec, message) => {
    expect(() => parseFaultSpec(spec, names)).toThrow(message);
    expect(() => runtime({ faults: spec })).toThrow(message);
  });

  test('parses several entries with spaces', () => {
    expect(parseFaultSpec(' echo:always , slow:2 ', names)).toEqual([
      { functionName: 'echo', mode: 'always' },
      { functionName: 'slow', mode: 2 },
    ]);
    expect(parseFaultSpec('', names)).toEqual([]);
  });

  test('always: every invocation fails with LocalFaultInjected before the handler runs', async () => {
    const lambda = runtime({ faults: 'failing:always' });
    for (const invocation of [1, 2, 3]) {
      await expect(lambda.invoke('failing', { sku: 'x' })).rejects.toMatchObject({
        name: 'LocalFaultInjected',
        message: expect.stringMatching(new RegExp(`failing at its invocation #${invocation} `)),
      });
    }
    expect(lambda.faults.list()).toEqual([{ functionName: 'failing', mode: 'always', injected: 3 }]);
  });

  test('N: the first N invocations fail, then the handler runs', async () => {
    const lambda = runtime({ faults: 'echo:2' });
    await expect(lambda.invoke('echo', {})).rejects.toMatchObject({ name: 'LocalFaultInjected', message: expect.stringContaining('echo at its invocation #1') });
    await expect(lambda.invoke('echo', {})).rejects.toMatchObject({ name: 'LocalFaultInjected', message: expect.stringContaining('#2') });
    expect(await lambda.invoke('echo', { third: true })).toMatchObject({ event: { third: true } });
    expect(lambda.faults.list()).toEqual([]);
  });

  test('is read from process.env.LOCAL_FAULTS by default', async () => {
    process.env.LOCAL_FAULTS = 'callback:1';
    try {
      const lambda = createLambdaRuntime({ service, root: REPO_ROOT, environment: {} });
      runtimes.push(lambda);
      await expect(lambda.invoke('callback', { value: 1 })).rejects.toMatchObject({ name: 'LocalFaultInjected' });
      expect(await lambda.invoke('callback', { value: 1 })).toEqual({ doubled: 2 });
    } finally {
      delete process.env.LOCAL_FAULTS;
    }
  });

  test('run-time API: break a function, list it, heal it', async () => {
    const lambda = runtime();
    expect(await lambda.invoke('echo', { n: 1 })).toMatchObject({ event: { n: 1 } });

    lambda.faults.set('echo', 'always');
    expect(lambda.faults.list()).toEqual([{ functionName: 'echo', mode: 'always', injected: 0 }]);
    await expect(lambda.invoke('echo', {})).rejects.toMatchObject({ name: 'LocalFaultInjected', message: expect.stringContaining('echo at its invocation #2') });

    lambda.faults.clear('echo');
    expect(await lambda.invoke('echo', { n: 3 })).toMatchObject({ event: { n: 3 } });

    lambda.faults.set('echo', 1);
    lambda.faults.set('slow', 'always');
    await expect(lambda.invoke('echo', {})).rejects.toMatchObject({ name: 'LocalFaultInjected' });
    expect(await lambda.invoke('echo', { n: 5 })).toMatchObject({ event: { n: 5 } });
    lambda.faults.clear();
    expect(lambda.faults.list()).toEqual([]);

    expect(() => lambda.faults.set('nope', 'always')).toThrow(/"nope" is not a function of serverless\.yml/);
    expect(() => lambda.faults.set('echo', 0)).toThrow(/positive whole number/);
    expect(() => lambda.faults.set('echo', 'sometimes' as never)).toThrow(/positive whole number/);
  });

  test('an injector can be shared with the component that exposes it (e.g. an HTTP control endpoint)', async () => {
    const faults = createFaultInjector(Object.keys(service.functions), 'echo:always');
    const lambda = runtime({ faults });
    await expect(lambda.invoke('echo', {})).rejects.toMatchObject({ name: 'LocalFaultInjected' });
    faults.clear();
    expect(await lambda.invoke('echo', {})).toMatchObject({ event: {} });
  });
});
