/**
 * Stub harness for the fast layer: the real stepfunctions/checkout.asl.yml (as serverless resolves it)
 * in the local Step Functions engine, every Task answered by a per-state script instead of Lambda,
 * DynamoDB or SQS. The engine's own integrations (lambdaIntegration, dynamoDbIntegration,
 * sqsIntegration) still shape requests, results and error names; only the client under them is fake.
 */
import { LambdaServiceError } from '../../../local/shared/lambda-service-error';
import path from 'node:path';
import { loadService, type ResolvedService } from '../../../local/serverless-config/load-service';
import {
  dynamoDbIntegration,
  lambdaIntegration,
  LocalStepFunctions,
  sqsIntegration,
  type ExecutionDescription,
  type HistoryEvent,
  type TaskCall,
  type TaskHandlerRegistration,
} from '../../../local/stepfunctions';

export const REPO_ROOT = path.join(__dirname, '..', '..', '..');
const FUNCTION_ARN_PREFIX = 'arn:aws:lambda:us-east-1:123456789012:function:';

// ------------------------------------------------------------------ scripted outcomes

/** What one attempt of a Task does. For `.waitForTaskToken` tasks, `answer` says how the callback ends. */
export type Outcome =
  | { kind: 'returns'; value: unknown; answer?: CallbackAnswer }
  | { kind: 'throws'; error: string; cause: string };

export type CallbackAnswer =
  | { kind: 'success'; output: unknown }
  | { kind: 'failure'; error: string; cause: string }
  /** Nobody answers: the task ends at its timeout (States.Timeout). */
  | { kind: 'none' };

/** Succeeds with `value` (a Lambda's Payload; for DynamoDB/SQS the service's response). */
export const returns = (value: unknown = {}): Outcome => ({ kind: 'returns', value });

/**
 * Fails with the error name the state machine will see: a function error (`OutOfStock`) for Lambda
 * tasks; `Lambda.*`, `DynamoDB.*` or `SQS.*` names are raised as the AWS SDK raises them, and the
 * engine's integration turns them back into that name (so a wrong prefix fails the test).
 */
export const throws = (error: string, cause = `${error} (scripted)`): Outcome => ({ kind: 'throws', error, cause });

/** For a callback task: the invocation returns, then the callback is answered (or not). */
export const answersSuccess = (output: unknown): Outcome => ({ kind: 'returns', value: {}, answer: { kind: 'success', output } });
export const answersFailure = (error: string, cause = `${error} (scripted)`): Outcome => ({
  kind: 'returns',
  value: {},
  answer: { kind: 'failure', error, cause },
});
export const neverAnswered = (): Outcome => ({ kind: 'returns', value: {}, answer: { kind: 'none' } });

/** `count` copies of an outcome, for "the first N attempts fail". */
export const times = (count: number, outcome: Outcome): Outcome[] => Array.from({ length: count }, () => outcome);

/** Attempt n of a state plays script[n]; past its end the last entry repeats. */
export type Script = Partial<Record<string, Outcome | Outcome[]>>;

export const LINES = [{ sku: 'TSHIRT-BLUE-L', quantity: 2 }];

/** What each Task does when a test does not say: the happy path. */
const DEFAULT_SCRIPT: Script = {
  ReserveInventory: returns({ lines: LINES }),
  AwaitPayment: answersSuccess({ paymentIntentId: 'pi_1', status: 'succeeded' }),
  CompensateOrder: returns({ outcome: 'CLOSED', status: 'CANCELED' }),
  MarkPaid: returns({}),
  FulfillOrder: returns({ fulfilled: true }),
  CommitInventory: returns({ MessageId: 'msg-1', MD5OfMessageBody: 'x' }),
  MarkCompleted: returns({}),
  FlagNeedsAttention: returns({ flagged: true }),
};

// ------------------------------------------------------------------ the machine

/** Fn::GetAtt / Ref replaced by plausible ARNs and URLs (the stubs answer, nothing is called). */
function withoutIntrinsics(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIntrinsics);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if ('Fn::GetAtt' in record) return `${FUNCTION_ARN_PREFIX}${(record['Fn::GetAtt'] as string[])[0]}`;
    if ('Ref' in record) return `https://sqs.us-east-1.amazonaws.com/123456789012/${String(record.Ref)}`;
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, withoutIntrinsics(item)]));
  }
  return value;
}

export type AslState = Record<string, any> & { Type: string };
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
}

let servicePromise: Promise<ResolvedService> | undefined;

/** The service as deployed (serverless print, cached in .local-cloud/ after the first run). */
export function resolvedService(): Promise<ResolvedService> {
  servicePromise ??= loadService({ root: REPO_ROOT, stage: 'local' });
  return servicePromise;
}

