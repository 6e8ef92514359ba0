import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { LIBRARY_TIMER_LIMIT_SECONDS } from './definition-analysis';
import { cloneJson } from '../shared/json-clone';

type Json = Record<string, unknown>;

/**
 * The definition handed to aws-local-stepfunctions differs from the user's in ways that keep
 * behaviour faithful to AWS; computed once per state machine:
 * - Task timeouts and heartbeats are enforced by the engine (TimeoutSecondsPath is resolved against
 *   the raw state input, no TimeoutSeconds means no timeout, HeartbeatSeconds exists at all). The
 *   library's own per-attempt timer cannot be switched off, so it is set to its maximum as a backstop.
 * - The top-level TimeoutSeconds is enforced by the engine with chained timers (the library's single
 *   timer fires at once beyond 24.8 days).
 * - `ResultPath: "$"` is dropped: the library writes the result under a key literally named "$";
 *   omitting ResultPath has the meaning AWS gives to "$".
 * - A Pass `Result` that is falsy (0, false, "", null) is ignored by the library; it becomes a
 *   constant Parameters, which the library does apply.
 * - A heartbeat timeout fails a task with States.HeartbeatTimeout, which AWS also lets a
 *   `States.Timeout` retrier/catcher match; such matchers get States.HeartbeatTimeout added.
 */
export function prepareLibraryDefinition(definition: Json): StateMachineDefinition {
  const copy = cloneJson(definition);
  delete copy.TimeoutSeconds;
  prepareStates(copy);
  return copy as unknown as StateMachineDefinition;
}

function prepareStates(machine: Json): void {
  for (const state of Object.values((machine.States ?? {}) as Record<string, Json>)) {
    dropRootResultPath(state);
    for (const catcher of (state.Catch ?? []) as Json[]) dropRootResultPath(catcher);
    for (const matcher of [...((state.Retry ?? []) as Json[]), ...((state.Catch ?? []) as Json[])]) widenTimeoutMatcher(matcher);
    if (state.Type === 'Task') {
      for (const field of ['TimeoutSecondsPath', 'HeartbeatSeconds', 'HeartbeatSecondsPath']) delete state[field];
      state.TimeoutSeconds = LIBRARY_TIMER_LIMIT_SECONDS;
    }
    if (state.Type === 'Pass' && 'Result' in state && !state.Result) {
      state.Parameters = state.Result as never;
      delete state.Result;
    }
    if (state.Type === 'Parallel') for (const branch of (state.Branches ?? []) as Json[]) prepareStates(branch);
    if (state.Type === 'Map') prepareStates((state.ItemProcessor ?? state.Iterator) as Json);
  }
}

function dropRootResultPath(node: Json): void {
  if (node.ResultPath === '$') delete node.ResultPath;
}

function widenTimeoutMatcher(matcher: Json): void {
  const names = matcher.ErrorEquals as string[] | undefined;
  if (names?.includes('States.Timeout') && !names.includes('States.HeartbeatTimeout')) names.push('States.HeartbeatTimeout');
}

/**
 * The moments of an execution that the library does not expose but that Step Functions semantics
 * need ($$.State.*, per-attempt task tokens, cancelling the branches of a failed Parallel/Map).
 * Each is observed as the library reads the definition, synchronously, just before it acts:
 * - `stateLookedUp`: the interpreter fetched a state to enter it (not called for retries);
 * - `attemptStarting`: it is about to apply InputPath/Parameters for an attempt (entry or retry);
 * - `failureHandling`: it is deciding whether to retry a state that just failed (a Parallel/Map
 *   reaching this point has already aborted its other branches);
 * - `evaluatingLater`: it is about to evaluate ResultSelector, or a Map ItemSelector, of that state.
 */
export interface DefinitionHooks {
  stateLookedUp(stateName: string): void;
  attemptStarting(stateName: string): void;
  failureHandling(stateName: string): void;
  evaluatingLater(stateName: string): void;
}

/** Wraps a prepared definition (per execution: cheap) so that the library's reads call the hooks. */
export function instrumentDefinition(prepared: StateMachineDefinition, hooks: DefinitionHooks): StateMachineDefinition {
  return instrumentMachine(prepared as unknown as Json, hooks) as unknown as StateMachineDefinition;
}

function instrumentMachine(machine: Json, hooks: DefinitionHooks): Json {
  const states: Record<string, Json> = {};
  for (const [name, state] of Object.entries(machine.States as Record<string, Json>)) states[name] = instrumentState(name, state, hooks);
  const statesView = new Proxy(states, {
    get(target, key, receiver) {
      if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(target, key)) hooks.stateLookedUp(key);
      return Reflect.get(target, key, receiver);
    },
  });
  return { ...machine, States: statesView };
}

function instrumentState(name: string, state: Json, hooks: DefinitionHooks): Json {
  const target: Json = { ...state };
  if (Array.isArray(state.Branches)) target.Branches = (state.Branches as Json[]).map((branch) => instrumentMachine(branch, hooks));
  if (state.ItemProcessor) target.ItemProcessor = instrumentMachine(state.ItemProcessor as Json, hooks);
  if (state.Iterator) target.Iterator = instrumentMachine(state.Iterator as Json, hooks);
  const isMap = state.Type === 'Map';
  return new Proxy(target, {
    has(object, key) {
      if (key === 'InputPath') hooks.attemptStarting(name);
      else if (key === 'Retry') hooks.failureHandling(name);
      else if (key === 'ResultSelector') hooks.evaluatingLater(name);
      return Reflect.has(object, key);
    },
    get(object, key, receiver) {
      if (isMap && (key === 'ItemSelector' || key === 'Parameters')) hooks.evaluatingLater(name);
      return Reflect.get(object, key, receiver);
    },
  });
}
