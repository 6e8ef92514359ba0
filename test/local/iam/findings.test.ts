import { findingsFrom, mergeUsageReports, UsageRecorder } from '../../../local/iam/findings';
import { compileStatement, evaluate } from '../../../local/iam/policy-evaluation';
import type { Role } from '../../../local/iam/roles';

const TABLE = 'arn:aws:dynamodb:us-east-1:0:table/orders';
function role(caller: string): Role {
  return {
    caller,
    logicalId: 'R',
    roleName: `${caller}-role`,
    sessionName: caller,
    statements: [
      compileStatement({ Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: '*' }, 'logs'),
      compileStatement({ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [TABLE, `${TABLE}-old`] }, 'table'),
      compileStatement({ Effect: 'Allow', Action: ['sns:*'], Resource: '*' }, 'topics'),
      compileStatement({ Effect: 'Allow', Action: ['states:SendTaskSuccess'], Resource: '*' }, 'callbacks'),
      compileStatement({ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: 'arn:aws:sqs:us-east-1:0:q' }, 'queue'),
    ],
  };
}

function use(recorder: UsageRecorder, r: Role, action: string, resource: string) {
  recorder.record(r.caller, { action, resource }, evaluate(r.statements, { action, resource }));
}

describe('least-privilege findings', () => {
  test('unused statements, unused actions and resources, wildcard-only calls; platform statements set apart', () => {
    const fn = role('fn');
    const recorder = new UsageRecorder(new Map([['fn', fn]]));
    use(recorder, fn, 'dynamodb:GetItem', TABLE);
    use(recorder, fn, 'sns:Publish', 'arn:aws:sns:us-east-1:0:alerts');
    use(recorder, fn, 'states:SendTaskSuccess', '*');
    const findings = findingsFrom(recorder.report());
    expect(findings.unusedStatements.map((s) => s.statement)).toEqual(['queue']);
    expect(findings.unusedActions).toEqual([{ caller: 'fn', statement: 'table', action: 'dynamodb:PutItem' }]);
    expect(findings.unusedResources).toEqual([{ caller: 'fn', statement: 'table', resource: `${TABLE}-old` }]);
    // sns:* on *: only a wildcard allowed it. SendTaskSuccess takes no resource: * is not a finding there.
    expect(findings.wildcardOnly.map((w) => `${w.action} ${w.resource}`)).toEqual(['sns:Publish arn:aws:sns:us-east-1:0:alerts']);
    expect(findings.notObservable.map((s) => s.statement)).toEqual(['logs']);
  });

  test('reports of several clouds merge: used in any is used', () => {
    const fn = role('fn');
    const first = new UsageRecorder(new Map([['fn', fn]]));
    const second = new UsageRecorder(new Map([['fn', fn]]));
    use(first, fn, 'dynamodb:GetItem', TABLE);
    use(second, fn, 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:0:q');
    const merged = findingsFrom(mergeUsageReports([first.report(), second.report()]));
    expect(merged.unusedStatements.map((s) => s.statement)).toEqual(['topics', 'callbacks']);
  });
});
