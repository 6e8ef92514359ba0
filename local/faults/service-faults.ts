/**
 * Service faults: the services of the local cloud failing as they do in production, on demand.
 * This file holds what can be asked for (the catalogue), its validation, the LOCAL_FAULTS syntax
 * for services, and the registry that decides, call by call, whether a fault strikes. Where the
 * strike lands and how it looks on the wire: sdk-faults.ts (DynamoDB, SQS, SNS, Step Functions),
 * the Stripe emulator's HTTP server (local/stripe-emulator/faults.ts), the state machine's Lambda
 * invoke and the Lambda runtime (local/cloud.ts, local/lambda/invoker.ts), the SQS event source
 * (local/messaging/sqs-event-source.ts). docs/local-faults.md documents the syntax.
 */
import { mappedOperations } from '../iam/sdk-authorization';
import { STRIPE_OPERATIONS } from '../stripe-emulator/faults';
import { AWS_ERRORS } from './aws-errors';

export const SERVICE_NAMES = ['dynamodb', 'sqs', 'sns', 'stepfunctions', 'lambda', 'stripe'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * Where a fault strikes:
 *  - `sdk`: an AWS SDK call of a function or of the state machine's direct integrations;
 *  - `lambda-invoke`: the Lambda service answering the state machine's invoke (Lambda.* errors);
 *  - `lambda-runtime`: a function's invocation itself (timeout, crash), whoever invoked it;
 *  - `sqs-delivery`: the SQS event source handing messages to a function;
 *  - `stripe`: the Stripe emulator's HTTP server.
 */
export type StrikePath = 'sdk' | 'lambda-invoke' | 'lambda-runtime' | 'sqs-delivery' | 'stripe';

interface ErrorKind {
  path: StrikePath;
  /** The operations it can strike; undefined: any of the service's; []: operations do not apply. */
  operations?: string[];
  /** Whether it can strike after the work is done (`when: "after"`), and whether that is its default. */
  after: 'allowed' | 'default' | 'never';
}

const CALLBACKS = ['SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat'];
const sdkErrors = (service: keyof typeof AWS_ERRORS, restricted: Record<string, string[]> = {}): Record<string, ErrorKind> => ({
  ...Object.fromEntries(Object.keys(AWS_ERRORS[service]).map((name) => [name, { path: 'sdk' as const, operations: restricted[name], after: 'allowed' as const }])),
  // The connection drops: before the request reached the service, or (when: after) with its answer lost.
  ConnectionReset: { path: 'sdk', after: 'allowed' },
});

const CATALOGUE: Record<ServiceName, Record<string, ErrorKind>> = {
  dynamodb: sdkErrors('dynamodb', { TransactionCanceledException: ['TransactWriteItems', 'TransactGetItems'] }),
  sqs: {
    ...sdkErrors('sqs'),
    DuplicateDelivery: { path: 'sqs-delivery', operations: [], after: 'never' },
    ReturnedBeforeDelete: { path: 'sqs-delivery', operations: [], after: 'never' },
  },
  sns: sdkErrors('sns'),
  stepfunctions: sdkErrors('states', { TaskTimedOut: CALLBACKS }),
  lambda: {
    ServiceException: { path: 'lambda-invoke', after: 'never' },
    TooManyRequestsException: { path: 'lambda-invoke', after: 'never' },
    SdkClientException: { path: 'lambda-invoke', after: 'never' },
    'Sandbox.Timedout': { path: 'lambda-runtime', after: 'default' },
    'Runtime.ExitError': { path: 'lambda-runtime', after: 'default' },
  },
  stripe: {
    rate_limit: { path: 'stripe', after: 'never' },
    lock_timeout: { path: 'stripe', after: 'never' },
    api_error: { path: 'stripe', after: 'allowed' },
    connection_dropped: { path: 'stripe', after: 'allowed' },
  },
};

/** A fault with no `error` only slows calls down (`latencyMs`). */
const LATENCY_PATH: Record<ServiceName, StrikePath> = {
  dynamodb: 'sdk',
  sqs: 'sdk',
  sns: 'sdk',
  stepfunctions: 'sdk',
  lambda: 'lambda-invoke',
  stripe: 'stripe',
};

/** The SDK's service prefix of each AWS service name used here. */
export const SDK_SERVICE: Partial<Record<ServiceName, string>> = { dynamodb: 'dynamodb', sqs: 'sqs', sns: 'sns', stepfunctions: 'states' };

function operationsOf(service: ServiceName): string[] {
  if (service === 'lambda') return ['Invoke'];
  if (service === 'stripe') return [...STRIPE_OPERATIONS];
  const prefix = `${SDK_SERVICE[service]}:`;
  return mappedOperations()
    .filter((name) => name.startsWith(prefix))
    .map((name) => name.slice(prefix.length));
}

export interface ServiceFaultSpec {
  /** An error of the service (see the catalogue); omitted: only `latencyMs`. */
  error?: string;
  /** `after`: the call does its work, then fails (the answer is lost). Default `before`, except for a function's timeout or crash. */
  when?: 'before' | 'after';
  /** Strike only the first N matching calls. */
  times?: number;
  /** Strike each matching call with this probability (0-1). Default 1. */
  rate?: number;
  operations?: string[];
  /** Table, queue, topic, state machine or function names (a suffix is enough: "inventory"). */
  resources?: string[];
  /** Only calls made by these functions (serverless.yml keys) or by `stateMachine` (its direct integrations); AWS SDK calls only. */
  callers?: string[];
  /** Delay before the call (fixed, or a uniform range [min, max]). */
  latencyMs?: number | [number, number];
  /** Heal by itself after this many seconds. */
  forSeconds?: number;
  /**
   * `event`: `times` counts per event instead of in all, so that `{"times": 1, "per": "event"}`
   * strikes the first attempt of every invocation and lets its retry through. Lambda runtime faults
   * only; an event is the function and its payload without a task token (each attempt of a
   * `.waitForTaskToken` task gets a new one).
   */
  per?: 'event';
}

export interface ServiceFaultState extends ServiceFaultSpec {
  service: ServiceName;
  when: 'before' | 'after';
  /** Calls that matched service, operation and resource. */
  matched: number;
  /** Calls it struck (failed or slowed). */
  injected: number;
  setAt: string;
  expiresAt?: string;
  state: 'active' | 'spent' | 'expired';
}

export interface Strike {
  service: ServiceName;
  error?: string;
  when: 'before' | 'after';
  latencyMs: number;
  /** The fault's `resources`: which of the call's resources it names (TransactionConflict marks those items). */
  resources?: string[];
}

export class FaultSpecError extends Error {
  constructor(
    readonly code: 'UNKNOWN_SERVICE' | 'UNKNOWN_ERROR' | 'UNKNOWN_OPERATION' | 'UNKNOWN_RESOURCE' | 'UNKNOWN_CALLER' | 'INVALID_FAULT',
    message: string,
  ) {
    super(message);
    this.name = 'FaultSpecError';
  }
}

export function requireServiceName(value: string): ServiceName {
  if ((SERVICE_NAMES as readonly string[]).includes(value)) return value as ServiceName;
  throw new FaultSpecError('UNKNOWN_SERVICE', `"${value}" is not a service of the local cloud; services: ${SERVICE_NAMES.join(', ')}`);
}

const SPEC_FIELDS = ['error', 'when', 'times', 'rate', 'operations', 'resources', 'callers', 'latencyMs', 'forSeconds', 'per'];

export interface ValidationContext {
  /** Known resource names per service; a `resources` entry must name (the suffix of) one of them. */
  resources?: Partial<Record<ServiceName, string[]>>;
  /** Known callers: the functions' keys (and `stateMachine`). */
  callers?: string[];
}

/** The caller name of the state machine's direct integrations in `callers`. */
export const STATE_MACHINE_CALLER = 'stateMachine';

/** Checks one fault for `service`; returns it normalised (when filled in). */
export function validateSpec(service: ServiceName, raw: unknown, context: ValidationContext = {}): ServiceFaultSpec & { when: 'before' | 'after' } {
  const invalid = (message: string) => new FaultSpecError('INVALID_FAULT', `${service}: ${message}`);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid('a fault is a JSON object');
  const spec = raw as Record<string, unknown>;
  const unknownFields = Object.keys(spec).filter((key) => !SPEC_FIELDS.includes(key));
  if (unknownFields.length) throw invalid(`unknown field(s) ${unknownFields.join(', ')}; fields: ${SPEC_FIELDS.join(', ')}`);

  const errors = CATALOGUE[service];
  let kind: ErrorKind | undefined;
  if (spec.error !== undefined) {
    if (typeof spec.error !== 'string' || !errors[spec.error]) {
      throw new FaultSpecError('UNKNOWN_ERROR', `${service}: unknown error ${JSON.stringify(spec.error)}; errors: ${Object.keys(errors).join(', ')}`);
    }
    kind = errors[spec.error];
  } else if (spec.latencyMs === undefined) {
    throw invalid('give an "error", a "latencyMs", or both');
  }

  if (spec.when !== undefined && spec.when !== 'before' && spec.when !== 'after') throw invalid('"when" is "before" or "after"');
  const when = (spec.when as 'before' | 'after' | undefined) ?? (kind?.after === 'default' ? 'after' : 'before');
  if (when === 'after' && (!kind || kind.after === 'never')) throw invalid(`${spec.error ?? 'a latency'} cannot strike after the work ("when": "after")`);

  if (spec.times !== undefined && !(Number.isInteger(spec.times) && (spec.times as number) > 0)) throw invalid('"times" is a whole number above 0');
  if (spec.per !== undefined) {
    if (spec.per !== 'event') throw invalid('"per" is "event"');
    if (kind?.path !== 'lambda-runtime') throw invalid('"per": "event" applies to a function\'s timeout or crash (Sandbox.Timedout, Runtime.ExitError)');
    if (spec.times === undefined) throw invalid('"per": "event" needs "times" (strikes per event)');
  }
  if (spec.rate !== undefined && !(typeof spec.rate === 'number' && spec.rate >= 0 && spec.rate <= 1)) throw invalid('"rate" is a number from 0 to 1');
  if (spec.forSeconds !== undefined && !(typeof spec.forSeconds === 'number' && spec.forSeconds > 0)) throw invalid('"forSeconds" is a number above 0');
  const latency = spec.latencyMs;
  const validLatency =
    latency === undefined ||
    (typeof latency === 'number' && latency >= 0) ||
    (Array.isArray(latency) && latency.length === 2 && latency.every((value) => typeof value === 'number' && value >= 0) && latency[0] <= latency[1]);
  if (!validLatency) throw invalid('"latencyMs" is a number of milliseconds or a range [min, max]');

  const operations = stringList(spec.operations, 'operations', invalid);
  if (operations) {
    if (kind?.operations && kind.operations.length === 0) throw invalid(`"operations" do not apply to ${spec.error}`);
    const allowed = kind?.operations ?? operationsOf(service);
    const unknown = operations.filter((operation) => !allowed.includes(operation));
    if (unknown.length) throw new FaultSpecError('UNKNOWN_OPERATION', `${service}: ${spec.error ?? 'a latency'} cannot strike ${unknown.join(', ')}; operations: ${allowed.join(', ')}`);
  }
  const resources = stringList(spec.resources, 'resources', invalid);
  if (resources) {
    if (service === 'stripe') throw invalid('"resources" do not apply to stripe (use "operations")');
    const known = context.resources?.[service];
    const unknown = known ? resources.filter((resource) => !known.some((name) => resourceMatches(resource, name))) : [];
    if (unknown.length) throw new FaultSpecError('UNKNOWN_RESOURCE', `${service}: no resource named (or ending in) ${unknown.join(', ')}; resources: ${known!.join(', ')}`);
  }
  const callers = stringList(spec.callers, 'callers', invalid);
  if (callers) {
    if ((kind?.path ?? LATENCY_PATH[service]) !== 'sdk') throw invalid('"callers" apply to AWS SDK calls only');
    const known = context.callers ? [...context.callers, STATE_MACHINE_CALLER] : undefined;
    const unknown = known ? callers.filter((caller) => !known.includes(caller)) : [];
    if (unknown.length) throw new FaultSpecError('UNKNOWN_CALLER', `${service}: no caller named ${unknown.join(', ')}; callers: ${known!.join(', ')}`);
  }
  return {
    ...(spec.error !== undefined ? { error: spec.error as string } : {}),
    ...(callers ? { callers } : {}),
    when,
    ...(spec.times !== undefined ? { times: spec.times as number } : {}),
    ...(spec.rate !== undefined ? { rate: spec.rate as number } : {}),
    ...(operations ? { operations } : {}),
    ...(resources ? { resources } : {}),
    ...(latency !== undefined ? { latencyMs: latency as number | [number, number] } : {}),
    ...(spec.forSeconds !== undefined ? { forSeconds: spec.forSeconds as number } : {}),
    ...(spec.per !== undefined ? { per: 'event' as const } : {}),
  };
}

function stringList(value: unknown, field: string, invalid: (message: string) => Error): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === 'string' && item.length > 0)) {
    throw invalid(`"${field}" is a non-empty list of names`);
  }
  return value as string[];
}

