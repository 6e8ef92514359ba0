/**
 * Packages the service offline (no AWS credentials, no network) and checks the CloudFormation
 * template a deploy would get: the things that are cheap to get wrong and expensive to find late.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readZip } from '../../bench/lib/zip';
import { BUSINESS_METRICS } from '../../src/domain/business-metrics';

const root = join(__dirname, '..', '..');
type Resource = { Type: string; Properties?: any; DependsOn?: string | string[] };
let template: { Resources: Record<string, Resource> };
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'checkout-saga-package-'));
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('AWS_')) delete env[key];
  env.AWS_SDK_LOAD_CONFIG = '0';
  await promisify(execFile)(
    join(root, 'node_modules', '.bin', 'serverless'),
    ['package', '--stage', 'dev', '--package', outDir],
    { cwd: root, env, timeout: 120_000 },
  );
  template = JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
}, 150_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/** The DefinitionString is Fn::Sub [text, vars]; placeholders become their logical names for inspection. */
function stateMachineDefinition(): any {
  const [, machine] = ofType('AWS::StepFunctions::StateMachine')[0];
  const sub = machine.Properties.DefinitionString['Fn::Sub'];
  const [text, vars] = Array.isArray(sub) ? sub : [sub, {}];
  const resolved = text.replace(/\$\{([^}]+)\}/g, (_: string, name: string) => {
    const value = vars[name];
    if (value === undefined) return `PLACEHOLDER_${name}`;
    return `RESOLVED_${JSON.stringify(value).replace(/[^A-Za-z0-9]/g, '')}`;
  });
  return JSON.parse(resolved);
}

