import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { AccountScope } from './arns';
import { buildContextObject } from './context-object';
import { deferred } from './deferred';
import { LIBRARY_TIMER_LIMIT_SECONDS, type MachineIndex, type StateInfo } from './definition-analysis';
import { toError } from './errors';
import { dataDetails, ExecutionHistory } from './history';
import { instrumentDefinition, type DefinitionHooks } from './library-definition';
import { LibraryEventRecorder, type LibraryEvent } from './library-events';
import { loadLibraryTimeoutErrorClass } from './library-timeout-error';
import { LongTimer } from './long-timer';
import { StateCursor } from './state-cursor';
import { TaskAttemptRegistry } from './task-attempts';
import { TaskRunner } from './task-runner';
import type { TaskTokenRegistry } from './task-tokens';
import type { ExecutionDescription, ExecutionStatus, ExecutionSummary, JSONValue, TaskHandler } from './types';

/** What an execution needs to know about its state machine. */
export interface MachineForExecution {
  arn: string;
  name: string;
  roleArn: string;
  index: MachineIndex;
  /** The definition as prepared for the library (see prepareLibraryDefinition). */
  libraryDefinition: StateMachineDefinition;
}

export interface ExecutionDeps {
  scope: AccountScope;
  machine: MachineForExecution;
  executionArn: string;
  executionName: string;
  input: JSONValue;
  /** The input as the caller sent it (DescribeExecution returns it unchanged). */
  inputJson: string;
  tokens: TaskTokenRegistry;
  resolveHandler(resource: string): TaskHandler | undefined;
  log(line: string): void;
  /** Replaces every retrier's computed wait (see LocalStepFunctionsOptions.retryIntervalMs). */
  retryIntervalMs?: number;
}

type Outcome = { ok: true; output: JSONValue } | { ok: false; error: unknown };

/**
 * One execution: drives aws-local-stepfunctions in the background, turns its event log and the task
 * attempts into AWS-shaped history, and enforces what the library does not (execution timeout, stop).
 */
export class Execution {
  readonly startDate = new Date();
  readonly history: ExecutionHistory;
  private currentStatus: ExecutionStatus = 'RUNNING';
  private stopDate?: Date;
  private outputJson?: string;
  private error?: string;
  private cause?: string;
  private readonly cursor = new StateCursor();
  private readonly attempts = new TaskAttemptRegistry();
  private readonly groups = new GroupAttempts();
  private readonly finished = deferred<void>();
  private abortLibraryRun?: () => void;
  private executionTimer?: LongTimer;
  /** Set by stop() or the execution timeout; its history event is appended once the library's log is drained. */
  private endedEarly?: { type: string; details: Record<string, unknown> };
  private completed = false;

  constructor(private readonly deps: ExecutionDeps) {
    this.history = new ExecutionHistory(deps.executionArn);
  }

  get status(): ExecutionStatus {
    return this.currentStatus;
  }

  get arn(): string {
    return this.deps.executionArn;
  }

  get name(): string {
    return this.deps.executionName;
  }

  /** Resolves when the execution has ended and its history is complete. */
  get done(): Promise<void> {
    return this.finished.promise;
  }

  start(): void {
    this.run().catch((internal: unknown) => {
      this.deps.log(`internal error in execution ${this.name}: ${toError(internal).stack}`);
      this.endEarly('FAILED', 'ExecutionFailed', { error: 'States.Runtime', cause: `Local engine error: ${toError(internal).message}` });
      this.complete({ ok: false, error: internal });
    });
  }

  stop(error?: string, cause?: string): Date {
    this.endEarly('ABORTED', 'ExecutionAborted', { error, cause });
    return this.stopDate as Date;
  }

  summary(): ExecutionSummary {
    return {
      executionArn: this.arn,
      stateMachineArn: this.deps.machine.arn,
      name: this.name,
      status: this.status,
      startDate: this.startDate,
      ...(this.stopDate ? { stopDate: this.stopDate } : {}),
    };
  }

