/**
 * Runs the functions of serverless.yml in this process, as Lambda would run them: the handler
 * named by `handler:` loaded on first use, an AWS-shaped context, the function's timeout enforced,
 * event and result passed through JSON as Lambda serialises them, errors propagated with their
 * `name` (Step Functions matches Retry/Catch on it), and LOCAL_FAULTS fault injection.
 *
 * Differences from AWS, all because functions share one Node process:
 *  - one process.env for all functions (see function-environment.ts: conflicts refuse to start);
 *    per-function runtime variables such as AWS_LAMBDA_FUNCTION_NAME are not set;
 *  - a timed-out invocation is reported as Sandbox.Timedout, but its handler is not killed: it
 *    runs on in the background (AWS freezes and discards the sandbox);
 *  - module state is shared by all concurrent invocations of a function (AWS: one per sandbox);
 *  - no cold-start delay, no concurrency limit, memory size is reported, not enforced.
 */
import { FUNCTION_KEY, installInvokeStore, REQUEST_ID_KEY } from './invoke-store';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import type { Resolver } from '../cloudformation/intrinsics';
import { functionName as deployedFunctionName, lambdaArn } from '../cloudformation/service-physical-ids';
import type { ResolvedService, ServerlessFunctionConfig } from '../serverless-config/load-service';
import { createFaultInjector, type FaultInjector } from './faults';
import { applyToProcessEnv, asEnvironment, mergeEnvironments, type Environment, type EnvironmentSource } from './function-environment';
import { createLambdaContext } from './lambda-context';
import { LambdaServiceError } from '../shared/lambda-service-error';
import { jsonWireCopy } from '../shared/json-clone';

/** The Serverless Framework's defaults when neither the function nor the provider sets them. */
const DEFAULT_TIMEOUT_SECONDS = 6;
const DEFAULT_MEMORY_MB = 1024;

export type InvocationType = 'RequestResponse' | 'Event';

export interface InvocationReport {
  functionName: string;
  awsRequestId: string;
  invocationType: InvocationType;
  durationMs: number;
  error?: Error;
}

export interface LambdaRuntimeOptions {
  service: ResolvedService;
  root: string;
  /** provider.environment resolved to local physical ids, plus the local AWS settings
   *  (AWS_REGION, credentials, AWS_ENDPOINT_URL_<SERVICE>). */
  environment: Environment;
  /** Resolves intrinsics in function-level environment values (startLocalInfrastructure's resolve). */
  resolve?: Resolver;
  /** Set last, over provider and function values, without conflict checks. */
  overrides?: Environment;
  /** LOCAL_FAULTS syntax or an injector. Default: process.env.LOCAL_FAULTS. */
  faults?: string | FaultInjector;
  onInvocation?: (report: InvocationReport) => void;
  /**
   * Asked before a function's handler runs and after it returned: a name makes the invocation fail
   * as Lambda reports a timeout (`Sandbox.Timedout`) or a crash (`Runtime.ExitError`), after the
   * work is done when asked `after` (the service faults, local/faults).
   */
  /** `event` is the invocation's payload (a fault may strike once per event: `per: "event"`). */
  runtimeFaults?: (functionKey: string, phase: 'before' | 'after', event: unknown) => RuntimeFault | undefined;
  region?: string;
  accountId?: string;
}

export interface LambdaRuntime {
  /** `functionName`: the serverless.yml key, the deployed name or the function's ARN. */
  invoke(functionName: string, event: unknown, options?: { invocationType?: InvocationType }): Promise<unknown>;
  /** serverless.yml keys. */
  functionNames: string[];
  arnOf(functionName: string): string;
  /** serverless.yml key of a key, deployed name or ARN; throws for anything else. */
  keyOf(functionNameOrArn: string): string;
  faults: FaultInjector;
  /** What was set into process.env. */
  environment: Environment;
  /** Resolves when every 'Event' invocation started so far has finished. */
  idle(): Promise<void>;
  /** Restores process.env as it was before createLambdaRuntime. */
  close(): void;
}

export class LambdaTimeoutError extends Error {
  constructor(functionName: string, awsRequestId: string, timeoutSeconds: number) {
    super(`RequestId: ${awsRequestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds (${functionName})`);
    this.name = 'Sandbox.Timedout';
  }
}

export type RuntimeFault = 'Sandbox.Timedout' | 'Runtime.ExitError';