/** The checkout state machine's definition with its intrinsics still in (as in the ASL file, variables resolved). */
export async function checkoutDefinition(): Promise<AslDefinition> {
  const machines = Object.values((await resolvedService()).stepFunctions?.stateMachines ?? {});
  if (machines.length !== 1) throw new Error(`expected one state machine in serverless.yml, found ${machines.length}`);
  return machines[0].definition as AslDefinition;
}

// ------------------------------------------------------------------ runs

export interface TaskInvocation {
  stateName: string;
  /** 0 for the first attempt of a visit, 1 for its first retry... (from $$.State.RetryCount order of calls). */
  attempt: number;
  resource: string;
  /** The Lambda function key (`reserveInventory`) for lambda:invoke tasks. */
  functionKey?: string;
  /** The Lambda Payload, or the DynamoDB/SQS request. */
  request: any;
}

export interface PathRun {
  description: ExecutionDescription;
  history: HistoryEvent[];
  invocations: TaskInvocation[];
  /** States entered, in order (one per transition). */
  statesEntered: string[];
  /** How many times the task's integration was called (attempts, retries included). */
  attemptsOf(stateName: string): number;
  /** Error names of the state's failed attempts (TaskFailed and TaskTimedOut), in order. */
  failuresOf(stateName: string): string[];
  /** Parsed JSON output of a succeeded execution. */
  output: any;
}

interface ExecutionStubs {
  script: Script;
  attemptsByState: Map<string, number>;
  invocations: TaskInvocation[];
}

/**
 * One engine and one state machine for a test file (validating the definition costs 150-350 ms),
 * any number of executions, each with its own script. Retries wait 1 ms (engine option), so a
 * route through 6 retries still takes milliseconds.
 */
export class CheckoutPaths {
  readonly engine: LocalStepFunctions;
  private stateMachineArn = '';
  private readonly stubs = new Map<string, ExecutionStubs>();
  private counter = 0;
  /** Every execution this harness ran, for route coverage. */
  readonly runs: PathRun[] = [];

  private constructor(readonly definition: AslDefinition) {
    this.engine = new LocalStepFunctions({ retryIntervalMs: 1, taskHandlers: this.handlers() });
  }

  static async start(): Promise<CheckoutPaths> {
    const paths = new CheckoutPaths(await checkoutDefinition());
    paths.stateMachineArn = paths.engine.createStateMachine({ name: 'checkout-paths', definition: withoutIntrinsics(paths.definition) as object }).stateMachineArn;
    return paths;
  }

  async run(script: Script, input: Record<string, unknown> = {}): Promise<PathRun> {
    const name = `path-${++this.counter}`;
    const executionArn = this.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
    const stubs: ExecutionStubs = { script: { ...DEFAULT_SCRIPT, ...script }, attemptsByState: new Map(), invocations: [] };
    this.stubs.set(executionArn, stubs);
    this.engine.startExecution({
      stateMachineArn: this.stateMachineArn,
      name,
      input: { orderId: `ord_${name}`, paymentWindowSeconds: 900, ...input },
    });
    const description = await this.engine.waitForExecution(executionArn, { timeoutMs: 8_000 });
    const history = this.engine.getExecutionHistory(executionArn, { maxResults: 1000 }).events;
    const run: PathRun = {
      description,
      history,
      invocations: stubs.invocations,
      statesEntered: history.filter((event) => event.type.endsWith('StateEntered')).map((event) => (event.stateEnteredEventDetails as { name: string }).name),
      attemptsOf: (stateName) => stubs.invocations.filter((call) => call.stateName === stateName).length,
      failuresOf: (stateName) => taskFailures(history, stateName),
      output: description.output === undefined ? undefined : JSON.parse(description.output),
    };
    this.runs.push(run);
    return run;
  }

  shutdown(): Promise<void> {
    return this.engine.shutdown();
  }