/** A fault's resource names a call's resource by its whole name or ARN, or by its end ("inventory"). */
export function resourceMatches(wanted: string, actual: string): boolean {
  return actual === wanted || actual.endsWith(wanted);
}

// ---------------------------------------------------------------- LOCAL_FAULTS

/**
 * Splits LOCAL_FAULTS into the function faults of today (`fulfillOrder:always,reserveInventory:2`,
 * handled by local/lambda/faults.ts) and service faults, whose entries start with a service name:
 *   dynamodb:ThrottlingException;rate=0.3;operations=UpdateItem|TransactWriteItems;resources=inventory
 *   stripe:rate_limit;times=2;operations=paymentIntents.create
 *   stripe;latencyMs=200-800                    (no error: slow only)
 *   lambda:Sandbox.Timedout;times=1;resources=reserveInventory
 * Options: when=before|after, times=N, rate=0-1, operations=A|B, resources=A|B, latencyMs=N or MIN-MAX, forSeconds=N.
 */
export function splitLocalFaults(spec: string): { functions: string; services: Array<{ service: ServiceName; spec: ServiceFaultSpec }> } {
  const functions: string[] = [];
  const services: Array<{ service: ServiceName; spec: ServiceFaultSpec }> = [];
  for (const entry of spec.split(',').map((item) => item.trim()).filter(Boolean)) {
    const head = /^[^:;]+/.exec(entry)?.[0] ?? '';
    if (!(SERVICE_NAMES as readonly string[]).includes(head)) {
      functions.push(entry);
      continue;
    }
    services.push({ service: head as ServiceName, spec: parseServiceEntry(entry, head) });
  }
  return { functions: functions.join(','), services };
}

