import { LIBRARY_TIMER_LIMIT_SECONDS, type StateInfo } from './definition-analysis';
import { dataDetails, type ExecutionHistory } from './history';
import { resolveReferencePath } from './reference-path';
import type { TaskAttemptRegistry } from './task-attempts';
import type { JSONValue } from './types';

/** The subset of aws-local-stepfunctions' event log entries the engine uses. */
export interface LibraryEvent {
  type: string;
  timestamp: number;
  state?: { name: string; type: string; input: JSONValue; output?: JSONValue };
  parentState?: { name: string };
  index?: number;
}

export interface LibraryEventRecorderDeps {
  history: ExecutionHistory;
  attempts: TaskAttemptRegistry;
  states: Map<string, StateInfo>;
  contextForPaths(): unknown;
  /** A Wait is about to sleep longer than the library's single timer can (it would end at once). */
  onOverlongWait(stateName: string, seconds: number): void;
}

/**
 * Turns the library's event log (read asynchronously, in order) into Step Functions history events,
 * and releases each task attempt once the history holds the event that opened it, so that the
 * attempt's Task* events always come after its TaskStateEntered.
 */
export class LibraryEventRecorder {
  constructor(private readonly deps: LibraryEventRecorderDeps) {}

  async record(events: AsyncGenerator<LibraryEvent>): Promise<void> {
    for await (const event of events) this.recordEvent(event);
  }

  private recordEvent(event: LibraryEvent): void {
    const { history, attempts } = this.deps;
    const at = new Date(event.timestamp);
    const state = event.state;
    switch (event.type) {
      case 'StateEntered':
        if (!state) return;
        history.add(`${state.type}StateEntered`, { name: state.name, ...dataDetails('input', state.input) }, at);
        if (state.type === 'Parallel') history.add('ParallelStateStarted', undefined, at);
        if (state.type === 'Map') history.add('MapStateStarted', { length: this.mapLength(state.name, state.input) }, at);
        attempts.markOpened(state.name, state.input);
        if (state.type === 'Wait') this.checkWaitDuration(state.name, state.input);
        return;
      case 'StateRetried':
        if (state) attempts.markOpened(state.name, state.input);
        return;
      case 'StateExited':
        if (!state) return;
        if (state.type === 'Parallel' || state.type === 'Map') history.add(`${state.type}StateSucceeded`, undefined, at);
        history.add(`${state.type}StateExited`, { name: state.name, ...dataDetails('output', state.output) }, at);
        return;
      case 'StateFailed':
        if (state && (state.type === 'Parallel' || state.type === 'Map')) history.add(`${state.type}StateFailed`, undefined, at);
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        history.add(event.type, { name: event.parentState?.name, index: event.index }, at);
        return;
      default:
      // ExecutionStarted/Succeeded/Failed/Aborted: the engine records those itself; Parallel branch
      // events and StateCaught have no counterpart in AWS history.
    }
  }

  /**
   * The library waits with a single Node timer, which fires at once beyond 24.8 days. A Wait whose
   * duration comes from the input is checked as it starts (this runs before that timer can fire).
   */
  private checkWaitDuration(stateName: string, rawInput: JSONValue): void {
    const definition = this.deps.states.get(stateName)?.definition ?? {};
    const input = effectiveInput(definition, rawInput);
    if (!input.found) return;
    let waitMs: number | undefined;
    if (typeof definition.SecondsPath === 'string') {
      const seconds = resolveReferencePath(definition.SecondsPath, input.value as JSONValue, this.deps.contextForPaths());
      if (seconds.found && typeof seconds.value === 'number') waitMs = seconds.value * 1000;
    } else {
      const timestamp =
        typeof definition.TimestampPath === 'string'
          ? resolveReferencePath(definition.TimestampPath, input.value as JSONValue, this.deps.contextForPaths())
          : { found: true, value: definition.Timestamp };
      if (timestamp.found && typeof timestamp.value === 'string') waitMs = Date.parse(timestamp.value) - Date.now();
    }
    if (waitMs !== undefined && waitMs > LIBRARY_TIMER_LIMIT_SECONDS * 1000) this.deps.onOverlongWait(stateName, Math.round(waitMs / 1000));
  }

  private mapLength(stateName: string, rawInput: JSONValue): number | undefined {
    const definition = this.deps.states.get(stateName)?.definition ?? {};
    const effective = effectiveInput(definition, rawInput);
    if (!effective.found) return undefined;
    const itemsPath = typeof definition.ItemsPath === 'string' ? definition.ItemsPath : '$';
    const items = resolveReferencePath(itemsPath, effective.value as JSONValue, undefined);
    return items.found && Array.isArray(items.value) ? items.value.length : undefined;
  }
}

/** The state input after InputPath, when InputPath is a reference path (or absent). */
function effectiveInput(definition: Record<string, unknown>, rawInput: JSONValue): { found: true; value: unknown } | { found: false } {
  if (definition.InputPath === null) return { found: true, value: {} };
  return typeof definition.InputPath === 'string' ? resolveReferencePath(definition.InputPath, rawInput, undefined) : { found: true, value: rawInput };
}
