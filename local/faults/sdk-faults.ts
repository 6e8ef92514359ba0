/**
 * Service faults and production limits on the AWS SDK calls of the functions and of the state
 * machine's direct integrations (DynamoDB, SQS, SNS, Step Functions), through the shared SDK
 * interception: the answer is the service's own error on the wire (aws-errors.ts), so the SDK's
 * deserializer, error classes and retry strategy run as in production. Calls without a caller (the
 * local cloud's plumbing, the tests' own clients) are never struck.
 */
import { randomUUID } from 'node:crypto';
import { explicitCaller, interceptSdkClients, type RawResult, type SdkCall } from '../sdk-interception';
import { awsErrorResponse, ConnectionReset, dynamoDbTables, type AwsErrorContext } from './aws-errors';
import type { ProductionLimits } from './production-limits';
import { resourceMatches, sleep, STATE_MACHINE_CALLER, type ServiceFaults, type ServiceName } from './service-faults';

const SERVICE_OF_SDK: Record<string, ServiceName> = { dynamodb: 'dynamodb', sqs: 'sqs', sns: 'sns', states: 'stepfunctions' };
const WIRE_SERVICE = { dynamodb: 'dynamodb', sqs: 'sqs', sns: 'sns', stepfunctions: 'states' } as const;

export interface SdkFaultsOptions {
  faults: ServiceFaults;
  limits?: ProductionLimits;
  /** The function whose invocation the current async context belongs to. */
  callerOfInvocation: () => string | undefined;
  tableArn?: (tableName: string) => string;
  log?: (line: string) => void;
}

/** Installs the interceptor; returns its removal. */
export function installSdkFaults(options: SdkFaultsOptions): () => void {
  const { faults, limits } = options;
  const log = options.log ?? (() => undefined);
  return interceptSdkClients('faults', async (call, send) => {
    const service = SERVICE_OF_SDK[call.service];
    const caller = service ? (options.callerOfInvocation() ?? explicitCaller()) : undefined;
    if (!service || !caller) return send();
    const context: AwsErrorContext = { requestId: randomUUID(), operation: call.operation, input: call.input, tableArn: options.tableArn };
    const wire = WIRE_SERVICE[service as keyof typeof WIRE_SERVICE];

    const throttledBy = limits ? limitReached(limits, service, call) : undefined;
    if (throttledBy) return { response: awsErrorResponse(wire, throttledBy, context) };

    if (!faults.any('sdk')) return send();
    const strike = faults.strike(service, 'sdk', { operation: call.operation, resources: resourcesOf(service, call.input), caller: callerName(caller) });
    if (!strike) return send();
    await sleep(strike.latencyMs);
    if (!strike.error) return send();
    log(`[faults] ${caller} ${service}:${call.operation} -> ${strike.error}${strike.when === 'after' ? ' after the work' : ''}`);
    if (strike.resources) context.conflictingTables = (table) => strike.resources!.some((wanted) => resourceMatches(wanted, table));
    const fail = (): RawResult => {
      if (strike.error === 'ConnectionReset') throw new ConnectionReset(`local fault on ${service}:${call.operation}`);
      return { response: awsErrorResponse(wire, strike.error!, context) };
    };
    if (strike.when === 'after') await send();
    return fail();
  });
}

/** `states:<machine>` (the state machine's role) is `stateMachine` in a fault's `callers`. */
function callerName(caller: string): string {
  return caller.startsWith('states:') ? STATE_MACHINE_CALLER : caller;
}

function limitReached(limits: ProductionLimits, service: ServiceName, call: SdkCall): string | undefined {
  if (service === 'stepfunctions') return limits.stepFunctions(call.operation) ? undefined : 'ThrottlingException';
  if (service === 'dynamodb') return limits.dynamoDbWrite(call.operation, call.input) ? 'ProvisionedThroughputExceededException' : undefined;
  return undefined;
}

/** The names a fault's `resources` are matched against: tables, queues, topics, state machines. */
export function resourcesOf(service: ServiceName, input: any): string[] {
  const lastSegment = (text: unknown, separator: string) => (typeof text === 'string' ? [text.split(separator).pop()!] : []);
  switch (service) {
    case 'dynamodb':
      return dynamoDbTables(input);
    case 'sqs':
      return typeof input?.QueueName === 'string' ? [input.QueueName] : lastSegment(input?.QueueUrl, '/');
    case 'sns':
      return lastSegment(input?.TopicArn ?? input?.TargetArn, ':');
    case 'stepfunctions':
      if (typeof input?.stateMachineArn === 'string') return lastSegment(input.stateMachineArn, ':');
      // arn:aws:states:<region>:<account>:execution:<machine>:<name>
      return typeof input?.executionArn === 'string' ? [input.executionArn.split(':')[6] ?? ''] : [];
    default:
      return [];
  }
}