function parseServiceEntry(entry: string, service: string): ServiceFaultSpec {
  const [first, ...options] = entry.split(';');
  const spec: Record<string, unknown> = {};
  const error = first.slice(service.length);
  if (error) {
    if (!error.startsWith(':') || error.length === 1) throw new FaultSpecError('INVALID_FAULT', `LOCAL_FAULTS: cannot read "${entry}"; write service[:error][;option=value]...`);
    spec.error = error.slice(1);
  }
  for (const option of options) {
    const [key, value] = option.split('=', 2);
    if (value === undefined) throw new FaultSpecError('INVALID_FAULT', `LOCAL_FAULTS "${entry}": "${option}" is not option=value`);
    if (key === 'operations' || key === 'resources' || key === 'callers') spec[key] = value.split('|');
    else if (key === 'latencyMs') spec[key] = value.includes('-') ? value.split('-', 2).map(Number) : Number(value);
    else if (key === 'times' || key === 'rate' || key === 'forSeconds') spec[key] = Number(value);
    else spec[key] = value;
  }
  return spec as ServiceFaultSpec;
}

// ---------------------------------------------------------------- the registry

export interface ServiceFaultsOptions extends ValidationContext {
  now?: () => number;
  random?: () => number;
  /** Services whose faults cannot strike (stripe when real Stripe is used): setting one is refused. */
  unavailable?: Partial<Record<ServiceName, string>>;
}

