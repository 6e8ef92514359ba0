import { deferred } from './deferred';
import { LIBRARY_TIMER_LIMIT_SECONDS, type StateInfo, type TaskStateInfo } from './definition-analysis';
import { AttemptCancelledError, StatesRuntimeError, TaskError, toError } from './errors';
import { dataDetails, type ExecutionHistory } from './history';
import { isTaskTimeoutError, taskTimeoutError } from './library-timeout-error';
import { resolveReferencePath } from './reference-path';
import { jsonWireCopy } from '../shared/json-clone';
import type { StateCursor } from './state-cursor';
import type { TaskAttempt, TaskAttemptRegistry } from './task-attempts';
import { TaskDeadline, type TaskLimits } from './task-deadline';
import { mintTaskToken, redactToken, type TaskTokenRegistry } from './task-tokens';
import type { JSONValue, TaskHandler } from './types';

export interface TaskRunnerEnv {
  executionArn: string;
  region: string;
  states: Map<string, StateInfo>;
  cursor: StateCursor;
  attempts: TaskAttemptRegistry;
  tokens: TaskTokenRegistry;
  history: ExecutionHistory;
  resolveHandler(resource: string): TaskHandler | undefined;
  /** The `$$` object as plain data, for TimeoutSecondsPath/HeartbeatSecondsPath starting with `$$`. */
  contextForPaths(): unknown;
  /** Why a new attempt of this state must not run (an enclosing Parallel/Map attempt already failed), if so. */
  cancelledScopeOf(stateName: string): string | undefined;
  log(line: string): void;
}

type CallbackOutcome = { ok: true; output: JSONValue } | { ok: false; error?: string; cause?: string };

/**
 * Runs Task attempts for one execution: it is the library's task override. The library has already
 * applied InputPath/Parameters; this adds what the library lacks: task tokens and callbacks, AWS
 * timeout/heartbeat semantics, pluggable integrations and the Task* history events.
 */
export class TaskRunner {
  constructor(private readonly env: TaskRunnerEnv) {}

  run(stateName: string, parameters: JSONValue): Promise<JSONValue> {
    const task = this.env.states.get(stateName)?.task;
    if (!task) return Promise.reject(new StatesRuntimeError(`State '${stateName}' is not a known Task state`));
    // Synchronous up to here: the cursor still describes the attempt whose Parameters were just evaluated.
    const { retryCount, token: tokenFromParameters } = this.env.cursor.takeAttempt(stateName);
    const token = task.isCallback ? (tokenFromParameters ?? mintTaskToken()) : undefined;
    const attempt = this.env.attempts.begin(stateName, retryCount, token);
    const callback = deferred<CallbackOutcome>();
    const timing: { deadline?: TaskDeadline } = {};
    if (token) {
      // Registered before the integration starts: a callback may arrive before the integration returns.
      this.env.tokens.open(token, {
        onSuccess: (output) => callback.resolve({ ok: true, output }),
        onFailure: (error, cause) => callback.resolve({ ok: false, error, cause }),
        onHeartbeat: () => timing.deadline?.heartbeat(),
      });
      attempt.onClose(() => this.env.tokens.close(token));
    }
    attempt.onClose(() => timing.deadline?.cancel());
    const cancelledScope = this.env.cancelledScopeOf(stateName);
    if (cancelledScope) attempt.cancel(cancelledScope);
    return this.execute(attempt, task, parameters, callback.promise, timing).finally(() => attempt.close());
  }

  private async execute(
    attempt: TaskAttempt,
    task: TaskStateInfo,
    parameters: JSONValue,
    callback: Promise<CallbackOutcome>,
    timing: { deadline?: TaskDeadline },
  ): Promise<JSONValue> {
    const rawInput = await Promise.race([attempt.opened.promise, attempt.cancelled.promise]);
    const limits = this.resolveLimits(task, attempt.stateName, rawInput);
    const events = new TaskEvents(this.env.history, task, this.env.region);
    events.scheduled(parameters, limits);
    events.started();

    const expired = deferred<never>();
    timing.deadline = new TaskDeadline(limits, (kind) => expired.reject(taskTimeoutError(kind)));
    const interrupted = Promise.race([expired.promise, attempt.cancelled.promise]);
    interrupted.catch(() => undefined);
    try {
      const integration = this.startIntegration(task, attempt, parameters);
      const result = attempt.token
        ? await this.awaitCallback(attempt.token, integration, callback, interrupted, events)
        : await Promise.race([integration, interrupted]);
      events.succeeded(result);
      return result;
    } catch (thrown) {
      const error = toError(thrown);
      if (error instanceof AttemptCancelledError) throw error;
      if (isTaskTimeoutError(error)) events.timedOut(error.name);
      else events.failed(error.name, error.message);
      this.env.log(`${attempt.stateName} failed with ${error.name}${attempt.token ? ` (token ${redactToken(attempt.token)})` : ''}`);
      throw error;
    }
  }

