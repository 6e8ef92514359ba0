import { randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { assertArn, assertValidName, executionArn, stateMachineArn, type AccountScope } from './arns';
import { analyzeDefinition, type MachineIndex } from './definition-analysis';
import { SfnApiError } from './errors';
import { Execution } from './execution';
import type { HistoryQuery } from './history';
import { cloneJson } from '../shared/json-clone';
import { prepareLibraryDefinition } from './library-definition';
import { TaskTokenRegistry } from './task-tokens';
import type {
  ExecutionDescription,
  ExecutionStatus,
  ExecutionSummary,
  HistoryPage,
  JSONValue,
  ResourceMatcher,
  StateMachineDescription,
  StateMachineSummary,
  TaskHandler,
  TaskHandlerRegistration,
} from './types';

export interface LocalStepFunctionsOptions {
  region?: string;
  accountId?: string;
  /** Later registrations win over earlier ones when several match a resource. */
  taskHandlers?: TaskHandlerRegistration[];
  /** Receives one line per noteworthy event (task failures, callbacks awaited); tokens are redacted. */
  logger?: (line: string) => void;
  /**
   * For tests of routes rather than of timing: every Retry waits this many milliseconds instead of
   * IntervalSeconds x BackoffRate (capped, jittered). MaxAttempts and ErrorEquals apply unchanged.
   */
  retryIntervalMs?: number;
}

interface StateMachineRecord {
  arn: string;
  name: string;
  roleArn: string;
  definitionJson: string;
  creationDate: Date;
  index: MachineIndex;
  libraryDefinition: StateMachineDefinition;
  executionsByName: Map<string, Execution>;
}

const DEFAULT_ROLE_ARN = 'arn:aws:iam::123456789012:role/local-stepfunctions';
const DEFAULT_PAGE_SIZE = 100;

/**
 * An in-memory Step Functions service (Standard workflows, JSONPath) on top of aws-local-stepfunctions.
 * Methods mirror the Step Functions API; failures throw SfnApiError named after the AWS error code.
 */
export class LocalStepFunctions {
  private readonly scope: AccountScope;
  private readonly handlers: TaskHandlerRegistration[];
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly executions = new Map<string, Execution>();
  private readonly tokens = new TaskTokenRegistry();
  private readonly log: (line: string) => void;
  private readonly retryIntervalMs?: number;

  constructor(options: LocalStepFunctionsOptions = {}) {
    this.scope = { region: options.region ?? 'us-east-1', accountId: options.accountId ?? '123456789012' };
    this.handlers = [...(options.taskHandlers ?? [])];
    this.log = options.logger ?? (() => undefined);
    if (options.retryIntervalMs !== undefined && !(Number.isFinite(options.retryIntervalMs) && options.retryIntervalMs >= 0)) {
      throw new RangeError(`retryIntervalMs must be a finite number >= 0, got ${options.retryIntervalMs}`);
    }
    this.retryIntervalMs = options.retryIntervalMs;
  }

  registerResource(matcher: ResourceMatcher, handler: TaskHandler): void {
    this.handlers.push({ matches: matcher, handle: handler });
  }

  createStateMachine(request: { name: string; definition: object | string; roleArn?: string; type?: string }): {
    stateMachineArn: string;
    creationDate: Date;
  } {
    const name = assertValidName(request.name, 'state machine');
    if (request.type !== undefined && request.type !== 'STANDARD') {
      throw new SfnApiError('StateMachineTypeNotSupported', `Only STANDARD state machines are supported locally, not ${request.type}`);
    }
    const definition = parseDefinition(request.definition);
    const definitionJson = JSON.stringify(definition);
    const roleArn = request.roleArn ?? DEFAULT_ROLE_ARN;
    const arn = stateMachineArn(this.scope, name);
    const existing = this.machines.get(arn);
    if (existing) {
      // AWS treats an identical CreateStateMachine as idempotent.
      if (existing.definitionJson === definitionJson && existing.roleArn === roleArn) return { stateMachineArn: arn, creationDate: existing.creationDate };
      throw new SfnApiError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    validateWithLibrary(definition);
    const index = analyzeDefinition(definition, { hasHandler: (resource) => this.resolveHandler(resource) !== undefined });
    const record: StateMachineRecord = {
      arn,
      name,
      roleArn,
      definitionJson,
      creationDate: new Date(),
      index,
      libraryDefinition: prepareLibraryDefinition(definition),
      executionsByName: new Map(),
    };
    this.machines.set(arn, record);
    return { stateMachineArn: arn, creationDate: record.creationDate };
  }

  listStateMachines(): { stateMachines: StateMachineSummary[] } {
    return { stateMachines: [...this.machines.values()].map((machine) => summarizeMachine(machine)) };
  }

  describeStateMachine(arn: string): StateMachineDescription {
    const machine = this.machine(arn);
    return {
      ...summarizeMachine(machine),
      status: 'ACTIVE',
      definition: machine.definitionJson,
      roleArn: machine.roleArn,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
    };
  }

  startExecution(request: { stateMachineArn: string; name?: string; input?: string | object }): { executionArn: string; startDate: Date } {
    const machine = this.machine(request.stateMachineArn);
    const name = assertValidName(request.name ?? randomUUID(), 'execution');
    const input = parseExecutionInput(request.input);
    const inputJson = typeof request.input === 'string' ? request.input : JSON.stringify(input);
    const existing = machine.executionsByName.get(name);
    if (existing) {
      // Same name and input while running: AWS returns the original execution (an idempotent start).
      if (existing.status === 'RUNNING' && sameJson(existing.describe().input, input)) {
        return { executionArn: existing.arn, startDate: existing.startDate };
      }
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.arn}'`);
    }
    const execution = new Execution({
      scope: this.scope,
      machine,
      executionArn: executionArn(this.scope, machine.name, name),
      executionName: name,
      input,
      inputJson,
      tokens: this.tokens,
      resolveHandler: (resource) => this.resolveHandler(resource),
      log: this.log,
      retryIntervalMs: this.retryIntervalMs,
    });
    machine.executionsByName.set(name, execution);
    this.executions.set(execution.arn, execution);
    execution.start();
    return { executionArn: execution.arn, startDate: execution.startDate };
  }

  describeExecution(arn: string): ExecutionDescription {
    return this.execution(arn).describe();
  }

  getExecutionHistory(arn: string, query: HistoryQuery = {}): HistoryPage {
    return this.execution(arn).history.page(query);
  }

  listExecutions(request: { stateMachineArn: string; statusFilter?: ExecutionStatus; maxResults?: number; nextToken?: string }): {
    executions: ExecutionSummary[];
    nextToken?: string;
  } {
    const machine = this.machine(request.stateMachineArn);
    const matching = [...machine.executionsByName.values()]
      .filter((execution) => !request.statusFilter || execution.status === request.statusFilter)
      .reverse(); // most recent first, as AWS lists them
    const offset = request.nextToken === undefined ? 0 : decodeOffset(request.nextToken);
    const size = request.maxResults || DEFAULT_PAGE_SIZE;
    const page = matching.slice(offset, offset + size).map((execution) => execution.summary());
    return offset + size < matching.length ? { executions: page, nextToken: encodeOffset(offset + size) } : { executions: page };
  }

  /** Aborts a running execution (status ABORTED); its pending callbacks then answer TaskTimedOut. */
  stopExecution(arn: string, request: { error?: string; cause?: string } = {}): { stopDate: Date } {
    return { stopDate: this.execution(arn).stop(request.error, request.cause) };
  }

  sendTaskSuccess(taskToken: string, output: string): void {
    this.tokens.succeed(taskToken, output);
  }

  sendTaskFailure(taskToken: string, error?: string, cause?: string): void {
    this.tokens.fail(taskToken, error, cause);
  }

  sendTaskHeartbeat(taskToken: string): void {
    this.tokens.heartbeat(taskToken);
  }

  /** For tests: resolves with the final description once the execution has ended; rejects at the deadline. */
  async waitForExecution(arn: string, options: { timeoutMs?: number } = {}): Promise<ExecutionDescription> {
    const execution = this.execution(arn);
    const timeoutMs = options.timeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Execution ${execution.name} still ${execution.status} after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([execution.done, deadline]);
      return execution.describe();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Aborts every running execution and waits until they have ended (releases all timers). */
  async shutdown(): Promise<void> {
    const running = [...this.executions.values()].filter((execution) => execution.status === 'RUNNING');
    for (const execution of running) execution.stop('LocalEngine.Shutdown', 'The local Step Functions engine was shut down');
    await Promise.all([...this.executions.values()].map((execution) => execution.done));
  }

  private resolveHandler(resource: string): TaskHandler | undefined {
    for (let i = this.handlers.length - 1; i >= 0; i--) if (this.handlers[i].matches(resource)) return this.handlers[i].handle;
    return undefined;
  }

  private machine(arn: unknown): StateMachineRecord {
    const machine = this.machines.get(assertArn(arn, 'stateMachine'));
    if (!machine) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(arn)}'`);
    return machine;
  }

  private execution(arn: unknown): Execution {
    const execution = this.executions.get(assertArn(arn, 'execution'));
    if (!execution) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(arn)}'`);
    return execution;
  }
}