describe('serverless package', () => {
  test('writes one bundle per function, with the AWS SDK left to the runtime', () => {
    const zips = readdirSync(outDir).filter((f) => f.endsWith('.zip'));
    expect(zips.sort()).toEqual(
      [
        'adjustInventory', 'cancelOrder', 'compensateOrder', 'createCheckout', 'flagNeedsAttention', 'fulfillOrder',
        'getOrder', 'inventoryWorker', 'notifySlack', 'products', 'reconcilePayments', 'requestPayment', 'reserveInventory',
        'resumeOrder', 'stripeWebhook',
      ].map((n) => `${n}.zip`),
    );
    const handler = readFileSync(join(outDir, 'getOrder.zip'));
    expect(handler.includes(Buffer.from('node_modules/@aws-sdk'))).toBe(false);
  });

  // Loading an SDK client package costs a cold start 4-20 ms (bench/: "Cold-start proxies"): a
  // function loads only the clients its own code path can call. A new entry here is a choice.
  test('each bundle loads only the AWS SDK clients its function uses', () => {
    const expected: Record<string, string[]> = {
      adjustInventory: ['dynamodb', 'sqs', 'ssm'],
      cancelOrder: ['dynamodb', 'sfn'],
      compensateOrder: ['dynamodb', 'sns', 'ssm'],
      createCheckout: ['dynamodb', 'sfn'],
      flagNeedsAttention: ['dynamodb', 'sns'],
      fulfillOrder: ['dynamodb', 'sqs'],
      getOrder: ['dynamodb'],
      inventoryWorker: ['dynamodb'],
      notifySlack: ['ssm'],
      products: ['dynamodb'],
      reconcilePayments: ['dynamodb', 'sfn', 'sns', 'ssm'],
      requestPayment: ['dynamodb', 'ssm'],
      reserveInventory: ['dynamodb'],
      resumeOrder: ['dynamodb', 'sfn', 'ssm'],
      stripeWebhook: ['dynamodb', 'sfn', 'sns', 'ssm'],
    };
    const loaded: Record<string, string[]> = {};
    for (const name of Object.keys(expected)) {
      const code = [...readZip(join(outDir, `${name}.zip`)).values()].map((content) => content.toString('utf8')).join('\n');
      loaded[name] = [...new Set([...code.matchAll(/require\("@aws-sdk\/client-([a-z0-9-]+)"\)/g)].map((match) => match[1]))].sort();
    }
    expect(loaded).toEqual(expected);
  });

  test('every function runs nodejs24.x on arm64 with its own role', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBe(15);
    const roles = new Set<string>();
    for (const [name, fn] of functions) {
      expect([name, fn.Properties.Runtime, fn.Properties.Architectures]).toEqual([name, 'nodejs24.x', ['arm64']]);
      roles.add(JSON.stringify(fn.Properties.Role));
    }
    expect(roles.size).toBe(15);
  });

  test('the reconciler runs on an EventBridge schedule, every 2 minutes by default, with the permission to invoke it', () => {
    const rules = ofType('AWS::Events::Rule').filter(([, rule]) => rule.Properties.ScheduleExpression !== undefined);
    expect(rules.map(([, rule]) => [rule.Properties.ScheduleExpression, rule.Properties.State, rule.Properties.Targets[0].Arn['Fn::GetAtt'][0]])).toEqual([
      ['rate(2 minutes)', 'ENABLED', 'ReconcilePaymentsLambdaFunction'],
    ]);
    const permissions = ofType('AWS::Lambda::Permission').filter(([, p]) => p.Properties.Principal === 'events.amazonaws.com');
    expect(permissions.map(([, p]) => p.Properties.FunctionName['Fn::GetAtt'][0])).toEqual(['ReconcilePaymentsLambdaFunction']);
  });

  test('the state machine definition is valid ASL', async () => {
    const { default: validator } = await import('asl-validator');
    const result = validator(stateMachineDefinition());
    expect(result.errors ?? []).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  test('the payment wait is a callback with a timeout and passes the task token', () => {
    const wait = stateMachineDefinition().States.AwaitPayment;
    expect(wait.Resource).toMatch(/\.waitForTaskToken$/);
    expect(wait.TimeoutSecondsPath ?? wait.TimeoutSeconds).toBeDefined();
    expect(JSON.stringify(wait.Parameters)).toContain('"$$.Task.Token"');
  });

  test('every Task retries and every pre-payment Task is caught', () => {
    const states = stateMachineDefinition().States;
    for (const [name, state] of Object.entries<any>(states)) {
      if (state.Type !== 'Task') continue;
      expect([name, Array.isArray(state.Retry) && state.Retry.length > 0]).toEqual([name, true]);
    }
    for (const name of ['ReserveInventory', 'AwaitPayment', 'MarkPaid', 'FulfillOrder', 'CommitInventory', 'MarkCompleted']) {
      expect([name, states[name].Catch?.some((c: any) => c.ErrorEquals.includes('States.ALL'))]).toEqual([name, true]);
    }
  });

  test('the inventory queue redrives to a DLQ after 5 receives, and the DLQ keeps messages 14 days', () => {
    const queue = template.Resources.InventoryUpdatesQueue.Properties;
    expect(queue.RedrivePolicy.maxReceiveCount).toBe(5);
    expect(queue.RedrivePolicy.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': ['InventoryUpdatesDLQ', 'Arn'] });
    expect(template.Resources.InventoryUpdatesDLQ.Properties.MessageRetentionPeriod).toBe(1209600);
    const [, mapping] = ofType('AWS::Lambda::EventSourceMapping')[0];
    expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  test('no CloudFormation dependency cycle', () => {
    const resources = template.Resources;
    const edges = new Map<string, Set<string>>();
    const collect = (value: unknown, into: Set<string>): void => {
      if (Array.isArray(value)) return value.forEach((v) => collect(v, into));
      if (!value || typeof value !== 'object') return;
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'Ref' && typeof inner === 'string' && resources[inner]) into.add(inner);
        else if (key === 'Fn::GetAtt') {
          const target = Array.isArray(inner) ? inner[0] : String(inner).split('.')[0];
          if (resources[target]) into.add(target);
        } else if (key === 'Fn::Sub') {
          const text = Array.isArray(inner) ? inner[0] : inner;
          for (const [, ref] of String(text).matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}/g)) if (resources[ref]) into.add(ref);
          if (Array.isArray(inner)) collect(inner[1], into);
        } else collect(inner, into);
      }
    };
    for (const [name, resource] of Object.entries(resources)) {
      const deps = new Set<string>();
      collect(resource.Properties, deps);
      for (const d of [resource.DependsOn ?? []].flat()) deps.add(d);
      edges.set(name, deps);
    }
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[][] = [];
    const visit = (node: string, path: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') return void cycles.push([...path.slice(path.indexOf(node)), node]);
      state.set(node, 'visiting');
      for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of edges.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });

  test('no role allows every action on every resource, and Resource "*" only for actions IAM cannot scope', () => {
    const offenders: string[] = [];
    const roles = ofType('AWS::IAM::Role');
    // One role per function (serverless-iam-roles-per-function) and the state machine's: a scan of none proves nothing.
    const functionRoles = ofType('AWS::Lambda::Function').map(([name]) => name.replace(/LambdaFunction$/, 'IamRoleLambdaExecution'));
    expect(functionRoles.length).toBeGreaterThan(10);
    expect(roles.map(([name]) => name)).toEqual(expect.arrayContaining([...functionRoles, 'CheckoutDashsagaDashdevDashcheckoutRole']));
    for (const [name, role] of roles) {
      for (const policy of role.Properties.Policies ?? []) {
        for (const statement of policy.PolicyDocument.Statement) {
          const actions: string[] = [statement.Action].flat();
          const resources = [statement.Resource].flat().map((r) => JSON.stringify(r));
          const onEverything = resources.includes('"*"');
          if (actions.some((a) => a === '*' || a.endsWith(':*')) && onEverything) offenders.push(`${name}: ${actions}`);
          const allowedOnStar = /^(states:SendTask(Success|Failure|Heartbeat)|xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)|logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups))$/;
          if (onEverything && !actions.every((a) => allowedOnStar.test(a))) offenders.push(`${name}: ${actions} on *`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  test('the dashboard charts every business metric as the handlers emit it, beside executions failed, Lambda errors and throttles, DLQ depth', () => {
    const [, dashboard] = ofType('AWS::CloudWatch::Dashboard')[0];
    const body = JSON.parse(dashboard.Properties.DashboardBody['Fn::Sub'].replace(/\$\{AWS::(\w+)\}/g, 'PSEUDO_$1'));
    // Each metric row in full (CloudWatch's "." repeats the previous row's entry at that position).
    const rows: string[][] = [];
    for (const widget of body.widgets) {
      let previous: string[] = [];
      for (const row of widget.properties.metrics ?? []) {
        const names = row.filter((part: unknown) => typeof part === 'string').map((part: string, i: number) => (part === '.' ? previous[i] : part));
        rows.push(names);
        previous = names;
      }
    }
    const has = (...row: string[]) => rows.some((r) => JSON.stringify(r) === JSON.stringify(row));
    for (const name of BUSINESS_METRICS) expect([name, has('CheckoutSaga', name, 'service', 'checkout-saga', 'stage', 'dev')]).toEqual([name, true]);
    expect(has('AWS/States', 'ExecutionsFailed', 'StateMachineArn', 'arn:PSEUDO_Partition:states:PSEUDO_Region:PSEUDO_AccountId:stateMachine:checkout-saga-dev-checkout')).toBe(true);
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      for (const metric of ['Errors', 'Throttles']) expect([metric, has('AWS/Lambda', metric, 'FunctionName', fn.Properties.FunctionName)]).toEqual([metric, true]);
    }
    for (const dlq of ['checkout-saga-dev-inventory-updates-dlq', 'checkout-saga-dev-fulfilment-requests-dlq']) {
      expect([dlq, has('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', dlq)]).toEqual([dlq, true]);
    }
  });

  test('no secret value in the template; secrets are SSM parameter names', () => {
    const text = JSON.stringify(template);
    expect(text).not.toMatch(/sk_(test|live)_[A-Za-z0-9]/);
    expect(text).not.toMatch(/whsec_[A-Za-z0-9]/);
    expect(text).toContain('/checkout-saga/dev/stripe-secret-key');
  });
});
