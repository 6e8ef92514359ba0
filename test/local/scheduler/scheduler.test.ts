/** local/scheduler: the functions' `schedule` events read from the resolved service and run through an invoke function. */
import { parseRateExpression, scheduledEvent, schedulesOf, startLocalScheduler } from '../../../local/scheduler';
import type { ResolvedService } from '../../../local/serverless-config/load-service';
import { pollUntil } from '../../support/poll';

const where = { region: 'us-east-1', accountId: '000000000000' };

function serviceWith(functions: Record<string, Array<Record<string, any>>>): ResolvedService {
  return {
    service: 'shop',
    provider: { name: 'aws', region: 'us-east-1', stage: 'local' },
    functions: Object.fromEntries(Object.entries(functions).map(([key, events]) => [key, { handler: `functions/${key}.handler`, name: `shop-local-${key}`, events }])),
  };
}

describe('parseRateExpression', () => {
  test.each([
    ['rate(1 minute)', 60],
    ['rate(2 minutes)', 120],
    ['rate(1 hour)', 3600],
    ['rate(12 hours)', 43_200],
    ['rate(1 day)', 86_400],
  ])('%s is %i s', (expression, seconds) => expect(parseRateExpression(expression)).toBe(seconds));

  test.each(['rate(2 minute)', 'rate(1 minutes)', 'rate(0 minutes)', 'rate(5 seconds)', 'every 2 minutes'])('refuses %s as EventBridge would', (expression) => {
    expect(() => parseRateExpression(expression)).toThrow(expression);
  });

  test('cron expressions refuse the start, saying so', () => {
    expect(() => parseRateExpression('cron(0 12 * * ? *)')).toThrow(/cron expressions are not run locally/);
  });
});

describe('schedulesOf', () => {
  test('reads string and object forms, rate lists, enabled: false and input', () => {
    const service = serviceWith({
      reconcile: [{ schedule: { rate: ['rate(2 minutes)'] } }],
      report: [{ httpApi: { method: 'GET', path: '/r' } }, { schedule: 'rate(1 hour)' }, { schedule: { rate: 'rate(1 day)', enabled: false } }],
      ping: [{ schedule: { rate: ['rate(5 minutes)', 'rate(1 day)'], input: { ping: true } } }],
    });
    expect(schedulesOf(service, where)).toEqual([
      expect.objectContaining({ functionKey: 'reconcile', expression: 'rate(2 minutes)', deployedRateSeconds: 120, rateSeconds: 120, at: 'functions.reconcile.events[0].schedule' }),
      expect.objectContaining({ functionKey: 'report', expression: 'rate(1 hour)', rateSeconds: 3600, at: 'functions.report.events[1].schedule' }),
      expect.objectContaining({ functionKey: 'ping', rateSeconds: 300, input: { ping: true } }),
      expect.objectContaining({ functionKey: 'ping', rateSeconds: 86_400, input: { ping: true } }),
    ]);
    expect(schedulesOf(service, { ...where, rateSecondsOverride: 3 }).map((s) => s.rateSeconds)).toEqual([3, 3, 3, 3]);
  });
});

test('scheduledEvent has the shape of an EventBridge scheduled event', () => {
  const event = scheduledEvent('arn:aws:events:us-east-1:000000000000:rule/r', 'us-east-1', '000000000000', new Date('2030-01-01T00:00:00.123Z'));
  expect(event).toEqual({
    version: '0',
    id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: '2030-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:000000000000:rule/r'],
    detail: {},
  });
});

describe('startLocalScheduler', () => {
  test('invokes each scheduled function every period with the scheduled event; a run still going makes the next one skip', async () => {
    const invocations: Array<{ key: string; event: any }> = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const lines: string[] = [];
    const scheduler = startLocalScheduler({
      service: serviceWith({ reconcile: [{ schedule: 'rate(2 minutes)' }] }),
      invoke: async (key, event) => {
        invocations.push({ key, event });
        if (invocations.length === 1) await held; // the first run takes several periods
      },
      rateSecondsOverride: 0.05,
      ...where,
      log: (line) => lines.push(line),
    });
    try {
      await pollUntil('a skipped run', () => lines.some((line) => line.includes('still going')), { timeoutMs: 5000, intervalMs: 10 });
      expect(invocations).toHaveLength(1);
      release();
      await pollUntil('three runs', () => invocations.length >= 3, { timeoutMs: 5000, intervalMs: 10 });
      expect(invocations.every(({ key }) => key === 'reconcile')).toBe(true);
      expect(invocations[0].event).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events', resources: [expect.stringContaining(':rule/shop-local-reconcile-')] });
      expect(new Set(invocations.map(({ event }) => event.id)).size).toBe(invocations.length);
    } finally {
      await scheduler.stop();
    }
    const after = invocations.length;
    expect(scheduler.runs().length).toBeGreaterThanOrEqual(after - 1);
    await new Promise((resolve) => setTimeout(resolve, 150)); // three periods: a stopped scheduler must stay quiet
    expect(invocations).toHaveLength(after);
  });

  test('a failed run is logged and recorded, and the next period runs again', async () => {
    let calls = 0;
    const lines: string[] = [];
    const scheduler = startLocalScheduler({
      service: serviceWith({ reconcile: [{ schedule: 'rate(1 minute)' }] }),
      invoke: async () => {
        calls++;
        if (calls === 1) throw Object.assign(new Error('Stripe unreachable'), { name: 'StripeConnectionError' });
      },
      rateSecondsOverride: 0.05,
      ...where,
      log: (line) => lines.push(line),
    });
    try {
      await pollUntil('a second run', () => calls >= 2, { timeoutMs: 5000, intervalMs: 10 });
    } finally {
      await scheduler.stop();
    }
    expect(scheduler.runs()[0]).toMatchObject({ functionKey: 'reconcile', error: 'StripeConnectionError: Stripe unreachable' });
    expect(lines.some((line) => line.includes('reconcile failed: StripeConnectionError'))).toBe(true);
  });

  test('refuses a period that is not above 0', () => {
    expect(() => startLocalScheduler({ service: serviceWith({}), invoke: async () => undefined, rateSecondsOverride: 0, ...where })).toThrow(/above 0/);
  });
});

test('run: false reads and checks the schedules but never runs them', async () => {
  const lines: string[] = [];
  const invoke = jest.fn(async () => undefined);
  const scheduler = startLocalScheduler({ service: serviceWith({ reconcile: [{ schedule: 'rate(2 minutes)' }] }), invoke, rateSecondsOverride: 0.01, run: false, ...where, log: (line) => lines.push(line) });
  await scheduler.stop();
  expect(scheduler.schedules).toHaveLength(1);
  expect(lines).toEqual(['[scheduler] schedules not run (reconcile)']);
  expect(() => startLocalScheduler({ service: serviceWith({ r: [{ schedule: 'cron(0 * * * ? *)' }] }), invoke, run: false, ...where })).toThrow(/cron/);
});
