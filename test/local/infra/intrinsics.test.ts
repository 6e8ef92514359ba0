import { createIntrinsicResolver, IntrinsicResolutionError, referencedLogicalIds, type PhysicalIds } from '../../../local/cloudformation/intrinsics';
import { creationOrder } from '../../../local/cloudformation/provision';
import { lambdaLogicalId, servicePhysicalIds } from '../../../local/cloudformation/service-physical-ids';
import { loadService, type ResolvedService } from '../../../local/serverless-config/load-service';
import { REPO_ROOT } from './fixtures/fixture-service';

const QUEUE_URL = 'http://127.0.0.1:4566/000000000000/orders-queue';
const physicalIds: PhysicalIds = {
  OrdersTable: { type: 'AWS::DynamoDB::Table', ref: 'orders', attributes: { Arn: 'arn:aws:dynamodb:us-east-1:000000000000:table/orders' } },
  OrdersQueue: {
    type: 'AWS::SQS::Queue',
    ref: QUEUE_URL,
    attributes: { Arn: 'arn:aws:sqs:us-east-1:000000000000:orders-queue', QueueName: 'orders-queue', QueueUrl: QUEUE_URL },
  },
  AlertsTopic: { type: 'AWS::SNS::Topic', ref: 'arn:aws:sns:us-east-1:000000000000:alerts', attributes: { TopicArn: 'arn:aws:sns:us-east-1:000000000000:alerts', TopicName: 'alerts' } },
  ReserveInventoryLambdaFunction: { type: 'AWS::Lambda::Function', ref: 'svc-local-reserveInventory', attributes: { Arn: 'arn:aws:lambda:us-east-1:000000000000:function:svc-local-reserveInventory' } },
};
const resolve = createIntrinsicResolver({
  physicalIds,
  aliases: { reserveInventory: 'ReserveInventoryLambdaFunction' },
  unprovisioned: { OrdersTopicPolicy: 'AWS::SNS::TopicPolicy' },
  stackName: 'svc-local',
});