interface LiveFault {
  service: ServiceName;
  spec: ServiceFaultSpec & { when: 'before' | 'after' };
  path: StrikePath;
  /** The operations it strikes: its own list, else those its error applies to (TransactionCanceledException: transactions). */
  operations?: string[];
  matched: number;
  injected: number;
  setAt: number;
  /** With `per: "event"`: strikes so far per event key. */
  struckPerEvent: Map<string, number>;
}

export class ServiceFaults {
  private readonly faults: LiveFault[] = [];
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: ServiceFaultsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Replaces the faults of `service` with `specs` (one fault or a list); all are validated first. */
  set(service: string, specs: unknown): ServiceFaultState[] {
    const name = requireServiceName(service);
    const why = this.options.unavailable?.[name];
    if (why) throw new FaultSpecError('INVALID_FAULT', `${name}: ${why}`);
    const list = Array.isArray(specs) ? specs : [specs];
    if (list.length === 0) throw new FaultSpecError('INVALID_FAULT', `${name}: no fault given`);
    const validated = list.map((spec) => validateSpec(name, spec, this.options));
    this.clear(name);
    for (const spec of validated) {
      const kind = spec.error ? CATALOGUE[name][spec.error] : undefined;
      const operations = spec.operations ?? (kind?.operations?.length ? kind.operations : undefined);
      this.faults.push({ service: name, spec, path: kind?.path ?? LATENCY_PATH[name], operations, matched: 0, injected: 0, setAt: this.now(), struckPerEvent: new Map() });
    }
    return this.list().filter((fault) => fault.service === name);
  }

