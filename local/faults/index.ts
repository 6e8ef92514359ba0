/**
 * The local cloud's service faults and production limits, wired to every place they strike:
 *   AWS SDK calls (DynamoDB, SQS, SNS, Step Functions) -> sdk-faults.ts, via local/sdk-interception
 *   the state machine's Lambda invoke (Lambda.*)       -> lambdaInvoke()
 *   a function's invocation (timeout, crash)           -> runtimeFault(), asked by local/lambda/invoker.ts
 *   the SQS event sources (duplicates, lost deletes)   -> deliveryFault(), asked by local/messaging
 *   the Stripe emulator's HTTP server                   -> stripeHook, asked by local/stripe-emulator
 * and the control routes under /_local/faults/services. Syntax and semantics: docs/local-faults.md.
 */
import { randomUUID } from 'node:crypto';
import { LambdaServiceError } from '../shared/lambda-service-error';
import type { StripeFaultHook } from '../stripe-emulator/faults';
import type { RuntimeFault } from '../lambda/invoker';
import type { DeliveryFault } from '../messaging/sqs-event-source';
import { createProductionLimits, type LimitsMode, type LimitStats, type ProductionLimits } from './production-limits';
import { installSdkFaults } from './sdk-faults';
import { FaultSpecError, ServiceFaults, sleep, type ServiceFaultSpec, type ServiceName } from './service-faults';

export { FaultSpecError, splitLocalFaults, SERVICE_NAMES, type ServiceFaultSpec, type ServiceFaultState, type ServiceName } from './service-faults';
export { parseLimitsMode, PRODUCTION_LIMITS, type LimitsMode } from './production-limits';

export interface LocalFaultsOptions {
  /** Faults at start (from LOCAL_FAULTS and LocalCloudOptions.serviceFaults). */
  initial?: Array<{ service: ServiceName; spec: ServiceFaultSpec }>;
  limits?: LimitsMode;
  /** Names a fault's `resources` may use, per service. */
  resources?: Partial<Record<ServiceName, string[]>>;
  /** Set when real Stripe is used: stripe faults cannot strike. */
  realStripe?: boolean;
  log?: (line: string) => void;
}

export interface LocalFaults {
  services: ServiceFaults;
  limitsMode: LimitsMode;
  limitStats(): LimitStats[];
  /** For the Stripe emulator (startStripeEmulator's `faults`). */
  stripeHook: StripeFaultHook;
  /** Before the state machine's invoke of `functionKey`: waits a latency, throws a Lambda service error. */
  lambdaInvoke(functionKey: string): Promise<void>;
  runtimeFault(functionKey: string, phase: 'before' | 'after', event?: unknown): RuntimeFault | undefined;
  deliveryFault(queueName: string): DeliveryFault | undefined;
  /** Starts striking SDK calls; returns the removal. */
  installSdk(options: { callerOfInvocation: () => string | undefined; tableArn?: (tableName: string) => string }): () => void;
  /** GET/PUT/DELETE /_local/faults/services[/{service}]: the reply, or undefined when the path is not one of them. */
  route(method: string, path: string, body: string): { status: number; payload: unknown } | undefined;
}

const LAMBDA_ERRORS: Record<string, { status: number | undefined; message: string }> = {
  ServiceException: { status: 500, message: 'The AWS Lambda service encountered an internal error.' },
  TooManyRequestsException: { status: 429, message: 'Rate Exceeded.' },
  SdkClientException: { status: undefined, message: 'Unable to execute HTTP request: Connection reset' },
};

