/**
 * Contracts between stepfunctions/checkout.asl.yml and the code, checked from both sides' source:
 * (a) every ErrorEquals name is one the machine can really receive (a domain error, a name sent with
 *     SendTaskFailure, a States.* name, or an allow-listed error of a direct service integration);
 * (b) every Lambda task's Payload keys are the keys its handler's event type declares.
 */
import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as sqs from '@aws-sdk/client-sqs';
import { checkoutDefinition, resolvedService, type AslDefinition } from './harness';
import { domainErrorNames, handlerEventKeys, taskFailureNames } from './source-facts';

/** The error names Step Functions itself defines (a typo such as States.Timout is none of them). */
const STATES_ERRORS = new Set([
  'States.ALL',
  'States.DataLimitExceeded',
  'States.ExceedToleratedFailureThreshold',
  'States.HeartbeatTimeout',
  'States.Http.Socket',
  'States.IntrinsicFailure',
  'States.ItemReaderFailed',
  'States.NoChoiceMatched',
  'States.ParameterPathFailure',
  'States.Permissions',
  'States.QueryEvaluationError',
  'States.ResultPathMatchFailure',
  'States.ResultWriterFailed',
  'States.Runtime',
  'States.TaskFailed',
  'States.Timeout',
]);

/**
 * Errors of direct service integrations that the machine routes on, each with why it can occur.
 * A name here must also be a modeled exception of that service's SDK and appear only on a Task of that service.
 */
const SERVICE_ERRORS: Record<string, string> = {
  'DynamoDB.ConditionalCheckFailedException':
    'MarkPaid / MarkCompleted (dynamodb:updateItem): the ConditionExpression refuses a status transition the order no longer allows',
};

const SDK_EXCEPTIONS: Record<string, { exports: Record<string, unknown>; base: abstract new (...args: never[]) => Error; resource: string }> = {
  DynamoDB: { exports: dynamodb as unknown as Record<string, unknown>, base: dynamodb.DynamoDBServiceException, resource: 'arn:aws:states:::dynamodb:' },
  SQS: { exports: sqs as unknown as Record<string, unknown>, base: sqs.SQSServiceException, resource: 'arn:aws:states:::sqs:' },
};

interface ErrorUse {
  error: string;
  stateName: string;
  field: string;
}

function errorUses(definition: AslDefinition): ErrorUse[] {
  return Object.entries(definition.States).flatMap(([stateName, state]) =>
    (['Retry', 'Catch'] as const).flatMap((field) =>
      ((state[field] ?? []) as { ErrorEquals: string[] }[]).flatMap((matcher, index) =>
        matcher.ErrorEquals.map((error) => ({ error, stateName, field: `${field}[${index}]` })),
      ),
    ),
  );
}

/** The ErrorEquals names none of the four sources accounts for. */
function unreachableErrorNames(machine: AslDefinition): ErrorUse[] {
  const domain = domainErrorNames();
  const sentWithTaskFailure = taskFailureNames();
  return errorUses(machine).filter(
    ({ error }) => !domain.has(error) && !sentWithTaskFailure.has(error) && !STATES_ERRORS.has(error) && !(error in SERVICE_ERRORS),
  );
}

let definition: AslDefinition;

beforeAll(async () => {
  definition = await checkoutDefinition();
}, 30_000);

describe('ASL contract (a): every ErrorEquals name can really reach the machine', () => {
  test('each name is a domain error, a SendTaskFailure name, a States.* error or an allow-listed service error', () => {
    expect(unreachableErrorNames(definition)).toEqual([]);
  });

  test('a misspelt name is reported (the check can fail)', () => {
    const misspelt = structuredClone(definition);
    misspelt.States.AwaitPayment.Retry[0].ErrorEquals.push('States.Timout', 'OrderCancelled');

    expect(unreachableErrorNames(misspelt).map(({ error }) => error)).toEqual(['States.Timout', 'OrderCancelled']);
  });

  test('the sources are read, not empty: the domain errors and SendTaskFailure names the saga routes on are found', () => {
    expect([...domainErrorNames().keys()]).toEqual(expect.arrayContaining(['OutOfStock', 'InvalidOrderState', 'OrderCanceled']));
    expect([...taskFailureNames().keys()].sort()).toEqual(['OrderCanceled', 'PaymentAmountMismatch', 'PaymentCanceled']);
  });

  test('each allow-listed service error is a modeled SDK exception, used only on a Task of that service', () => {
    for (const name of Object.keys(SERVICE_ERRORS)) {
      const [service, exception] = name.split('.');
      const sdk = SDK_EXCEPTIONS[service];
      expect({ name, knownService: sdk !== undefined }).toEqual({ name, knownService: true });
      const exceptionClass = sdk.exports[exception] as { prototype?: unknown } | undefined;
      expect({ name, modeled: exceptionClass?.prototype instanceof sdk.base }).toEqual({ name, modeled: true });
    }
    const misplaced = errorUses(definition)
      .filter(({ error }) => error in SERVICE_ERRORS)
      .filter(({ error, stateName }) => !String(definition.States[stateName].Resource).startsWith(SDK_EXCEPTIONS[error.split('.')[0]].resource));

    expect(misplaced).toEqual([]);
  });

  test('every allow-listed service error is still used by the ASL (no stale entries)', () => {
    const used = new Set(errorUses(definition).map(({ error }) => error));

    expect(Object.keys(SERVICE_ERRORS).filter((name) => !used.has(name))).toEqual([]);
  });
});

