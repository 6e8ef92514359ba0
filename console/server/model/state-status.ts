/**
 * What each state of one execution did, read from its GetExecutionHistory events (the public API's
 * shape): status, attempts, input/output, the last error, and the path the execution took.
 */
export type StateStatus = 'not entered' | 'in progress' | 'retrying' | 'succeeded' | 'failed' | 'caught';

export interface HistoryEvent {
  id: number;
  previousEventId?: number;
  timestamp: string | Date;
  type: string;
  [details: string]: unknown;
}

export interface StateRun {
  name: string;
  status: StateStatus;
  /** Task attempts (scheduled) in the last entry of the state; 0 for states that call nothing. */
  attempts: number;
  enteredAt?: string;
  exitedAt?: string;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
  /** Times the state was entered in this execution (a loop back through MarkPaid, say). */
  entries: number;
}

export interface ExecutionRun {
  states: Record<string, StateRun>;
  /** The states entered, in order. */
  path: string[];
  /** Transitions taken, `from->to`. */
  transitions: string[];
  ended?: { type: string; error?: string; cause?: string; at: string };
}

const TASK_SCHEDULED = new Set(['TaskScheduled', 'LambdaFunctionScheduled']);
const TASK_FAILED = new Set(['TaskFailed', 'TaskTimedOut', 'LambdaFunctionFailed', 'LambdaFunctionTimedOut', 'TaskStartFailed', 'TaskSubmitFailed']);
const TASK_SUCCEEDED = new Set(['TaskSucceeded', 'LambdaFunctionSucceeded']);
const EXECUTION_ENDED = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

function detailsOf(event: HistoryEvent): Record<string, any> {
  for (const [key, value] of Object.entries(event)) if (key.endsWith('EventDetails') && value && typeof value === 'object') return value as Record<string, any>;
  return {};
}

function iso(value: string | Date): string {
  return typeof value === 'string' ? value : value.toISOString();
}

export function runOf(events: HistoryEvent[], stateNames: string[]): ExecutionRun {
  const states: Record<string, StateRun> = {};
  for (const name of stateNames) states[name] = { name, status: 'not entered', attempts: 0, entries: 0 };
  const path: string[] = [];
  let current: StateRun | undefined;
  let lastTaskOutcome: 'scheduled' | 'failed' | 'succeeded' | undefined;
  let ended: ExecutionRun['ended'];

  const leave = (run: StateRun, at: string) => {
    run.exitedAt ??= at;
    if (run.status === 'in progress' || run.status === 'retrying') run.status = lastTaskOutcome === 'failed' ? 'caught' : 'succeeded';
  };

  for (const event of events) {
    const details = detailsOf(event);
    const at = iso(event.timestamp);
    if (event.type.endsWith('StateEntered')) {
      if (current && !current.exitedAt) leave(current, at);
      const run = (states[details.name] ??= { name: details.name, status: 'not entered', attempts: 0, entries: 0 });
      Object.assign(run, { status: 'in progress', attempts: 0, enteredAt: at, exitedAt: undefined, input: details.input, output: undefined, error: undefined, cause: undefined });
      run.entries += 1;
      path.push(details.name);
      current = run;
      lastTaskOutcome = undefined;
      if (event.type === 'FailStateEntered') run.status = 'failed';
    } else if (event.type.endsWith('StateExited') && current) {
      current.output = details.output;
      if (current.status !== 'failed') leave(current, at);
      current.exitedAt = at;
    } else if (TASK_SCHEDULED.has(event.type) && current) {
      current.attempts += 1;
      if (current.attempts > 1) current.status = 'retrying';
      lastTaskOutcome = 'scheduled';
    } else if (TASK_FAILED.has(event.type) && current) {
      current.error = details.error;
      current.cause = details.cause;
      lastTaskOutcome = 'failed';
      current.status = 'retrying';
    } else if (TASK_SUCCEEDED.has(event.type) && current) {
      lastTaskOutcome = 'succeeded';
      current.status = 'in progress';
    } else if (EXECUTION_ENDED.has(event.type)) {
      ended = { type: event.type, error: details.error, cause: details.cause, at };
      if (current && !current.exitedAt) {
        if (event.type === 'ExecutionSucceeded') leave(current, at);
        else {
          current.status = 'failed';
          current.error ??= details.error;
          current.cause ??= details.cause;
        }
      }
    }
  }
  const transitions = path.slice(1).map((to, index) => `${path[index]}->${to}`);
  return { states, path, transitions, ended };
}

/** The accessible name of a state node, e.g. `FulfillOrder: retrying, attempt 3`. */
export function stateLabel(run: StateRun): string {
  if (run.status === 'retrying') return `${run.name}: retrying, attempt ${run.attempts}`;
  if ((run.status === 'failed' || run.status === 'caught') && run.attempts > 1) return `${run.name}: ${run.status} after ${run.attempts} attempts`;
  return `${run.name}: ${run.status}`;
}
