/**
 * Two families of errors live here:
 * - SfnApiError: what an API call answers (ExecutionAlreadyExists, InvalidToken...), named by its AWS code
 *   so the HTTP server can put it in `__type` unchanged.
 * - errors thrown into aws-local-stepfunctions by task overrides: their `name` is the ASL error name that
 *   Retry/Catch match and their `message` is the Cause that catchers see.
 */

export type SfnErrorCode =
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'StateMachineAlreadyExists'
  | 'StateMachineDoesNotExist'
  | 'StateMachineTypeNotSupported'
  | 'InvalidArn'
  | 'InvalidName'
  | 'InvalidDefinition'
  | 'InvalidExecutionInput'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'ValidationException'
  | 'UnknownOperationException';

export class SfnApiError extends Error {
  constructor(
    readonly code: SfnErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/**
 * Throw this from a task handler to fail the task with an explicit ASL error name and cause
 * (a plain Error fails it with `err.name` / `err.message`).
 */
export class TaskError extends Error {
  constructor(error: string, cause?: string) {
    super(cause ?? '');
    this.name = error;
  }
}

/** The library skips Retry and Catch for errors whose isRetryable / isCatchable are false. */
interface UnhandleableError {
  readonly isRetryable: false;
  readonly isCatchable: false;
}

/** `States.Runtime`: fails the execution; never retried or caught (as on AWS). */
export class StatesRuntimeError extends Error implements UnhandleableError {
  readonly isRetryable = false as const;
  readonly isCatchable = false as const;
  constructor(message: string) {
    super(message);
    this.name = 'States.Runtime';
  }
}

/**
 * Ends a task attempt that no longer belongs to a live execution or branch (stopped execution, aborted
 * Parallel/Map sibling). It must not trigger Retry (which would re-invoke the integration) or Catch.
 */
export class AttemptCancelledError extends Error implements UnhandleableError {
  readonly isRetryable = false as const;
  readonly isCatchable = false as const;
  constructor(reason: string) {
    super(reason);
    this.name = 'LocalEngine.AttemptCancelled';
  }
}

export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
