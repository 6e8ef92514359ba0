/**
 * EventBridge schedules, locally: each `schedule` event of serverless.yml's functions (the resolved
 * service) invokes its function through the local Lambda runtime every period, with the event an
 * EventBridge rule sends (a "Scheduled Event", or the schedule's `input`).
 *
 * What differs from AWS: the first run comes one period after start (AWS: soon after the rule is
 * created); a run still going when the next one is due makes that one skip, logged (AWS starts it
 * anyway, concurrently); a failed run is logged, not retried (AWS retries an async invocation
 * twice). `rateSecondsOverride` runs every schedule at another period, for tests. `rate(...)` only:
 * a `cron(...)` expression refuses the start.
 */
import { randomUUID } from 'node:crypto';
import type { ResolvedService } from '../serverless-config/load-service';

export interface FunctionSchedule {
  functionKey: string;
  /** Where it is declared: functions.<key>.events[i].schedule */
  at: string;
  expression: string;
  /** The period as deployed. */
  deployedRateSeconds: number;
  /** The period it runs at here (the override, or as deployed). */
  rateSeconds: number;
  ruleArn: string;
  input?: unknown;
}

export interface ScheduleRunReport {
  functionKey: string;
  startedAt: string;
  durationMs: number;
  error?: string;
}

export interface LocalScheduler {
  schedules: FunctionSchedule[];
  /** Completed runs so far, oldest first. */
  runs(): ScheduleRunReport[];
  stop(): Promise<void>;
}

export interface LocalSchedulerOptions {
  service: ResolvedService;
  invoke(functionKey: string, event: unknown): Promise<unknown>;
  /** Every schedule's period, in seconds, instead of the deployed one (tests). */
  rateSecondsOverride?: number;
  /** false: the schedules are read and checked but never run (tests of what happens without them). Default true. */
  run?: boolean;
  region: string;
  accountId: string;
  log?: (line: string) => void;
}

const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };

/** `rate(1 minute)`, `rate(5 minutes)`, `rate(2 hours)`, `rate(1 day)`: EventBridge's rate syntax (singular for 1, plural otherwise). */
export function parseRateExpression(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!match) {
    throw new Error(
      `schedule "${expression}": the local cloud runs rate(<n> minute(s)|hour(s)|day(s)) expressions only` +
        (expression.trim().startsWith('cron(') ? ' (cron expressions are not run locally)' : ''),
    );
  }
  const value = Number(match[1]);
  const unit = match[2].replace(/s$/, '');
  if (value < 1) throw new Error(`schedule "${expression}": the value must be at least 1`);
  if ((value === 1) !== (match[2] === unit)) throw new Error(`schedule "${expression}": EventBridge wants "1 ${unit}" and "${value === 1 ? 2 : value} ${unit}s"`);
  return value * UNIT_SECONDS[unit];
}

/** The event an EventBridge rule's schedule sends its target when no `input` is set. */
export function scheduledEvent(ruleArn: string, region: string, accountId: string, now = new Date()) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: accountId,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [ruleArn],
    detail: {},
  };
}

/** The `schedule` events of the service: `schedule: rate(...)` or `schedule: { rate: ... | [...], enabled, input }`. */
export function schedulesOf(service: ResolvedService, options: { region: string; accountId: string; rateSecondsOverride?: number }): FunctionSchedule[] {
  const schedules: FunctionSchedule[] = [];
  for (const [functionKey, fn] of Object.entries(service.functions)) {
    (fn.events ?? []).forEach((event, index) => {
      const config = event.schedule;
      if (config === undefined) return;
      const settings: Record<string, any> = typeof config === 'string' ? { rate: config } : config;
      if (settings.enabled === false) return;
      const expressions: string[] = Array.isArray(settings.rate) ? settings.rate : [settings.rate];
      expressions.forEach((expression, n) => {
        const at = `functions.${functionKey}.events[${index}].schedule`;
        if (typeof expression !== 'string') throw new Error(`${at}: rate must be a schedule expression, got ${JSON.stringify(expression)}`);
        const deployedRateSeconds = parseRateExpression(expression);
        const ruleName = settings.name ?? `${service.service}-${service.provider.stage}-${functionKey}-schedule-${index + 1}${expressions.length > 1 ? `-${n + 1}` : ''}`;
        schedules.push({
          functionKey,
          at,
          expression,
          deployedRateSeconds,
          rateSeconds: options.rateSecondsOverride ?? deployedRateSeconds,
          ruleArn: `arn:aws:events:${options.region}:${options.accountId}:rule/${ruleName}`,
          input: settings.input,
        });
      });
    });
  }
  return schedules;
}

export function startLocalScheduler(options: LocalSchedulerOptions): LocalScheduler {
  const { region, accountId, log = () => undefined } = options;
  if (options.rateSecondsOverride !== undefined && !(options.rateSecondsOverride > 0)) {
    throw new Error(`the schedules' period must be above 0 seconds, got ${options.rateSecondsOverride}`);
  }
  const schedules = schedulesOf(options.service, { region, accountId, rateSecondsOverride: options.rateSecondsOverride });
  const runs: ScheduleRunReport[] = [];
  const running = new Map<FunctionSchedule, Promise<void>>();
  let stopped = false;

  const run = (schedule: FunctionSchedule) => {
    if (stopped) return;
    if (running.has(schedule)) {
      log(`[scheduler] ${schedule.functionKey}: the previous run is still going; this one is skipped`);
      return;
    }
    const startedAt = Date.now();
    const event = schedule.input !== undefined ? schedule.input : scheduledEvent(schedule.ruleArn, region, accountId, new Date(startedAt));
    const done = options
      .invoke(schedule.functionKey, event)
      .then(
        () => runs.push({ functionKey: schedule.functionKey, startedAt: new Date(startedAt).toISOString(), durationMs: Date.now() - startedAt }),
        (error: Error) => {
          runs.push({ functionKey: schedule.functionKey, startedAt: new Date(startedAt).toISOString(), durationMs: Date.now() - startedAt, error: `${error.name}: ${error.message}` });
          log(`[scheduler] ${schedule.functionKey} failed: ${error.name}: ${error.message} (not retried; the next run comes in ${schedule.rateSeconds} s)`);
        },
      )
      .finally(() => running.delete(schedule));
    running.set(schedule, done.then(() => undefined));
  };

  const enabled = options.run ?? true;
  const timers = (enabled ? schedules : []).map((schedule) => {
    const timer = setInterval(() => run(schedule), schedule.rateSeconds * 1000);
    timer.unref();
    return timer;
  });
  if (!enabled) log(`[scheduler] schedules not run (${schedules.map((s) => s.functionKey).join(', ') || 'none'})`);
  for (const schedule of enabled ? schedules : []) {
    log(`[scheduler] ${schedule.functionKey} every ${schedule.rateSeconds} s (${schedule.expression}${schedule.rateSeconds !== schedule.deployedRateSeconds ? ' deployed' : ''})`);
  }

  return {
    schedules,
    runs: () => runs.map((report) => ({ ...report })),
    async stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await Promise.all(running.values());
    },
  };
}