  describe(): ExecutionDescription {
    return {
      ...this.summary(),
      input: this.deps.inputJson,
      inputDetails: { included: true },
      ...(this.outputJson !== undefined ? { output: this.outputJson, outputDetails: { included: true } } : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
      ...(this.cause !== undefined ? { cause: this.cause } : {}),
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    };
  }

  private async run(): Promise<void> {
    const { machine } = this.deps;
    this.history.add('ExecutionStarted', { ...dataDetails('input', this.deps.input), roleArn: machine.roleArn }, this.startDate);
    if (machine.index.timeoutSeconds !== undefined) {
      this.executionTimer = new LongTimer(machine.index.timeoutSeconds * 1000, () =>
        this.endEarly('TIMED_OUT', 'ExecutionTimedOut', { error: 'States.Timeout' }),
      );
    }
    await loadLibraryTimeoutErrorClass();
    if (this.status !== 'RUNNING') return this.complete(undefined);

    const runner = new TaskRunner({
      executionArn: this.arn,
      region: this.deps.scope.region,
      states: machine.index.states,
      cursor: this.cursor,
      attempts: this.attempts,
      tokens: this.deps.tokens,
      history: this.history,
      resolveHandler: this.deps.resolveHandler,
      contextForPaths: () => this.contextAsData(),
      cancelledScopeOf: (stateName) => this.cancelledScopeOf(stateName),
      log: this.deps.log,
    });
    const taskOverrides = Object.fromEntries(
      [...machine.index.states.values()].filter((state) => state.task).map((state) => [state.name, (input: JSONValue) => runner.run(state.name, input)]),
    );
    const context = buildContextObject(
      { executionArn: this.arn, executionName: this.name, roleArn: machine.roleArn, stateMachineArn: machine.arn, stateMachineName: machine.name },
      this.cursor,
      (stateName) => machine.index.states.get(stateName)?.task?.isCallback === true,
    );
    // Validated once at CreateStateMachine; this per-execution instance only binds the hooks (microseconds).
    const stateMachine = new StateMachine(instrumentDefinition(machine.libraryDefinition, this.hooks()), { validationOptions: { noValidate: true } });
    const run = stateMachine.run(this.deps.input, {
      context,
      overrides: { taskResourceLocalHandlers: taskOverrides, retryIntervalOverrides: this.retryIntervalOverrides() },
      noThrowOnAbort: true,
    });
    this.abortLibraryRun = run.abort;
    const recorder = new LibraryEventRecorder({
      history: this.history,
      attempts: this.attempts,
      states: machine.index.states,
      contextForPaths: () => this.contextAsData(),
      onOverlongWait: (stateName, seconds) =>
        this.endEarly('FAILED', 'ExecutionFailed', {
          error: 'States.Runtime',
          cause: `State '${stateName}': a Wait of ${seconds} s is beyond the ${LIBRARY_TIMER_LIMIT_SECONDS} s (24.8 days) the local engine can wait`,
        }),
    });
    const recorded = recorder.record(run.eventLogs as AsyncGenerator<LibraryEvent>);
    const outcome: Outcome = await run.result.then(
      (output) => ({ ok: true as const, output }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    await recorded;
    this.complete(outcome);
  }

  /** The library's per-state override (ms, no jitter), for every state that has a Retry. */
  private retryIntervalOverrides(): Record<string, number> | undefined {
    const ms = this.deps.retryIntervalMs;
    if (ms === undefined) return undefined;
    const retrying = [...this.deps.machine.index.states.values()].filter((state) => Array.isArray(state.definition.Retry));
    return Object.fromEntries(retrying.map((state) => [state.name, ms]));
  }

  private hooks(): DefinitionHooks {
    const isGroup = (name: string) => ['Parallel', 'Map'].includes(this.stateInfo(name)?.type ?? '');
    return {
      stateLookedUp: (name) => {
        this.cursor.stateLookedUp(name);
        if (isGroup(name)) this.groups.entered(name);
      },
      attemptStarting: (name) => {
        this.cursor.attemptStarting(name);
        if (isGroup(name)) this.groups.attemptStarted(name);
      },
      failureHandling: (name) => {
        // A Task failing while its attempt is still open, 24.8 days after it started, was failed by the
        // library's own per-attempt timer (see LIBRARY_TIMER_LIMIT_SECONDS), not by the task: end the
        // execution explicitly rather than let Retry/Catch treat it as the task's timeout.
        if (this.stateInfo(name)?.task && this.attempts.hasOpenAttemptOlderThan(name, LIBRARY_TIMER_LIMIT_SECONDS * 1000 - 1000)) {
          this.endEarly('FAILED', 'ExecutionFailed', {
            error: 'States.Runtime',
            cause: `State '${name}': a task attempt cannot wait longer than ${LIBRARY_TIMER_LIMIT_SECONDS} s (24.8 days) in the local engine`,
          });
          return;
        }
        // The library has aborted the branches of this Parallel/Map but cannot cancel their pending
        // tasks: cancel them here, so they stop waiting, and never retry (which would re-invoke them).
        if (isGroup(name) && this.groups.attemptFailed(name)) {
          this.attempts.cancelWhere(
            (attempt) => this.stateInfo(attempt.stateName)?.enclosingGroups.includes(name) === true,
            `${this.stateInfo(name)?.type} state '${name}' failed`,
          );
        }
      },
      evaluatingLater: (name) => this.cursor.focus(name),
    };
  }

  private cancelledScopeOf(stateName: string): string | undefined {
    if (this.status !== 'RUNNING') return `the execution has ended (${this.status})`;
    const failedGroup = this.stateInfo(stateName)?.enclosingGroups.find((group) => this.groups.hasFailed(group));
    return failedGroup ? `'${failedGroup}' already failed; '${stateName}' belongs to an abandoned branch or iteration` : undefined;
  }

  private endEarly(status: ExecutionStatus, type: string, details: { error?: string; cause?: string }): void {
    if (this.status !== 'RUNNING') return;
    this.currentStatus = status;
    this.stopDate = new Date();
    this.error = details.error;
    this.cause = details.cause;
    this.endedEarly = { type, details };
    this.executionTimer?.cancel();
    this.abortLibraryRun?.();
    this.attempts.cancelAll(`the execution ended (${status})`);
  }

  private complete(outcome: Outcome | undefined): void {
    if (this.completed) return;
    this.completed = true;
    this.executionTimer?.cancel();
    // Tasks of branches the library abandoned may still wait: release them and their timers.
    this.attempts.cancelAll('the execution has ended');
    if (this.endedEarly) {
      this.history.add(this.endedEarly.type, this.endedEarly.details, this.stopDate);
    } else if (outcome?.ok) {
      this.currentStatus = 'SUCCEEDED';
      this.stopDate = new Date();
      this.outputJson = JSON.stringify(outcome.output);
      this.history.add('ExecutionSucceeded', dataDetails('output', outcome.output), this.stopDate);
    } else {
      this.currentStatus = 'FAILED';
      this.stopDate = new Date();
      const failure = describeFailure(outcome?.error);
      this.error = failure.error;
      this.cause = failure.cause;
      this.history.add('ExecutionFailed', failure, this.stopDate);
    }
    this.finished.resolve();
  }

  private stateInfo(name: string): StateInfo | undefined {
    return this.deps.machine.index.states.get(name);
  }

  private contextAsData(): unknown {
    const { machine } = this.deps;
    return {
      Execution: { Id: this.arn, Input: this.deps.input, Name: this.name, RoleArn: machine.roleArn, StartTime: this.startDate.toISOString(), RedriveCount: 0 },
      StateMachine: { Id: machine.arn, Name: machine.name },
      State: { Name: this.cursor.stateName, EnteredTime: this.cursor.enteredTime, RetryCount: this.cursor.retryCount },
    };
  }
}

/** Which Parallel/Map states have an attempt in progress, and which saw their latest attempt fail. */
class GroupAttempts {
  private readonly active = new Set<string>();
  private readonly failed = new Set<string>();

  entered(name: string): void {
    this.active.delete(name);
    this.failed.delete(name);
  }

  attemptStarted(name: string): void {
    this.active.add(name);
    this.failed.delete(name);
  }

  /** True when an attempt in progress just failed (the library also asks "Retry?" when it enters a state). */
  attemptFailed(name: string): boolean {
    if (!this.active.delete(name)) return false;
    this.failed.add(name);
    return true;
  }

  hasFailed(name: string): boolean {
    return this.failed.has(name);
  }
}

const FAIL_STATE_DEFAULT_CAUSE = 'Execution failed because of a Fail state';

/** ExecutionFailed error/cause from what the library's run rejected with (an ExecutionError wrapping the state's error). */
function describeFailure(rejection: unknown): { error?: string; cause?: string } {
  const failure = toError((rejection as { cause?: unknown } | undefined)?.cause ?? rejection);
  let error: string | undefined = failure.name;
  let cause: string | undefined = failure.message;
  // A Fail state without Error/Cause: the library fills in placeholders that AWS does not report.
  if (failure.constructor.name === 'FailStateError') {
    if (error === 'FailStateError') error = undefined;
    if (cause === FAIL_STATE_DEFAULT_CAUSE) cause = undefined;
  }
  // AWS reports an unmatched Choice as States.Runtime (States.NoChoiceMatched is reserved).
  if (error === 'States.NoChoiceMatched') error = 'States.Runtime';
  return { error: error || undefined, cause: cause || undefined };
}