export function createLocalFaults(options: LocalFaultsOptions = {}): LocalFaults {
  const log = options.log ?? (() => undefined);
  const services = new ServiceFaults({
    resources: options.resources,
    callers: options.resources?.lambda,
    unavailable: options.realStripe ? { stripe: 'real Stripe is in use (STRIPE_SECRET_KEY): its faults need the emulator' } : undefined,
  });
  const initial = new Map<ServiceName, ServiceFaultSpec[]>();
  for (const { service, spec } of options.initial ?? []) initial.set(service, [...(initial.get(service) ?? []), spec]);
  for (const [service, specs] of initial) services.set(service, specs);
  const limitsMode = options.limits ?? 'off';
  const limits: ProductionLimits | undefined = limitsMode === 'production' ? createProductionLimits() : undefined;

  const stripeHook: StripeFaultHook = ({ operation }) => {
    if (limits && !limits.stripeRequest()) return { latencyMs: 0, error: 'rate_limit', when: 'before' };
    const strike = services.strike('stripe', 'stripe', { operation, resources: [] });
    if (!strike) return undefined;
    if (strike.error) log(`[faults] stripe ${operation} -> ${strike.error}${strike.when === 'after' ? ' after the work' : ''}`);
    return { latencyMs: strike.latencyMs, error: strike.error as never, when: strike.when };
  };

  return {
    services,
    limitsMode,
    limitStats: () => limits?.stats() ?? [],
    stripeHook,
    async lambdaInvoke(functionKey) {
      const strike = services.strike('lambda', 'lambda-invoke', { operation: 'Invoke', resources: [functionKey] });
      if (!strike) return;
      await sleep(strike.latencyMs);
      if (!strike.error) return;
      log(`[faults] states -> lambda:Invoke ${functionKey} -> Lambda.${strike.error}`);
      const { status, message } = LAMBDA_ERRORS[strike.error];
      throw new LambdaServiceError(strike.error, message, status, randomUUID());
    },
    runtimeFault(functionKey, phase, event) {
      if (!services.any('lambda-runtime')) return undefined;
      const strike = services.strike('lambda', 'lambda-runtime', { operation: 'Invoke', resources: [functionKey], eventKey: `${functionKey} ${eventKeyOf(event)}` }, phase);
      if (strike?.error) log(`[faults] ${functionKey} invocation -> ${strike.error} ${phase} its handler ran`);
      return strike?.error as RuntimeFault | undefined;
    },
    deliveryFault(queueName) {
      const strike = services.strike('sqs', 'sqs-delivery', { operation: 'ReceiveMessage', resources: [queueName] });
      if (strike?.error) log(`[faults] sqs ${queueName} -> ${strike.error}`);
      return strike?.error as DeliveryFault | undefined;
    },
    installSdk: (sdk) => installSdkFaults({ faults: services, limits, callerOfInvocation: sdk.callerOfInvocation, tableArn: sdk.tableArn, log }),
    route: (method, path, body) => route(services, method, path, body),
  };
}

function route(services: ServiceFaults, method: string, path: string, body: string): { status: number; payload: unknown } | undefined {
  const match = /^\/_local\/faults\/services(?:\/([^/]+))?\/?$/.exec(path);
  if (!match) return undefined;
  const service = match[1] ? decodeURIComponent(match[1]) : undefined;
  const error = (status: number, code: string, message: string) => ({ status, payload: { error: { code, message } } });
  try {
    if (method === 'GET') return { status: 200, payload: { services: services.list().filter((fault) => !service || fault.service === service) } };
    if (method === 'DELETE') {
      services.clear(service);
      return { status: 200, payload: { services: services.list() } };
    }
    if (method === 'PUT' && service) {
      let spec: unknown;
      try {
        spec = JSON.parse(body || 'null');
      } catch {
        return error(400, 'INVALID_JSON', 'The body is not JSON: send a fault object, or a list of them');
      }
      return { status: 200, payload: { services: services.set(service, spec) } };
    }
    return error(405, 'METHOD_NOT_ALLOWED', `${method} ${path}: use GET, DELETE, or PUT /_local/faults/services/{service}`);
  } catch (thrown) {
    if (thrown instanceof FaultSpecError) return error(400, thrown.code, thrown.message);
    throw thrown;
  }
}

/**
 * An invocation's event as a retry sends it again: the state machine's payload without its task
 * token (each attempt of a `.waitForTaskToken` task gets a new one); an HTTP API request by its
 * route, body and Idempotency-Key (a client's retry, or Stripe's redelivery, is a new request with
 * new ids); an SQS batch by its message ids (a redelivery has new receipt handles and counts).
 */
export function eventKeyOf(event: unknown): string {
  const e = event as { routeKey?: string; requestContext?: unknown; body?: string; headers?: Record<string, string>; Records?: Array<{ messageId?: string }> };
  if (e && typeof e === 'object' && e.requestContext && e.routeKey) return JSON.stringify(['http', e.routeKey, e.body, e.headers?.['idempotency-key']]);
  if (e && typeof e === 'object' && Array.isArray(e.Records) && e.Records.every((record) => record.messageId)) return JSON.stringify(['sqs', ...e.Records.map((record) => record.messageId)]);
  return JSON.stringify(event, (key, value) => (key === 'taskToken' ? undefined : value));
}