  private async awaitCallback(
    token: string,
    integration: Promise<JSONValue>,
    callback: Promise<CallbackOutcome>,
    interrupted: Promise<never>,
    events: TaskEvents,
  ): Promise<JSONValue> {
    const first = await Promise.race([
      integration.then((submitted) => ({ submitted })),
      callback.then((outcome) => ({ outcome })),
      interrupted,
    ]);
    let outcome: CallbackOutcome;
    if ('submitted' in first) {
      events.submitted(first.submitted);
      this.env.log(`waiting for a callback on token ${redactToken(token)}`);
      outcome = await Promise.race([callback, interrupted]);
    } else {
      outcome = first.outcome;
    }
    if (outcome.ok) return outcome.output;
    throw new TaskError(outcome.error ?? '', outcome.cause ?? '');
  }

  private startIntegration(task: TaskStateInfo, attempt: TaskAttempt, parameters: JSONValue): Promise<JSONValue> {
    const handler = this.env.resolveHandler(task.resource);
    const started = Promise.resolve().then(() => {
      if (!handler) throw new StatesRuntimeError(`No task handler is registered for resource '${task.resource}'`);
      return handler({
        resource: task.resource,
        parameters,
        stateName: attempt.stateName,
        executionArn: this.env.executionArn,
        ...(attempt.token ? { taskToken: attempt.token } : {}),
      });
    });
    const result = started.then(toJsonValue, (thrown: unknown) => Promise.reject(toError(thrown)));
    result.catch(() => undefined); // may settle after the attempt already ended (timeout, callback first)
    return result;
  }

  private resolveLimits(task: TaskStateInfo, stateName: string, rawInput: JSONValue): TaskLimits {
    const timeoutSeconds = task.timeoutSeconds ?? this.secondsFromPath(task.timeoutSecondsPath, 'TimeoutSecondsPath', stateName, rawInput);
    const heartbeatSeconds = task.heartbeatSeconds ?? this.secondsFromPath(task.heartbeatSecondsPath, 'HeartbeatSecondsPath', stateName, rawInput);
    if (heartbeatSeconds !== undefined && timeoutSeconds !== undefined && heartbeatSeconds >= timeoutSeconds) {
      throw new StatesRuntimeError(`State '${stateName}': the heartbeat (${heartbeatSeconds} s) must be smaller than the timeout (${timeoutSeconds} s)`);
    }
    return { timeoutSeconds, heartbeatSeconds };
  }

  /** Timeout paths are resolved against the state's raw input, as "from the state input" in the ASL docs. */
  private secondsFromPath(path: string | undefined, field: string, stateName: string, rawInput: JSONValue): number | undefined {
    if (path === undefined) return undefined;
    const resolved = resolveReferencePath(path, rawInput, this.env.contextForPaths());
    if (!resolved.found) throw new StatesRuntimeError(`State '${stateName}': Invalid path '${path}' in ${field}: no results for path`);
    const seconds = resolved.value;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1) {
      throw new StatesRuntimeError(`State '${stateName}': ${field} '${path}' must select a positive integer, got ${JSON.stringify(seconds)}`);
    }
    if (seconds > LIBRARY_TIMER_LIMIT_SECONDS) {
      throw new StatesRuntimeError(
        `State '${stateName}': ${field} '${path}' resolved to ${seconds} s, beyond the ${LIBRARY_TIMER_LIMIT_SECONDS} s (24.8 days) a task attempt can wait in the local engine`,
      );
    }
    return seconds;
  }
}

/** The Task* (or, for `arn:aws:lambda:...:function:` resources, LambdaFunction*) history events of one attempt. */
class TaskEvents {
  constructor(
    private readonly history: ExecutionHistory,
    private readonly task: TaskStateInfo,
    private readonly region: string,
  ) {}

  private get resourceFields() {
    return { resourceType: this.task.resourceType, resource: this.task.resourceName };
  }

  scheduled(parameters: JSONValue, limits: TaskLimits): void {
    if (this.task.isLegacyLambda) {
      this.history.add('LambdaFunctionScheduled', { resource: this.task.resource, ...dataDetails('input', parameters), timeoutInSeconds: limits.timeoutSeconds });
      return;
    }
    this.history.add('TaskScheduled', {
      ...this.resourceFields,
      region: this.region,
      parameters: JSON.stringify(parameters),
      timeoutInSeconds: limits.timeoutSeconds,
      heartbeatInSeconds: limits.heartbeatSeconds,
    });
  }

  started(): void {
    if (this.task.isLegacyLambda) this.history.add('LambdaFunctionStarted');
    else this.history.add('TaskStarted', this.resourceFields);
  }

  submitted(output: JSONValue): void {
    this.history.add('TaskSubmitted', { ...this.resourceFields, ...dataDetails('output', output) });
  }

  succeeded(output: JSONValue): void {
    if (this.task.isLegacyLambda) this.history.add('LambdaFunctionSucceeded', dataDetails('output', output));
    else this.history.add('TaskSucceeded', { ...this.resourceFields, ...dataDetails('output', output) });
  }

  failed(error: string, cause: string): void {
    const details = { error: error || undefined, cause: cause || undefined };
    if (this.task.isLegacyLambda) this.history.add('LambdaFunctionFailed', details);
    else this.history.add('TaskFailed', { ...this.resourceFields, ...details });
  }

  timedOut(error: string): void {
    if (this.task.isLegacyLambda) this.history.add('LambdaFunctionTimedOut', { error });
    else this.history.add('TaskTimedOut', { ...this.resourceFields, error });
  }
}

function toJsonValue(value: unknown): JSONValue {
  return jsonWireCopy(value) as JSONValue;
}