  /** Heals one service, or all. */
  clear(service?: string): void {
    const name = service === undefined ? undefined : requireServiceName(service);
    for (let index = this.faults.length - 1; index >= 0; index--) {
      if (name === undefined || this.faults[index].service === name) this.faults.splice(index, 1);
    }
  }

  list(): ServiceFaultState[] {
    return this.faults.map((fault) => ({
      service: fault.service,
      ...fault.spec,
      matched: fault.matched,
      injected: fault.injected,
      setAt: new Date(fault.setAt).toISOString(),
      ...(fault.spec.forSeconds ? { expiresAt: new Date(fault.setAt + fault.spec.forSeconds * 1000).toISOString() } : {}),
      state: this.stateOf(fault),
    }));
  }

  /** Whether any fault could strike on `path` (lets the hot paths skip the work). */
  any(path: StrikePath): boolean {
    return this.faults.some((fault) => fault.path === path && this.stateOf(fault) === 'active');
  }

  /**
   * Decides one call: the first active fault of `service` on `path` that matches the operation and
   * one of the call's resources, and fires (its rate, its remaining times), strikes it. `phase`:
   * where a path is checked twice (before and after a function's handler), only that phase's faults.
   */
  strike(service: ServiceName, path: StrikePath, call: { operation: string; resources: string[]; caller?: string; eventKey?: string }, phase?: 'before' | 'after'): Strike | undefined {
    for (const fault of this.faults) {
      if (fault.service !== service || fault.path !== path || this.stateOf(fault) !== 'active') continue;
      if (phase && fault.spec.when !== phase) continue;
      const { spec } = fault;
      if (fault.operations && !fault.operations.includes(call.operation)) continue;
      if (spec.resources && !call.resources.some((resource) => spec.resources!.some((wanted) => resourceMatches(wanted, resource)))) continue;
      if (spec.callers && !(call.caller && spec.callers.includes(call.caller))) continue;
      const eventKey = spec.per === 'event' ? (call.eventKey ?? '') : undefined;
      if (eventKey !== undefined && (fault.struckPerEvent.get(eventKey) ?? 0) >= spec.times!) continue;
      fault.matched++;
      if (spec.rate !== undefined && this.random() >= spec.rate) continue;
      fault.injected++;
      if (eventKey !== undefined) fault.struckPerEvent.set(eventKey, (fault.struckPerEvent.get(eventKey) ?? 0) + 1);
      return { service, error: spec.error, when: spec.when, latencyMs: this.latency(spec.latencyMs), resources: spec.resources };
    }
    return undefined;
  }

  private latency(latency: ServiceFaultSpec['latencyMs']): number {
    if (latency === undefined) return 0;
    if (typeof latency === 'number') return latency;
    return Math.round(latency[0] + this.random() * (latency[1] - latency[0]));
  }

  private stateOf(fault: LiveFault): ServiceFaultState['state'] {
    if (fault.spec.forSeconds && this.now() >= fault.setAt + fault.spec.forSeconds * 1000) return 'expired';
    if (fault.spec.times !== undefined && fault.spec.per !== 'event' && fault.injected >= fault.spec.times) return 'spent';
    return 'active';
  }
}

export const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());
