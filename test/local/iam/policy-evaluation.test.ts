import { compileStatement, evaluate, PolicyCompilationError, type PolicyStatementDocument } from '../../../local/iam/policy-evaluation';

const TABLE = 'arn:aws:dynamodb:us-east-1:000000000000:table/orders';
const policy = (...statements: PolicyStatementDocument[]) => statements.map((statement, index) => compileStatement(statement, `s${index}`));
const decide = (statements: PolicyStatementDocument[], action: string, resource: string) => evaluate(policy(...statements), { action, resource }).decision;

describe('identity policy evaluation', () => {
  test('nothing allows: implicit deny; an Allow on the action and resource: allow', () => {
    expect(decide([], 'dynamodb:GetItem', TABLE)).toBe('implicitDeny');
    expect(decide([{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE }], 'dynamodb:GetItem', TABLE)).toBe('allow');
    expect(decide([{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE }], 'dynamodb:PutItem', TABLE)).toBe('implicitDeny');
    expect(decide([{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE }], 'dynamodb:GetItem', `${TABLE}-other`)).toBe('implicitDeny');
  });

  test('an explicit Deny wins over any Allow, whatever the order', () => {
    const allow: PolicyStatementDocument = { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' };
    const deny: PolicyStatementDocument = { Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: TABLE };
    expect(decide([allow, deny], 'dynamodb:DeleteItem', TABLE)).toBe('explicitDeny');
    expect(decide([deny, allow], 'dynamodb:DeleteItem', TABLE)).toBe('explicitDeny');
    expect(decide([allow, deny], 'dynamodb:PutItem', TABLE)).toBe('allow');
  });

  test('actions match case-insensitively, resources case-sensitively', () => {
    const statements: PolicyStatementDocument[] = [{ Effect: 'Allow', Action: 'DynamoDB:getitem', Resource: TABLE }];
    expect(decide(statements, 'dynamodb:GetItem', TABLE)).toBe('allow');
    expect(decide(statements, 'dynamodb:GetItem', TABLE.replace('orders', 'Orders'))).toBe('implicitDeny');
  });

  test('wildcards: * spans any characters (: and / included), ? exactly one; other characters are literal', () => {
    expect(decide([{ Effect: 'Allow', Action: 'dynamodb:*Item', Resource: 'arn:aws:dynamodb:*:*:table/orders' }], 'dynamodb:UpdateItem', TABLE)).toBe('allow');
    expect(decide([{ Effect: 'Allow', Action: 'dynamodb:*Item', Resource: TABLE }], 'dynamodb:Query', TABLE)).toBe('implicitDeny');
    expect(decide([{ Effect: 'Allow', Action: '*', Resource: `${TABLE}*` }], 'dynamodb:Query', `${TABLE}/index/byEmail`)).toBe('allow');
    expect(decide([{ Effect: 'Allow', Action: 'sqs:SendMessag?', Resource: '*' }], 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:0:q')).toBe('allow');
    expect(decide([{ Effect: 'Allow', Action: 'sqs:SendMessag?', Resource: '*' }], 'sqs:SendMessageBatch', 'arn:aws:sqs:us-east-1:0:q')).toBe('implicitDeny');
    // "." in an ARN is not "any character"
    expect(decide([{ Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::a.b' }], 's3:GetObject', 'arn:aws:s3:::aXb')).toBe('implicitDeny');
  });

  test('NotAction allows every action but those listed; NotResource every resource but those listed', () => {
    const notAction: PolicyStatementDocument[] = [{ Effect: 'Allow', NotAction: 'dynamodb:Delete*', Resource: TABLE }];
    expect(decide(notAction, 'dynamodb:PutItem', TABLE)).toBe('allow');
    expect(decide(notAction, 'dynamodb:DeleteItem', TABLE)).toBe('implicitDeny');
    const notResource: PolicyStatementDocument[] = [{ Effect: 'Allow', Action: 'dynamodb:GetItem', NotResource: `${TABLE}*` }];
    expect(decide(notResource, 'dynamodb:GetItem', 'arn:aws:dynamodb:us-east-1:000000000000:table/inventory')).toBe('allow');
    expect(decide(notResource, 'dynamodb:GetItem', TABLE)).toBe('implicitDeny');
    // A Deny with NotResource denies everywhere else.
    const fenced: PolicyStatementDocument[] = [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: '*', NotResource: TABLE },
    ];
    expect(decide(fenced, 'dynamodb:GetItem', TABLE)).toBe('allow');
    expect(decide(fenced, 'dynamodb:GetItem', `${TABLE}2`)).toBe('explicitDeny');
  });

  test('a statement with a Condition is refused when compiled, never silently allowed or ignored', () => {
    expect(() =>
      compileStatement({ Effect: 'Allow', Action: 'sns:Publish', Resource: '*', Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:events:*' } } }, 'conditional'),
    ).toThrow(PolicyCompilationError);
    expect(() => compileStatement({ Effect: 'Allow', Action: 'sns:Publish', Resource: '*', Condition: {} }, 'conditional')).toThrow(/Condition/);
  });

  test('malformed statements are refused: both Action and NotAction, no resource, a non-string after resolution', () => {
    expect(() => compileStatement({ Effect: 'Allow', Action: 'a:b', NotAction: 'a:c', Resource: '*' }, 'x')).toThrow(/Action and NotAction/);
    expect(() => compileStatement({ Effect: 'Allow', Action: 'a:b' }, 'x')).toThrow(/Resource and NotResource/);
    expect(() => compileStatement({ Effect: 'Allow', Action: 'a:b', Resource: [{ Ref: 'X' } as unknown as string] }, 'x')).toThrow(/string/);
  });

  test('reports which statements and patterns allowed, for the findings', () => {
    const evaluation = evaluate(policy({ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:*'], Resource: [TABLE, '*'] }), { action: 'dynamodb:GetItem', resource: TABLE });
    expect(evaluation.allowedBy).toHaveLength(1);
    expect(evaluation.allowedBy[0].action?.text).toBe('dynamodb:GetItem');
    expect(evaluation.allowedBy[0].resource?.hasWildcard).toBe(false);
  });
});