function summarizeMachine(machine: StateMachineRecord): StateMachineSummary {
  return { stateMachineArn: machine.arn, name: machine.name, type: 'STANDARD', creationDate: machine.creationDate };
}

function parseDefinition(definition: object | string): Record<string, unknown> {
  let parsed: unknown = definition;
  if (typeof definition === 'string') {
    try {
      parsed = JSON.parse(definition);
    } catch (error) {
      throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: not valid JSON (${(error as Error).message})`);
    }
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SfnApiError('InvalidDefinition', 'Invalid State Machine Definition: not a JSON object');
  return cloneJson(parsed) as Record<string, unknown>;
}

/** The expensive part of building a library StateMachine (150-350 ms); done once per definition. */
function validateWithLibrary(definition: Record<string, unknown>): void {
  try {
    new StateMachine(cloneJson(definition) as unknown as StateMachineDefinition);
  } catch (error) {
    throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: ${(error as Error).message}`);
  }
}

function parseExecutionInput(input: string | object | undefined): JSONValue {
  if (input === undefined) return {};
  if (typeof input !== 'string') return cloneJson(input) as JSONValue;
  try {
    return JSON.parse(input) as JSONValue;
  } catch {
    throw new SfnApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input is not valid JSON');
  }
}

function sameJson(json: string, value: JSONValue): boolean {
  return JSON.stringify(JSON.parse(json)) === JSON.stringify(value);
}

function encodeOffset(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

function decodeOffset(token: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    if (Number.isInteger(offset) && (offset as number) >= 0) return offset as number;
  } catch {
    // fall through
  }
  throw new SfnApiError('InvalidToken', 'Invalid nextToken');
}
