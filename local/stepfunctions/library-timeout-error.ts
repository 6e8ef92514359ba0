import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

type TimeoutErrorClass = new () => Error;

let loading: Promise<TimeoutErrorClass> | undefined;
let loaded: TimeoutErrorClass | undefined;

/**
 * The library's `States.TaskFailed` matcher excludes timeouts by `instanceof` its own (unexported)
 * StatesTimeoutError class, so engine-enforced timeouts must be instances of that class. It is
 * obtained once per process by letting a throwaway task time out after 1 ms.
 */
export function loadLibraryTimeoutErrorClass(): Promise<TimeoutErrorClass> {
  loading ??= (async () => {
    const probe: StateMachineDefinition = {
      StartAt: 'Probe',
      States: { Probe: { Type: 'Task', Resource: 'arn:aws:states:::local:probe', TimeoutSeconds: 0.001, End: true } },
    };
    const run = new StateMachine(probe, { validationOptions: { noValidate: true } }).run(null, {
      overrides: { taskResourceLocalHandlers: { Probe: () => new Promise(() => undefined) } },
    });
    try {
      await run.result;
    } catch (error) {
      const timeout = (error as { cause?: Error }).cause;
      if (timeout?.name === 'States.Timeout') {
        loaded = timeout.constructor as TimeoutErrorClass;
        return loaded;
      }
    }
    throw new Error('aws-local-stepfunctions did not report States.Timeout as expected; the engine cannot enforce task timeouts');
  })();
  return loading;
}

/** A task timeout as the library itself would raise it (call after loadLibraryTimeoutErrorClass). */
export function taskTimeoutError(errorName: 'States.Timeout' | 'States.HeartbeatTimeout'): Error {
  if (!loaded) throw new Error('loadLibraryTimeoutErrorClass() has not completed');
  const error = new loaded();
  error.name = errorName;
  // AWS reports task time-outs without a cause; catchers then see Cause "".
  error.message = '';
  return error;
}

export function isTaskTimeoutError(error: unknown): boolean {
  return loaded !== undefined && error instanceof loaded;
}
