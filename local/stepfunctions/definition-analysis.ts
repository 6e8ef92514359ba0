import { SfnApiError } from './errors';
import { isReferencePath } from './reference-path';

/**
 * aws-local-stepfunctions arms its own Node timer for every Task attempt and for Wait states; a
 * timer cannot exceed 2^31-1 ms, so this is the longest either can wait (about 24.8 days).
 */
export const LIBRARY_TIMER_LIMIT_SECONDS = 2_147_483;

type Json = Record<string, unknown>;

export interface TaskStateInfo {
  resource: string;
  isCallback: boolean;
  /** `resourceType` / `resource` as Step Functions prints them in TaskScheduled events. */
  resourceType: string;
  resourceName: string;
  /** `arn:aws:lambda:...:function:x` resources are logged as LambdaFunction* events, not Task*. */
  isLegacyLambda: boolean;
  timeoutSeconds?: number;
  timeoutSecondsPath?: string;
  heartbeatSeconds?: number;
  heartbeatSecondsPath?: string;
}

export interface StateInfo {
  name: string;
  type: string;
  definition: Json;
  /** Parallel/Map states that contain this state, outermost first. */
  enclosingGroups: string[];
  insideMapIterator: boolean;
  task?: TaskStateInfo;
}

export interface MachineIndex {
  states: Map<string, StateInfo>;
  /** Top-level TimeoutSeconds, enforced by the engine (not the library) so it may exceed 24.8 days. */
  timeoutSeconds?: number;
}

export interface AnalysisOptions {
  hasHandler(resource: string): boolean;
}

/**
 * Indexes every state of a definition and refuses, with a message naming the state, what the engine
 * cannot execute the way AWS would. Runs once, at CreateStateMachine.
 */
export function analyzeDefinition(definition: Json, options: AnalysisOptions): MachineIndex {
  const states = new Map<string, StateInfo>();
  refuseQueryLanguage(definition, 'the state machine');
  // iterations: whether this machine is a Map iterator, and whether its iterations can run concurrently
  // (any enclosing Map without MaxConcurrency 1 makes them concurrent).
  const walk = (machine: Json, enclosingGroups: string[], iterations: 'none' | 'sequential' | 'concurrent') => {
    const machineStates = (machine.States ?? {}) as Record<string, Json>;
    for (const [name, state] of Object.entries(machineStates)) {
      const where = `State '${name}'`;
      if (states.has(name)) throw refused(`${where}: state names must be unique in the whole state machine`);
      const info: StateInfo = {
        name,
        type: String(state.Type),
        definition: state,
        enclosingGroups,
        insideMapIterator: iterations !== 'none',
      };
      states.set(name, info);
      refuseQueryLanguage(state, where);
      refuseFields(state, where, ['Assign', 'Arguments', 'Output', 'Credentials'], 'JSONata/Variables fields and task Credentials are not supported');
      for (const catcher of (state.Catch ?? []) as Json[]) refuseFields(catcher, `${where} (Catch)`, ['Assign', 'Output'], 'Variables are not supported');
      for (const rule of (state.Choices ?? []) as Json[]) refuseFields(rule, `${where} (Choices)`, ['Assign', 'Condition'], 'JSONata/Variables are not supported');
      if (enclosingGroups.length > 0) refuseBranchExecutionContext(state, where);
      if (info.type === 'Task') info.task = analyzeTask(state, where, info, options);
      if (info.type === 'Wait') checkWait(state, where);
      if (info.type === 'Parallel' || info.type === 'Map') {
        if (iterations === 'concurrent' && (state.Retry || state.Catch)) {
          throw refused(
            `${where}: a ${info.type} with Retry/Catch inside a Map iterator is supported only when the enclosing Map has MaxConcurrency 1 ` +
              '(the engine cannot tell concurrent iterations apart when it cancels the branches of a failed attempt)',
          );
        }
        const inner = [...enclosingGroups, name];
        if (info.type === 'Parallel') {
          for (const branch of (state.Branches ?? []) as Json[]) walk(branch, inner, iterations);
        } else {
          checkMap(state, where);
          const sequential = state.MaxConcurrency === 1 && state.MaxConcurrencyPath === undefined && iterations !== 'concurrent';
          walk((state.ItemProcessor ?? state.Iterator) as Json, inner, sequential ? 'sequential' : 'concurrent');
        }
      }
    }
  };
  walk(definition, [], 'none');
  return { states, timeoutSeconds: typeof definition.TimeoutSeconds === 'number' ? definition.TimeoutSeconds : undefined };
}