describe('intrinsic functions', () => {
  test('Ref: tables, queues (URL), topics (ARN), functions (name), pseudo parameters', () => {
    expect(resolve({ t: { Ref: 'OrdersTable' }, q: { Ref: 'OrdersQueue' }, s: { Ref: 'AlertsTopic' }, f: { Ref: 'ReserveInventoryLambdaFunction' } })).toEqual({
      t: 'orders',
      q: QUEUE_URL,
      s: 'arn:aws:sns:us-east-1:000000000000:alerts',
      f: 'svc-local-reserveInventory',
    });
    expect(resolve([{ Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, { Ref: 'AWS::Partition' }, { Ref: 'AWS::StackName' }])).toEqual(['us-east-1', '000000000000', 'aws', 'svc-local']);
  });

  test('Fn::GetAtt in list and dotted forms, and with a bare function name (serverless-step-functions)', () => {
    expect(resolve({ 'Fn::GetAtt': ['OrdersQueue', 'Arn'] })).toBe('arn:aws:sqs:us-east-1:000000000000:orders-queue');
    expect(resolve({ 'Fn::GetAtt': 'OrdersQueue.QueueName' })).toBe('orders-queue');
    expect(resolve({ 'Fn::GetAtt': ['OrdersQueue', 'QueueUrl'] })).toBe(QUEUE_URL);
    expect(resolve({ 'Fn::GetAtt': ['reserveInventory', 'Arn'] })).toBe('arn:aws:lambda:us-east-1:000000000000:function:svc-local-reserveInventory');
    expect(resolve({ Ref: 'reserveInventory' })).toBe('svc-local-reserveInventory');
  });

  test('Fn::Sub: pseudo parameters, ${Logical}, ${Logical.Attr}, variables, ${!escapes}', () => {
    expect(resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:m' })).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:m');
    expect(resolve({ 'Fn::Sub': '${OrdersTable}|${OrdersQueue.Arn}|${!Literal}' })).toBe('orders|arn:aws:sqs:us-east-1:000000000000:orders-queue|${Literal}');
    expect(resolve({ 'Fn::Sub': ['${Name}-${Topic}', { Name: 'x', Topic: { Ref: 'AlertsTopic' } }] })).toBe('x-arn:aws:sns:us-east-1:000000000000:alerts');
  });

  test('Fn::Join, Fn::Select, Fn::Split, nested', () => {
    expect(resolve({ 'Fn::Join': ['/', ['a', { Ref: 'OrdersTable' }, { 'Fn::GetAtt': ['AlertsTopic', 'TopicName'] }]] })).toBe('a/orders/alerts');
    expect(resolve({ 'Fn::Select': [1, ['a', { Ref: 'OrdersTable' }]] })).toBe('orders');
    expect(resolve({ 'Fn::Select': ['5', { 'Fn::Split': [':', { 'Fn::GetAtt': ['OrdersQueue', 'Arn'] }] }] })).toBe('orders-queue');
  });

  test('leaves plain values alone, including objects that merely contain a Ref key among others', () => {
    const value = { a: 1, b: [true, null, 'x'], c: { Ref: 'OrdersTable', Other: 1 } };
    expect(resolve(value)).toEqual(value);
  });

  test('unknown references throw, naming the reference and where it is', () => {
    expect(() => resolve({ env: { X: { Ref: 'Missing' } } })).toThrow(IntrinsicResolutionError);
    expect(() => resolve({ env: { X: { Ref: 'Missing' } } })).toThrow(/unknown logical id "Missing"; known: AlertsTopic, OrdersQueue, OrdersTable.*\(at env\.X\.Ref\)/);
    expect(() => resolve({ 'Fn::GetAtt': ['OrdersTable', 'StreamArn'] })).toThrow(/AWS::DynamoDB::Table "OrdersTable" has no attribute "StreamArn" locally; available: Arn/);
    expect(() => resolve({ 'Fn::Sub': 'x-${Nope}' })).toThrow(/unknown logical id "Nope"/);
    expect(() => resolve({ Ref: 'OrdersTopicPolicy' })).toThrow(/"OrdersTopicPolicy" is a AWS::SNS::TopicPolicy, which the local cloud does not create/);
  });

  test('conditions and unknown functions are refused', () => {
    expect(() => resolve({ 'Fn::If': ['C', 'a', 'b'] })).toThrow(/Fn::If is not supported by the local cloud/);
    expect(() => resolve({ 'Fn::Nope': 1 })).toThrow(/unknown intrinsic function Fn::Nope/);
  });

  test('referencedLogicalIds finds Ref, GetAtt and Sub references', () => {
    expect([...referencedLogicalIds({ a: { Ref: 'A' }, b: { 'Fn::GetAtt': 'B.Arn' }, c: { 'Fn::Sub': ['${C.Arn}-${v}-${AWS::Region}-${!x}', { v: { Ref: 'D' } }] } })].sort()).toEqual([
      'A',
      'B',
      'C',
      'D',
    ]);
  });
});

describe('the real serverless.yml', () => {
  let service: ResolvedService;
  beforeAll(async () => {
    service = await loadService({ root: REPO_ROOT });
  });

  test('creation order puts every DLQ before the queue whose RedrivePolicy names it', () => {
    const order = creationOrder(service.resources!.Resources!);
    expect(order.indexOf('InventoryUpdatesDLQ')).toBeLessThan(order.indexOf('InventoryUpdatesQueue'));
    expect(order.indexOf('FulfilmentRequestsDLQ')).toBeLessThan(order.indexOf('FulfilmentRequestsQueue'));
    expect(order.indexOf('OpsAlertsTopic')).toBeLessThan(order.indexOf('OpsAlertsTopicPolicy'));
  });

  test("the state machine's Fn::GetAtt / Ref resolve to local function ARNs and queue URLs", () => {
    const { physicalIds: servicIds, aliases } = servicePhysicalIds(service);
    expect(lambdaLogicalId('reserveInventory')).toBe('ReserveInventoryLambdaFunction');
    const queueUrl = 'http://127.0.0.1:1/000000000000/checkout-saga-local-inventory-updates';
    const resolveAsl = createIntrinsicResolver({
      physicalIds: {
        ...servicIds,
        InventoryUpdatesQueue: { type: 'AWS::SQS::Queue', ref: queueUrl, attributes: {} },
        CheckoutStateMachineLogGroup: { type: 'AWS::Logs::LogGroup', ref: 'g', attributes: { Arn: 'arn:g' } },
      },
      aliases,
    });
    const definition = resolveAsl<any>(service.stepFunctions!.stateMachines!.checkout.definition, 'definition');
    const lambdaArn = (fn: string) => `arn:aws:lambda:us-east-1:000000000000:function:checkout-saga-local-${fn}`;
    expect(definition.States.ReserveInventory.Parameters.FunctionName).toBe(lambdaArn('reserveInventory'));
    expect(definition.States.AwaitPayment.Parameters.FunctionName).toBe(lambdaArn('requestPayment'));
    expect(definition.States.CompensateOrder.Parameters.FunctionName).toBe(lambdaArn('compensateOrder'));
    expect(definition.States.FulfillOrder.Parameters.FunctionName).toBe(lambdaArn('fulfillOrder'));
    expect(definition.States.FlagNeedsAttention.Parameters.FunctionName).toBe(lambdaArn('flagNeedsAttention'));
    expect(definition.States.CommitInventory.Parameters.QueueUrl).toBe(queueUrl);
    expect(definition.States.MarkPaid.Parameters.TableName).toBe('checkout-saga-local-orders');
    // Nothing left for the engine to choke on.
    expect(JSON.stringify(definition)).not.toMatch(/"(Ref|Fn::[A-Za-z]+)":/);
    // The state machine's own ARN, as the plugin names its logical id.
    expect(Object.values(servicIds).filter((id) => id.type === 'AWS::StepFunctions::StateMachine').map((id) => id.ref)).toEqual([
      'arn:aws:states:us-east-1:000000000000:stateMachine:checkout-saga-local-checkout',
    ]);
  });
});