  /** The engine's real integrations, each over a fake client that plays the execution's script. */
  private handlers(): TaskHandlerRegistration[] {
    const perCall = (build: (call: TaskCall, outcome: Outcome) => TaskHandlerRegistration[]) => (call: TaskCall) => {
      const outcome = this.nextOutcome(call);
      const registration = build(call, outcome).find((candidate) => candidate.matches(call.resource));
      if (!registration) throw new Error(`no integration for ${call.resource}`);
      return registration.handle(call);
    };
    return [
      {
        matches: (resource) => resource.startsWith('arn:aws:states:::lambda:invoke'),
        handle: perCall((call, outcome) =>
          lambdaIntegration(async (_functionName, payload) => {
            if (outcome.kind === 'throws') throw scriptedError(outcome, 'Lambda');
            if (outcome.answer) this.answerCallback(call, payload, outcome.answer);
            return outcome.value;
          }),
        ),
      },
      {
        matches: (resource) => resource.startsWith('arn:aws:states:::dynamodb:'),
        handle: perCall((_call, outcome) => dynamoDbIntegration(fakeClient(outcome, 'DynamoDB'))),
      },
      {
        matches: (resource) => resource.startsWith('arn:aws:states:::sqs:'),
        handle: perCall((_call, outcome) => sqsIntegration(fakeClient(outcome, 'SQS'))),
      },
    ];
  }

  private nextOutcome(call: TaskCall): Outcome {
    const stubs = this.stubs.get(call.executionArn);
    if (!stubs) throw new Error(`no script for ${call.executionArn}`);
    const attempt = stubs.attemptsByState.get(call.stateName) ?? 0;
    stubs.attemptsByState.set(call.stateName, attempt + 1);
    const parameters = call.parameters as Record<string, any>;
    const functionName = typeof parameters?.FunctionName === 'string' ? parameters.FunctionName : undefined;
    stubs.invocations.push({
      stateName: call.stateName,
      attempt,
      resource: call.resource,
      functionKey: functionName?.startsWith(FUNCTION_ARN_PREFIX) ? functionName.slice(FUNCTION_ARN_PREFIX.length) : undefined,
      request: functionName ? parameters.Payload : parameters,
    });
    const scripted = stubs.script[call.stateName];
    if (scripted === undefined) throw new Error(`no scripted outcome for state ${call.stateName}`);
    const sequence = Array.isArray(scripted) ? scripted : [scripted];
    return sequence[Math.min(attempt, sequence.length - 1)];
  }

  /** As the webhook or cancel-order would: later, with the token the function received in its payload. */
  private answerCallback(call: TaskCall, payload: unknown, answer: CallbackAnswer): void {
    if (answer.kind === 'none') return;
    const token = (payload as { taskToken?: unknown })?.taskToken;
    if (typeof token !== 'string') throw new Error(`${call.stateName}: the payload carries no taskToken to answer with`);
    setImmediate(() => {
      if (answer.kind === 'success') this.engine.sendTaskSuccess(token, JSON.stringify(answer.output));
      else this.engine.sendTaskFailure(token, answer.error, answer.cause);
    });
  }
}

/** A fake AWS SDK client whose send() answers per the outcome. */
function fakeClient(outcome: Outcome, service: 'DynamoDB' | 'SQS') {
  return {
    send: async () => {
      if (outcome.kind === 'throws') throw scriptedError(outcome, service);
      return { ...(outcome.value as object), $metadata: { httpStatusCode: 200, requestId: 'req-1' } };
    },
  };
}

/**
 * `<Service>.<Exception>` becomes the SDK's exception (with HTTP metadata) or, for SdkClientException,
 * an error raised before any response; anything else is a function error of that name.
 */
function scriptedError(outcome: Extract<Outcome, { kind: 'throws' }>, service: 'Lambda' | 'DynamoDB' | 'SQS'): Error {
  const error = new Error(outcome.cause);
  const prefix = `${service}.`;
  if (outcome.error.startsWith(prefix)) {
    const exception = outcome.error.slice(prefix.length);
    if (exception === 'SdkClientException') return Object.assign(new Error(outcome.cause), { name: 'TimeoutError' });
    // The Lambda service's own errors are told apart from the function's by their class.
    if (service === 'Lambda') return new LambdaServiceError(exception, outcome.cause, exception === 'TooManyRequestsException' ? 429 : 500, 'req-1');
    return Object.assign(error, { name: exception, $metadata: { httpStatusCode: 400, requestId: 'req-1' } });
  }
  if (service !== 'Lambda') throw new Error(`a ${service} task can only fail with a ${prefix}* error, not ${outcome.error}`);
  error.name = outcome.error;
  return error;
}

function taskFailures(history: HistoryEvent[], stateName: string): string[] {
  const failures: string[] = [];
  let current: string | undefined;
  for (const event of history) {
    if (event.type.endsWith('StateEntered')) current = (event.stateEnteredEventDetails as { name: string }).name;
    if (current !== stateName) continue;
    if (event.type === 'TaskFailed') failures.push((event.taskFailedEventDetails as { error: string }).error);
    if (event.type === 'TaskTimedOut') failures.push((event.taskTimedOutEventDetails as { error: string }).error);
  }
  return failures;
}