describe('ASL contract (b): each Lambda task sends the keys its handler declares', () => {
  const lambdaTasks = (machine = definition) =>
    Object.entries(machine.States)
      .filter(([, state]) => state.Type === 'Task' && String(state.Resource).startsWith('arn:aws:states:::lambda:invoke'))
      .map(([stateName, state]) => {
        const target = state.Parameters?.FunctionName?.['Fn::GetAtt'];
        if (!Array.isArray(target) || target[1] !== 'Arn') throw new Error(`${stateName}: FunctionName is not Fn::GetAtt [<function>, Arn]`);
        const payloadKeys = Object.keys(state.Parameters.Payload ?? {}).map((key) => key.replace(/\.\$$/, '')).sort();
        return { stateName, functionKey: target[0] as string, payloadKeys };
      });

  test('the machine has the Lambda tasks this contract is about', () => {
    expect(lambdaTasks().map((task) => task.stateName)).toEqual(['ReserveInventory', 'AwaitPayment', 'CompensateOrder', 'FulfillOrder', 'FlagNeedsAttention']);
  });

  /** What differs between each Lambda task's Payload keys and its handler's event type. */
  async function payloadMismatches(machine: AslDefinition): Promise<string[]> {
    const { functions } = await resolvedService();
    return lambdaTasks(machine).flatMap(({ stateName, functionKey, payloadKeys }) => {
      const fn = functions[functionKey];
      if (!fn) return [`${stateName}: no function ${functionKey} in serverless.yml`];
      // "functions/reserve-inventory/handler.handler" -> file functions/reserve-inventory/handler.ts, export handler
      const exportName = fn.handler.slice(fn.handler.lastIndexOf('.') + 1);
      const handlerFile = `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.ts`;
      const event = handlerEventKeys(handlerFile, exportName);
      return [
        ...payloadKeys.filter((key) => !event.all.includes(key)).map((key) => `${stateName} sends ${key}, which ${handlerFile}'s event does not declare`),
        ...event.required.filter((key) => !payloadKeys.includes(key)).map((key) => `${stateName} does not send ${key}, which ${handlerFile}'s event requires`),
      ];
    });
  }

  test('every Payload key is declared by the event type, and every required key is sent', async () => {
    expect(await payloadMismatches(definition)).toEqual([]);
  });

  test('a renamed Payload key is reported both ways (the check can fail)', async () => {
    const renamed = structuredClone(definition);
    const payload = renamed.States.FlagNeedsAttention.Parameters.Payload;
    payload['step.$'] = payload['failedStep.$'];
    delete payload['failedStep.$'];

    expect(await payloadMismatches(renamed)).toEqual([
      "FlagNeedsAttention sends step, which functions/flag-needs-attention/handler.ts's event does not declare",
      "FlagNeedsAttention does not send failedStep, which functions/flag-needs-attention/handler.ts's event requires",
    ]);
  });

  test('the event reader sees optional and required keys (compensate-order: error and executionId are optional)', () => {
    expect(handlerEventKeys('functions/compensate-order/handler.ts', 'handler')).toEqual({
      all: ['error', 'executionId', 'orderId'],
      required: ['orderId'],
    });
    expect(handlerEventKeys('functions/request-payment/handler.ts', 'handler')).toEqual({ all: ['orderId', 'taskToken'], required: ['orderId', 'taskToken'] });
  });
});