function analyzeTask(state: Json, where: string, info: StateInfo, options: AnalysisOptions): TaskStateInfo {
  const resource = String(state.Resource);
  if (/\.sync(:2)?$/.test(resource)) throw refused(`${where}: '.sync' integrations (${resource}) are not supported`);
  if (!options.hasHandler(resource)) throw refused(`${where}: no task handler is registered for resource '${resource}'`);
  const task: TaskStateInfo = { resource, isCallback: resource.endsWith('.waitForTaskToken'), ...describeResource(resource) };
  task.timeoutSeconds = positiveSeconds(state, 'TimeoutSeconds', where);
  task.heartbeatSeconds = positiveSeconds(state, 'HeartbeatSeconds', where);
  task.timeoutSecondsPath = referencePathField(state, 'TimeoutSecondsPath', where);
  task.heartbeatSecondsPath = referencePathField(state, 'HeartbeatSecondsPath', where);
  if (task.timeoutSeconds !== undefined && task.timeoutSecondsPath !== undefined) {
    throw invalid(`${where}: TimeoutSeconds and TimeoutSecondsPath are mutually exclusive`);
  }
  if (task.heartbeatSeconds !== undefined && task.heartbeatSecondsPath !== undefined) {
    throw invalid(`${where}: HeartbeatSeconds and HeartbeatSecondsPath are mutually exclusive`);
  }
  if (task.heartbeatSeconds !== undefined && task.timeoutSeconds !== undefined && task.heartbeatSeconds >= task.timeoutSeconds) {
    throw invalid(`${where}: HeartbeatSeconds must be smaller than TimeoutSeconds`);
  }
  for (const field of ['TimeoutSeconds', 'HeartbeatSeconds'] as const) {
    const value = field === 'TimeoutSeconds' ? task.timeoutSeconds : task.heartbeatSeconds;
    if (value !== undefined && value > LIBRARY_TIMER_LIMIT_SECONDS) {
      throw refused(`${where}: ${field} ${value} is beyond the ${LIBRARY_TIMER_LIMIT_SECONDS} s (24.8 days) a task attempt can wait in the local engine`);
    }
  }
  if (info.insideMapIterator && (task.timeoutSecondsPath || task.heartbeatSecondsPath)) {
    throw refused(`${where}: TimeoutSecondsPath/HeartbeatSecondsPath inside a Map iterator are not supported (the engine cannot pair concurrent iterations with their state input)`);
  }
  return task;
}

export function describeResource(resource: string): Pick<TaskStateInfo, 'resourceType' | 'resourceName' | 'isLegacyLambda'> {
  const sdk = /^arn:aws[a-z-]*:states:::aws-sdk:([^:]+):(.+)$/.exec(resource);
  if (sdk) return { resourceType: `aws-sdk:${sdk[1]}`, resourceName: sdk[2], isLegacyLambda: false };
  const optimized = /^arn:aws[a-z-]*:states:::([^:]+):(.+)$/.exec(resource);
  if (optimized) return { resourceType: optimized[1], resourceName: optimized[2], isLegacyLambda: false };
  if (/^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:/.test(resource)) return { resourceType: 'lambda', resourceName: resource, isLegacyLambda: true };
  return { resourceType: 'custom', resourceName: resource, isLegacyLambda: false };
}

/**
 * The library runs each Parallel branch and Map iteration as a nested execution whose
 * `$$.Execution.Input` is the branch input and `$$.Execution.StartTime` the branch start; AWS keeps
 * the execution's. Rather than answer differently, refuse those references inside branches.
 */
function refuseBranchExecutionContext(state: Json, where: string): void {
  const own = { ...state, Branches: undefined, ItemProcessor: undefined, Iterator: undefined };
  for (const match of JSON.stringify(own).matchAll(/\$\$((?:\.[A-Za-z0-9_]+|\[[^\]]*\])*)/g)) {
    const path = match[1];
    if (path === '' || path === '.Execution' || path.startsWith('.Execution.Input') || path.startsWith('.Execution.StartTime')) {
      throw refused(`${where}: '$$${path}' inside a Parallel branch or Map iterator (the library would give the branch's input/start time, not the execution's)`);
    }
  }
}

function checkWait(state: Json, where: string): void {
  if (typeof state.Seconds === 'number' && state.Seconds > LIBRARY_TIMER_LIMIT_SECONDS) {
    throw refused(`${where}: Wait Seconds ${state.Seconds} is beyond the ${LIBRARY_TIMER_LIMIT_SECONDS} s (24.8 days) the local engine can wait`);
  }
  if (typeof state.Timestamp === 'string' && Date.parse(state.Timestamp) - Date.now() > LIBRARY_TIMER_LIMIT_SECONDS * 1000) {
    throw refused(`${where}: Wait Timestamp ${state.Timestamp} is more than 24.8 days away, beyond what the local engine can wait`);
  }
}

function checkMap(state: Json, where: string): void {
  const distributedOnly = ['ItemReader', 'ResultWriter', 'ItemBatcher', 'ToleratedFailurePercentage', 'ToleratedFailurePercentagePath', 'ToleratedFailureCount', 'ToleratedFailureCountPath', 'Label'];
  refuseFields(state, where, distributedOnly, 'distributed Map features are not supported');
  const processor = state.ItemProcessor as Json | undefined;
  const mode = (processor?.ProcessorConfig as Json | undefined)?.Mode;
  if (mode !== undefined && mode !== 'INLINE') throw refused(`${where}: Map ProcessorConfig.Mode '${String(mode)}' is not supported (only INLINE)`);
}

function refuseQueryLanguage(node: Json, where: string): void {
  if (node.QueryLanguage !== undefined && node.QueryLanguage !== 'JSONPath') {
    throw refused(`${where}: QueryLanguage '${String(node.QueryLanguage)}' is not supported (JSONPath only)`);
  }
}

function refuseFields(node: Json, where: string, fields: string[], why: string): void {
  const present = fields.filter((field) => node[field] !== undefined);
  if (present.length > 0) throw refused(`${where}: ${present.join(', ')}: ${why}`);
}

function positiveSeconds(state: Json, field: string, where: string): number | undefined {
  const value = state[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalid(`${where}: ${field} must be a positive integer`);
  return value;
}

function referencePathField(state: Json, field: string, where: string): string | undefined {
  const value = state[field];
  if (value === undefined) return undefined;
  if (!isReferencePath(value)) throw invalid(`${where}: ${field} must be a reference path`);
  return value;
}

function refused(message: string): SfnApiError {
  return new SfnApiError('InvalidDefinition', `Not supported by the local Step Functions engine: ${message}`);
}

function invalid(message: string): SfnApiError {
  return new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: ${message}`);
}
