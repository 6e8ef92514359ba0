/**
 * npm run check:deploy (scripts/check-deploy/) on today's project and on broken copies of it: each
 * mistake CloudFormation or IAM would reject at deploy time fails the check, with a message naming
 * the source file and the property. Packaging takes seconds, so the project is packaged twice (a
 * copy as it is, and one with a misspelled property and a misspelled action in its sources); the
 * other mistakes are made in a copy of the packaged template.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { checkTemplate, type Template } from '../../scripts/check-deploy/check-template';
import { formatFinding } from '../../scripts/check-deploy/finding';
import { packageService } from '../../scripts/check-deploy/package-service';

const root = join(__dirname, '..', '..');
const temporary: string[] = [];
let template: Template;
let brokenCopy: string;
let brokenTemplate: Template;

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** The project's sources in a temporary directory (node_modules linked, not copied). */
function copyProject(): string {
  const dir = tempDir('check-deploy-project-');
  cpSync(root, dir, { recursive: true, filter: (source) => !/\/(node_modules|\.git|\.serverless|\.esbuild|coverage)$/.test(source) });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function replaceIn(dir: string, file: string, from: string, to: string): void {
  const text = readFileSync(join(dir, file), 'utf8');
  expect(text).toContain(from);
  writeFileSync(join(dir, file), text.replace(from, to));
}

/** 1-based line of the first line containing the text. */
const lineOf = (file: string, text: string) => readFileSync(file, 'utf8').split('\n').findIndex((line) => line.includes(text)) + 1;

async function problems(of: Template, projectRoot = root): Promise<string[]> {
  return (await checkTemplate(of, projectRoot)).map(formatFinding);
}

/** The packaged template of today's project with one change. */
function templateWith(change: (resources: Record<string, any>) => void): Template {
  const copy = structuredClone(template);
  change(copy.Resources);
  return copy;
}

const functionRoleStatements = (resources: Record<string, any>, fn: string): any[] =>
  resources[`${fn}IamRoleLambdaExecution`].Properties.Policies[0].PolicyDocument.Statement;

beforeAll(async () => {
  brokenCopy = copyProject();
  replaceIn(brokenCopy, 'resources/messaging.yml', '      VisibilityTimeout: 60', '      VisibilityTimout: 60');
  replaceIn(brokenCopy, 'functions/fulfill-order/function.yml', 'Action: [sqs:SendMessage]', 'Action: [sqs:SendMesage]');
  // Both packagings at once: each is mostly waiting on esbuild and the plugins. Each in a copy:
  // serverless-esbuild builds in <project>/.esbuild, which package.test.ts uses at the same time.
  [template, brokenTemplate] = await Promise.all([
    packageService(copyProject(), tempDir('check-deploy-package-')),
    packageService(brokenCopy, tempDir('check-deploy-package-')),
  ]);
}, 180_000);

afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

test('today\'s template has nothing CloudFormation or IAM would reject', async () => {
  expect(Object.keys(template.Resources).length).toBeGreaterThan(50);
  expect(await problems(template)).toEqual([]);
});

describe('a mistake in the sources names the file, the line and the property', () => {
  test('a misspelled property in resources/*.yml', async () => {
    const line = lineOf(join(brokenCopy, 'resources/messaging.yml'), 'VisibilityTimout:');
    expect(await problems(brokenTemplate, brokenCopy)).toContainEqual(
      `resources/messaging.yml:${line}: InventoryUpdatesQueue.Properties.VisibilityTimout: unknown property (did you mean VisibilityTimeout?)`,
    );
  });

  test('a misspelled IAM action in a function.yml', async () => {
    const line = lineOf(join(brokenCopy, 'functions/fulfill-order/function.yml'), 'sqs:SendMesage');
    expect(await problems(brokenTemplate, brokenCopy)).toContainEqual(
      expect.stringMatching(new RegExp(`^functions/fulfill-order/function\\.yml:${line}: FulfillOrderIamRoleLambdaExecution\\..*Action: sqs:SendMesage: no such IAM action \\(did you mean sqs:SendMessage\\?\\)$`)),
    );
  });
});

test('npm run check:deploy exits non-zero and prints each problem with its file', async () => {
  const templateFile = join(tempDir('check-deploy-template-'), 'template.json');
  writeFileSync(templateFile, JSON.stringify(brokenTemplate));
  // The copy's own script, so that it reads the copy's sources.
  const run = promisify(execFile)(join(root, 'node_modules', '.bin', 'tsx'), [join(brokenCopy, 'scripts/check-deploy/main.ts'), '--template', templateFile], { cwd: brokenCopy });
  const failure = await run.then(() => undefined, (error: { code: number; stderr: string }) => error);
  expect(failure?.code).toBe(1);
  expect(failure?.stderr).toContain('2 problem(s)');
  expect(failure?.stderr).toMatch(/resources\/messaging\.yml:\d+: InventoryUpdatesQueue\.Properties\.VisibilityTimout: unknown property/);
  expect(failure?.stderr).toMatch(/functions\/fulfill-order\/function\.yml:\d+: .*sqs:SendMesage: no such IAM action/);
}, 60_000);

describe('a mistake in the template is found', () => {
  test.each<[string, (resources: Record<string, any>) => void, RegExp]>([
    [
      'two topic policies on one topic (each replaces the other)',
      (r) => {
        r.SecondOpsAlertsTopicPolicy = structuredClone(r.OpsAlertsTopicPolicy);
      },
      /^resources\/messaging\.yml:\d+: OpsAlertsTopicPolicy\.Properties\.Topics: \{"Ref":"OpsAlertsTopic"\} also has its policy set by SecondOpsAlertsTopicPolicy \(AWS::SNS::TopicPolicy\): each replaces the whole policy/,
    ],
    [
      'a property of the wrong type',
      (r) => { r.InventoryUpdatesQueue.Properties.VisibilityTimeout = 'sixty'; },
      /^resources\/messaging\.yml:\d+: InventoryUpdatesQueue\.Properties\.VisibilityTimeout: expected an integer, got "sixty"$/,
    ],
    [
      'a nested property of the wrong type',
      (r) => { r.OrdersTable.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled = 'yes'; },
      /^resources\/dynamodb\.yml:\d+: OrdersTable\.Properties\.PointInTimeRecoverySpecification\.PointInTimeRecoveryEnabled: expected true or false/,
    ],
    [
      'a missing required property',
      (r) => { delete r.OrdersTable.Properties.KeySchema; },
      /^resources\/dynamodb\.yml:\d+: OrdersTable\.Properties\.KeySchema: required property is missing$/,
    ],
    [
      'a missing required property of a nested type',
      (r) => { delete r.OrdersTable.Properties.GlobalSecondaryIndexes[0].Projection; },
      /^resources\/dynamodb\.yml:\d+: OrdersTable\.Properties\.GlobalSecondaryIndexes\[0\]\.Projection: required property is missing$/,
    ],
    [
      'a value outside the property\'s enum',
      (r) => { r.CheckoutStateMachineLogGroup.Properties.RetentionInDays = 31; },
      /^resources\/monitoring\.yml:\d+: CheckoutStateMachineLogGroup\.Properties\.RetentionInDays: 31 is not one of 1, 3, 5, 7, 14, 30, /,
    ],
    [
      'a misspelled resource attribute (Properties)',
      (r) => { r.OpsAlertsTopic.Propertes = r.OpsAlertsTopic.Properties; delete r.OpsAlertsTopic.Properties; },
      /^resources\/messaging\.yml:\d+: OpsAlertsTopic\.Propertes: not a resource attribute \(did you mean Properties\?\)$/,
    ],
    [
      'a Fn::GetAtt of an attribute the resource type does not have',
      (r) => { r.InventoryUpdatesQueue.Properties.RedrivePolicy.deadLetterTargetArn = { 'Fn::GetAtt': ['InventoryUpdatesDLQ', 'Arm'] }; },
      /^resources\/messaging\.yml:\d+: InventoryUpdatesQueue\.Properties\.RedrivePolicy\.deadLetterTargetArn\.Fn::GetAtt: .*InventoryUpdatesDLQ \(AWS::SQS::Queue\) for Arm, which it does not have; it has Arn, QueueName, QueueUrl$/,
    ],
    [
      'a Ref to a resource that does not exist',
      (r) => { r.InventoryUpdatesDLQDepthAlarm.Properties.AlarmActions = [{ Ref: 'OpsAlertTopic' }]; },
      /^resources\/monitoring\.yml:\d+: InventoryUpdatesDLQDepthAlarm\.Properties\.AlarmActions\[0\]\.Ref: Ref names OpsAlertTopic, which is not in the template \(did you mean OpsAlertsTopic\?\)$/,
    ],
    [
      'an action on an ARN of another type (sqs:SendMessage on a DynamoDB table)',
      (r) => { functionRoleStatements(r, 'FulfillOrder').find((s) => s.Action.includes('sqs:SendMessage')).Resource = { 'Fn::GetAtt': ['OrdersTable', 'Arn'] }; },
      /^functions\/fulfill-order\/function\.yml:\d+: .*Resource: sqs:SendMessage: applies to arn:\$\{Partition\}:sqs:.*; the statement's Resource is Fn::GetAtt OrdersTable\.Arn \(AWS::DynamoDB::Table\)$/,
    ],
    [
      'an action on an ARN built with Fn::Sub of another service (dynamodb:GetItem on an SSM parameter)',
      (r) => { functionRoleStatements(r, 'StripeWebhook').find((s) => s.Action.includes('ssm:GetParameter')).Action = ['dynamodb:GetItem']; },
      /^functions\/stripe-webhook\/function\.yml:\d+: .*Resource: dynamodb:GetItem: applies to arn:\$\{Partition\}:dynamodb:.*table\/.*; the statement's Resource is arn:\$\{AWS::Partition\}:ssm:/,
    ],
    [
      'a Ref that gives a queue URL where IAM needs an ARN',
      (r) => { functionRoleStatements(r, 'FulfillOrder').find((s) => s.Action.includes('sqs:SendMessage')).Resource = { Ref: 'FulfilmentRequestsQueue' }; },
      /^functions\/fulfill-order\/function\.yml:\d+: .*Resource: Ref FulfilmentRequestsQueue gives the AWS::SQS::Queue's QueueUrl, not its ARN/,
    ],
    [
      'an action IAM cannot scope given a resource ARN',
      (r) => { functionRoleStatements(r, 'StripeWebhook').find((s) => s.Action.includes('states:SendTaskSuccess')).Resource = { 'Fn::GetAtt': ['OrdersTable', 'Arn'] }; },
      /^functions\/stripe-webhook\/function\.yml:\d+: .*states:SendTaskSuccess: IAM scopes this action to no resource: its Resource must be "\*"/,
    ],
    [
      'a state machine transition to a state that does not exist',
      (r) => {
        const sub = r.CheckoutDashsagaDashdevDashcheckout.Properties.DefinitionString['Fn::Sub'];
        expect(sub[0]).toContain('"Next": "MarkPaid"');
        sub[0] = sub[0].replace('"Next": "MarkPaid"', '"Next": "MarkPayd"');
      },
      /^stepfunctions\/checkout\.asl\.yml: .*DefinitionString: MISSING_TRANSITION_TARGET: .*target: MarkPayd$/,
    ],
    [
      'a state machine task whose target variable is not defined',
      (r) => {
        const [, variables] = r.CheckoutDashsagaDashdevDashcheckout.Properties.DefinitionString['Fn::Sub'];
        const reserve = Object.keys(variables).find((name) => variables[name]['Fn::GetAtt']?.[0] === 'ReserveInventoryLambdaFunction')!;
        delete variables[reserve];
      },
      /^stepfunctions\/checkout\.asl\.yml:\d+: .*DefinitionString: state ReserveInventory: \$\{[0-9a-f]+\} is neither a variable of the Fn::Sub nor a resource of the template$/,
    ],
  ])('%s', async (_, change, expected) => {
    expect(await problems(templateWith(change))).toContainEqual(expect.stringMatching(expected));
  });
});