class LambdaRuntimeError extends Error {
  constructor(name: string, message: string, cause?: unknown) {
    super(message, { cause });
    this.name = name;
  }
}

type Handler = (event: unknown, context: Context, callback?: (error?: unknown, result?: unknown) => void) => unknown;

/** `functions/create-checkout/handler.handler` -> module `functions/create-checkout/handler`, export `handler`. */
export function parseHandlerPath(handler: string): { modulePath: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0 || dot === handler.length - 1) throw new Error(`handler "${handler}" is not <path>.<export>`);
  return { modulePath: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

function loadHandler(root: string, functionKey: string, config: ServerlessFunctionConfig): Handler {
  const { modulePath, exportName } = parseHandlerPath(config.handler);
  let loaded: Record<string, unknown>;
  try {
    // A plain require: under jest it goes through jest's transform (@swc/jest), under tsx
    // through tsx's loader, so the TypeScript source runs as is.
    loaded = require(path.join(root, modulePath));
  } catch (error) {
    throw new LambdaRuntimeError('Runtime.ImportModuleError', `${functionKey}: cannot load ${modulePath}: ${(error as Error).message}`, error);
  }
  const handler = loaded[exportName];
  if (typeof handler !== 'function') {
    throw new LambdaRuntimeError('Runtime.HandlerNotFound', `${functionKey}: ${modulePath} exports no function "${exportName}"`);
  }
  return handler as Handler;
}

/** Lambda hands the handler a JSON copy of the payload and returns a JSON copy of the result. */

function callHandler(handler: Handler, event: unknown, context: Context): Promise<unknown> {
  if (handler.length < 3) return Promise.resolve().then(() => handler(event, context));
  // Callback-style handler (event, context, callback).
  return new Promise((resolve, reject) => {
    const returned = handler(event, context, (error, result) => (error ? reject(error) : resolve(result)));
    if (returned && typeof (returned as Promise<unknown>).then === 'function') (returned as Promise<unknown>).then(resolve, reject);
  });
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new LambdaRuntimeError('Error', typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}

function functionEnvironmentSources(options: LambdaRuntimeOptions): EnvironmentSource[] {
  const sources: EnvironmentSource[] = [{ source: 'provider.environment (resolved)', variables: options.environment }];
  for (const [key, config] of Object.entries(options.service.functions)) {
    if (!config.environment) continue;
    const at = `functions.${key}.environment`;
    const resolved = options.resolve ? options.resolve<Record<string, unknown>>(config.environment, at) : config.environment;
    sources.push({ source: at, variables: asEnvironment(resolved, at) });
  }
  return sources;
}

/**
 * Handler modules create their SDK clients at load, from the environment of that moment, and a
 * module registry loads them once: a second runtime in the same registry would silently talk to
 * the first one's endpoints. So: one local cloud per process (per jest test file).
 */
const environmentOfLoadedHandler = new Map<string, string>();

function rememberLoad(handlerPath: string, environment: Environment): void {
  // The endpoints are what module-level SDK clients keep.
  const fingerprint = JSON.stringify(
    Object.entries(environment)
      .filter(([name]) => name.startsWith('AWS_ENDPOINT_URL') || name === 'STRIPE_API_BASE')
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  const earlier = environmentOfLoadedHandler.get(handlerPath);
  if (earlier !== undefined && earlier !== fingerprint) {
    throw new Error(
      `${handlerPath} was already loaded in this process with other service endpoints (an earlier local cloud); start one local cloud per process (per jest test file)`,
    );
  }
  environmentOfLoadedHandler.set(handlerPath, fingerprint);
}

export function createLambdaRuntime(options: LambdaRuntimeOptions): LambdaRuntime {
  const { service, root, onInvocation } = options;
  const region = options.region ?? options.environment.AWS_REGION ?? 'us-east-1';
  const functionNames = Object.keys(service.functions);
  const faults = typeof options.faults === 'object' ? options.faults : createFaultInjector(functionNames, options.faults ?? process.env.LOCAL_FAULTS ?? '');

  // Before any handler module is loaded: handlers commonly read process.env at import time.
  // AWS_LAMBDA_MAX_CONCURRENCY: one process serves concurrent invocations here, as in Lambda's
  // multi-concurrency mode; with it Powertools keeps per-invocation state (log keys, context) apart.
  const environment = {
    ...mergeEnvironments(functionEnvironmentSources(options)),
    AWS_LAMBDA_MAX_CONCURRENCY: '1000',
    ...options.overrides,
  };
  const restoreEnvironment = applyToProcessEnv(environment);

  const arnOf = (key: string) => lambdaArn(deployedFunctionName(service, key), region, options.accountId);
  const keyByAlias = new Map<string, string>();
  for (const key of functionNames) {
    keyByAlias.set(key, key);
    keyByAlias.set(deployedFunctionName(service, key), key);
    keyByAlias.set(arnOf(key), key);
  }
  const keyOf = (nameOrArn: string) => {
    // ARNs may carry a qualifier (:$LATEST, :alias): Lambda ignores it for unpublished code.
    const key = keyByAlias.get(nameOrArn) ?? keyByAlias.get(nameOrArn.replace(/(:function:[^:]+):[^:]+$/, '$1'));
    if (!key) throw new LambdaServiceError('ResourceNotFoundException', `Function not found: ${nameOrArn}; known: ${functionNames.join(', ')}`, 404);
    return key;
  };

  const invokeStore = installInvokeStore();
  const handlers = new Map<string, Handler>();
  const invocationCounts = new Map<string, number>();
  const pendingEvents = new Set<Promise<unknown>>();

  async function run(key: string, event: unknown, invocationType: InvocationType): Promise<unknown> {
    const config = service.functions[key];
    const timeoutSeconds = config.timeout ?? service.provider.timeout ?? DEFAULT_TIMEOUT_SECONDS;
    const invocationNumber = (invocationCounts.get(key) ?? 0) + 1;
    invocationCounts.set(key, invocationNumber);
    const startedAt = Date.now();
    const context = createLambdaContext({
      functionName: deployedFunctionName(service, key),
      functionArn: arnOf(key),
      memorySizeMb: config.memorySize ?? service.provider.memorySize ?? DEFAULT_MEMORY_MB,
      deadline: startedAt + timeoutSeconds * 1000,
    });
    const runtimeFault = (phase: 'before' | 'after') => {
      const fault = options.runtimeFaults?.(key, phase, event);
      if (fault === 'Sandbox.Timedout') throw new LambdaTimeoutError(key, context.awsRequestId, timeoutSeconds);
      if (fault === 'Runtime.ExitError') throw new LambdaRuntimeError(fault, `RequestId: ${context.awsRequestId} Error: Runtime exited with error: signal: killed (${key})`);
    };
    try {
      faults.check(key, invocationNumber);
      runtimeFault('before');
      let handler = handlers.get(key);
      if (!handler) {
        rememberLoad(`${root}/${config.handler}`, environment);
        handler = loadHandler(root, key, config);
        handlers.set(key, handler);
      }
      const result = await withTimeout(
        // Each invocation runs inside the Lambda runtime's InvokeStore, as the multi-concurrency runtime does.
        invokeStore.run({ [REQUEST_ID_KEY]: context.awsRequestId, [FUNCTION_KEY]: key }, () =>
          callHandler(handler!, jsonWireCopy(event), context),
        ),
        timeoutSeconds * 1000,
        () => new LambdaTimeoutError(key, context.awsRequestId, timeoutSeconds),
      );
      runtimeFault('after');
      onInvocation?.({ functionName: key, awsRequestId: context.awsRequestId, invocationType, durationMs: Date.now() - startedAt });
      return jsonWireCopy(result);
    } catch (thrown) {
      const error = toError(thrown);
      onInvocation?.({ functionName: key, awsRequestId: context.awsRequestId, invocationType, durationMs: Date.now() - startedAt, error });
      throw error;
    }
  }

  return {
    functionNames,
    arnOf: (name) => arnOf(keyOf(name)),
    keyOf,
    faults,
    environment,
    async invoke(functionName, event, { invocationType = 'RequestResponse' } = {}) {
      const key = keyOf(functionName);
      if (invocationType === 'RequestResponse') return run(key, event, invocationType);
      // 'Event': accepted at once; the outcome only reaches onInvocation, as on AWS (no retries here).
      const pending = run(key, event, invocationType)
        .catch(() => undefined)
        .finally(() => pendingEvents.delete(pending));
      pendingEvents.add(pending);
      return undefined;
    },
    async idle() {
      while (pendingEvents.size > 0) await Promise.all([...pendingEvents]);
    },
    close: restoreEnvironment,
  };
}
